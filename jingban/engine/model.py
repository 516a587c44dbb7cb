"""The case (办件) as the engine sees it: a light record with slots, no I/O.

Times are aware datetimes in UTC; money is integer fen. The applicant's identity number is
whole only in the case a registration returns (`Engine.open_case`), for the store to encrypt
once; a stored case holds the masked form (`jingban.engine.identity.mask_identity`), which is
what every view shows (`jingban.storage.idcrypt`).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, fields

from jingban.engine.audit_checks import AuditCheck, checks_data
from jingban.engine.feedback import NO_FEEDBACK, Feedback, feedback_data
from jingban.engine.followups import Deferred, Undertaking, followup_data
from jingban.engine.levels import DUE_KINDS
from jingban.engine.parties import Agent
from jingban.engine.supervision import Supervision, supervision_data
from jingban.engine.suspension_approval import PendingSuspension, pending_data
from jingban.workflows.vocabulary import FINAL_STATES, RUNNING_STATES

__all__ = [
    "AGING_STATES",
    "CASE_FIELDS",
    "DUE_KINDS",
    "STAMP_FIELDS",
    "TERMINAL_STATES",
    "Case",
    "Payment",
    "case_to_dict",
    "is_shared_materials",
    "shared_materials",
]

TERMINAL_STATES = FINAL_STATES
# States in which the case's clock runs, so its dues age and raise alerts (not waiting for a
# supplement, not suspended, not ended): `jingban.workflows.vocabulary.RUNNING_STATES`.
AGING_STATES = RUNNING_STATES


@dataclass(slots=True)
class Payment:
    """A recorded payment (拨付): amount in fen, masked payee account, voucher number."""

    amount_fen: int
    account_masked: str
    voucher: str


@dataclass(frozen=True, slots=True)
class Recheck:
    """A re-check (复核) by ``by`` at ``at`` of the amount ``amount_fen`` to pay
    (`jingban.engine.control`)."""

    by: str
    at: dt.datetime
    amount_fen: int


@dataclass(slots=True)
class Case:
    """One application (办件) and everything the engine needs to decide its next step."""

    case_no: str
    region: str
    item_key: str
    item_name: str
    item_version: str
    channel: str
    applicant_type: str | None
    applicant_name: str
    applicant_id: str
    applicant_id_type: str
    received_at: dt.datetime
    state: str = "submitted"
    outcome: str | None = None
    version: int = 1
    office: str | None = None
    assignee: str | None = None
    materials: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    accepted_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    clock_start_at: dt.datetime | None = None
    supplement_requested_at: dt.datetime | None = None
    suspended_at: dt.datetime | None = None
    suspended_from: str | None = None
    # Clock stops: (when it stopped, working days it stood still), oldest first.
    pauses: tuple[tuple[dt.datetime, int], ...] = ()
    extension_days: int = 0
    # How many extensions (延期) were granted; ``extension_days`` is their total.
    extensions: int = 0
    accept_due: dt.datetime | None = None
    promised_due: dt.datetime | None = None
    statutory_due: dt.datetime | None = None
    stage_due: dt.datetime | None = None
    stage_due_key: str | None = None
    promised_warn_at: dt.datetime | None = None
    statutory_warn_at: dt.datetime | None = None
    # When the stages began that no other field dates (see `STAMP_FIELDS`).
    prereviewed_at: dt.datetime | None = None
    supplemented_at: dt.datetime | None = None
    transferred_at: dt.datetime | None = None
    reviewed_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    provisional: bool = False
    accepted_by: str | None = None
    approved_by: str | None = None
    paid_by: str | None = None
    payment: Payment | None = None
    backdated: bool = False
    # Who applies (`jingban.workflows.applicants`): a person or a unit (whose 统一社会信用代码
    # is also its ``applicant_id``), and who acts for them (`jingban.engine.parties.Agent`).
    applicant_kind: str = "person"
    credit_code: str | None = None
    agent: Agent | None = None
    # Supplement deadline of the pending one-time notice, materials accepted as deferred
    # (容缺) and undertakings awaiting their check (告知承诺): `jingban.engine.followups`.
    supplement_due: dt.datetime | None = None
    deferred: tuple[Deferred, ...] = ()
    undertakings: tuple[Undertaking, ...] = ()
    # Supervision orders (督办单) and their replies: `jingban.engine.supervision`.
    supervisions: tuple[Supervision, ...] = ()
    # The applicant's ratings and the rectifications of bad ones: `jingban.engine.feedback`.
    feedback: Feedback = NO_FEEDBACK
    # A suspension waiting for the supervisor (中止待批): `jingban.engine.suspension_approval`.
    pending_suspension: PendingSuspension | None = None
    # Internal control (`jingban.engine.control`): the re-check (复核) before 拨付, and who
    # took each action of the region's incompatible pairs, oldest first.
    recheck: Recheck | None = None
    takers: tuple[tuple[str, str], ...] = ()
    # 稽核: the audit samples the case was drawn into (`jingban.engine.audit_checks`).
    audit_checks: tuple[AuditCheck, ...] = ()
    # When the result must have reached the applicant (送达), while it has not: set when
    # the case ends with a result, cleared by the delivery (`jingban.engine.delivery`).
    delivery_due: dt.datetime | None = None
    # The applicant's mobile number for milestone messages (whole only in the case a
    # registration returns; stored masked, encrypted beside it) and the opt-out of them.
    phone: str | None = None
    sms_optout: bool = False

    def stopped_since(self, start: dt.datetime) -> int:
        """Working days the clock stood still after ``start`` (suspensions, and supplements
        under the pause policy): what moves a due counted from ``start``."""
        return sum(days for stopped_at, days in self.pauses if stopped_at >= start)

    @property
    def is_terminal(self) -> bool:
        """Whether the case has ended (办结, 不予受理 or 撤回)."""
        return self.state in TERMINAL_STATES

    def copy(self) -> Case:
        """A shallow copy the engine may change without touching the original."""
        new = object.__new__(Case)
        new.case_no = self.case_no
        new.region = self.region
        new.item_key = self.item_key
        new.item_name = self.item_name
        new.item_version = self.item_version
        new.channel = self.channel
        new.applicant_type = self.applicant_type
        new.applicant_name = self.applicant_name
        new.applicant_id = self.applicant_id
        new.applicant_id_type = self.applicant_id_type
        new.received_at = self.received_at
        new.state = self.state
        new.outcome = self.outcome
        new.version = self.version
        new.office = self.office
        new.assignee = self.assignee
        new.materials = self.materials
        new.missing = self.missing
        new.accepted_at = self.accepted_at
        new.completed_at = self.completed_at
        new.clock_start_at = self.clock_start_at
        new.supplement_requested_at = self.supplement_requested_at
        new.suspended_at = self.suspended_at
        new.suspended_from = self.suspended_from
        new.pauses = self.pauses
        new.extension_days = self.extension_days
        new.extensions = self.extensions
        new.accept_due = self.accept_due
        new.promised_due = self.promised_due
        new.statutory_due = self.statutory_due
        new.stage_due = self.stage_due
        new.stage_due_key = self.stage_due_key
        new.promised_warn_at = self.promised_warn_at
        new.statutory_warn_at = self.statutory_warn_at
        new.prereviewed_at = self.prereviewed_at
        new.supplemented_at = self.supplemented_at
        new.transferred_at = self.transferred_at
        new.reviewed_at = self.reviewed_at
        new.paid_at = self.paid_at
        new.provisional = self.provisional
        new.accepted_by = self.accepted_by
        new.approved_by = self.approved_by
        new.paid_by = self.paid_by
        new.payment = self.payment
        new.backdated = self.backdated
        new.applicant_kind = self.applicant_kind
        new.credit_code = self.credit_code
        new.agent = self.agent
        new.supplement_due = self.supplement_due
        new.deferred = self.deferred
        new.undertakings = self.undertakings
        new.supervisions = self.supervisions
        new.feedback = self.feedback
        new.pending_suspension = self.pending_suspension
        new.recheck = self.recheck
        new.takers = self.takers
        new.audit_checks = self.audit_checks
        new.delivery_due = self.delivery_due
        new.phone = self.phone
        new.sms_optout = self.sms_optout
        return new

    def started(self, stamp: str) -> dt.datetime | None:
        """When the stage named ``stamp`` began (``received``, ``accepted``, ``reviewed`` …;
        see `STAMP_FIELDS`), or None if it has not (or was undone by a supplement)."""
        return getattr(self, STAMP_FIELDS[stamp])

    def stage_stamps(self) -> dict[str, dt.datetime]:
        """Every stage start the case records, in chain order: stamp → instant."""
        stamps = {}
        for stamp, name in STAMP_FIELDS.items():
            at = getattr(self, name)
            if at is not None:
                stamps[stamp] = at
        return stamps

    def dues(self) -> dict[str, dt.datetime | None]:
        """The stored due instants by kind."""
        return {
            "accept": self.accept_due,
            "promised": self.promised_due,
            "statutory": self.statutory_due,
            "stage": self.stage_due,
            "delivery": self.delivery_due,
        }


# Stage stamps (the ``starts``/``ends`` of an item's stage sub-limits) and the fields that
# date them, in chain order. Receipt, acceptance and completion are dated by fields the case
# has anyway, so a stamp costs a resident case nothing beyond its instant.
STAMP_FIELDS = {
    "received": "received_at",
    "prereviewed": "prereviewed_at",
    "supplemented": "supplemented_at",
    "accepted": "accepted_at",
    "transferred": "transferred_at",
    "reviewed": "reviewed_at",
    "paid": "paid_at",
    "completed": "completed_at",
}

CASE_FIELDS = tuple(f.name for f in fields(Case))

# Material lists recur (most cases bring exactly their item's list): equal lists share one
# tuple, as interned strings do. Bounded, so odd combinations cannot grow it without end.
_MATERIAL_LISTS: dict[tuple[str, ...], tuple[str, ...]] = {}
_MATERIAL_LISTS_MAX = 4096


def shared_materials(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` as the one shared tuple of equal material lists (interned names)."""
    found = _MATERIAL_LISTS.get(names)
    if found is not None:
        return found
    names = tuple(sys.intern(n) for n in names)
    if len(_MATERIAL_LISTS) < _MATERIAL_LISTS_MAX:
        _MATERIAL_LISTS[names] = names
    return names


def is_shared_materials(names: tuple[str, ...]) -> bool:
    """Whether ``names`` is the pool's own tuple (for measuring what a case owns)."""
    return _MATERIAL_LISTS.get(names) is names


def case_to_dict(case: Case) -> dict[str, object]:
    """The case as plain data (for storage and snapshots)."""
    data = {name: getattr(case, name) for name in CASE_FIELDS}
    data["materials"] = list(case.materials)
    data["missing"] = list(case.missing)
    data.update(followup_data(case.deferred, case.undertakings))
    data["supervisions"] = supervision_data(case.supervisions)
    data["feedback"] = feedback_data(case.feedback)
    data["pending_suspension"] = pending_data(case.pending_suspension)
    data["takers"] = [list(pair) for pair in case.takers]
    data["audit_checks"] = checks_data(case.audit_checks)
    if case.recheck is not None:
        r = case.recheck
        data["recheck"] = {"by": r.by, "at": r.at, "amount_fen": r.amount_fen}
    if case.payment is not None:
        p = case.payment
        data["payment"] = {
            "amount_fen": p.amount_fen,
            "account_masked": p.account_masked,
            "voucher": p.voucher,
        }
    if case.agent is not None:
        data["agent"] = case.agent.as_data()
    return data

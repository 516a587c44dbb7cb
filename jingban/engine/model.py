"""The case (办件) as the engine sees it: a light record with slots, no I/O.

Times are aware datetimes in UTC; money is integer fen. The applicant's identity number is
kept whole for the office's own records and masked everywhere it is shown
(`jingban.engine.identity.mask_identity`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

# Due kinds, as stored on the case and named by alerts.
DUE_KINDS = ("accept", "promised", "statutory", "stage")

TERMINAL_STATES = frozenset({"completed", "not_accepted", "withdrawn"})


@dataclass(slots=True)
class Payment:
    """A recorded payment (拨付): amount in fen, masked payee account, voucher number."""

    amount_fen: int
    account_masked: str
    voucher: str


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
    query_hash: str
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
    accept_due: dt.datetime | None = None
    promised_due: dt.datetime | None = None
    statutory_due: dt.datetime | None = None
    stage_due: dt.datetime | None = None
    stage_due_key: str | None = None
    promised_warn_at: dt.datetime | None = None
    statutory_warn_at: dt.datetime | None = None
    stage_started: dict[str, dt.datetime] = field(default_factory=dict)
    provisional: bool = False
    accepted_by: str | None = None
    approved_by: str | None = None
    paid_by: str | None = None
    payment: Payment | None = None
    backdated: bool = False

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
        new.query_hash = self.query_hash
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
        new.accept_due = self.accept_due
        new.promised_due = self.promised_due
        new.statutory_due = self.statutory_due
        new.stage_due = self.stage_due
        new.stage_due_key = self.stage_due_key
        new.promised_warn_at = self.promised_warn_at
        new.statutory_warn_at = self.statutory_warn_at
        new.stage_started = dict(self.stage_started)
        new.provisional = self.provisional
        new.accepted_by = self.accepted_by
        new.approved_by = self.approved_by
        new.paid_by = self.paid_by
        new.payment = self.payment
        new.backdated = self.backdated
        return new

    def dues(self) -> dict[str, dt.datetime | None]:
        """The stored due instants by kind."""
        return {
            "accept": self.accept_due,
            "promised": self.promised_due,
            "statutory": self.statutory_due,
            "stage": self.stage_due,
        }


CASE_FIELDS = tuple(f.name for f in fields(Case))


def case_to_dict(case: Case) -> dict[str, Any]:
    """The case as plain data (for storage and snapshots)."""
    data = {name: getattr(case, name) for name in CASE_FIELDS}
    data["materials"] = list(case.materials)
    data["missing"] = list(case.missing)
    data["stage_started"] = dict(case.stage_started)
    if case.payment is not None:
        p = case.payment
        data["payment"] = {
            "amount_fen": p.amount_fen,
            "account_masked": p.account_masked,
            "voucher": p.voucher,
        }
    return data


def case_from_dict(data: dict[str, Any]) -> Case:
    """The inverse of `case_to_dict`."""
    values = dict(data)
    values["materials"] = tuple(values.get("materials") or ())
    values["missing"] = tuple(values.get("missing") or ())
    values["stage_started"] = dict(values.get("stage_started") or {})
    payment = values.get("payment")
    values["payment"] = Payment(**payment) if isinstance(payment, dict) else payment
    return Case(**{k: v for k, v in values.items() if k in CASE_FIELDS})

"""Plain-data views of cases and audit records, shared by the CLI's --json and the HTTP API.

Identity numbers are always masked here; times are ISO 8601 in Beijing time (+08:00).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Mapping, Sequence, Sized
from typing import TYPE_CHECKING

from jingban.calendar.office_hours import BEIJING
from jingban.engine import present_feedback, present_followups
from jingban.engine.audit import AuditEvent
from jingban.engine.deadlines import working_days_used
from jingban.engine.delivery import delivery_json, public_delivery
from jingban.engine.identity import ID_TYPES, mask_identity, mask_name
from jingban.engine.levels import DUE_KIND_LABELS
from jingban.engine.model import Case
from jingban.engine.parties import party_fields
from jingban.engine.phone import mask_mobile
from jingban.workflows import FINAL_STATES, STAGE_STATES, STATE_LABELS
from jingban.workflows.actions import ACTIONS, EVENT_LABELS
from jingban.workflows.vocabulary import PAUSED_STATES, PUBLIC_STEPS

if TYPE_CHECKING:
    from jingban.calendar import WorkCalendar


def iso(value: dt.datetime | None) -> str | None:
    """An aware time as ISO 8601 in Beijing time, or None."""
    return None if value is None else value.astimezone(BEIJING).isoformat()


def case_summary(case: Case) -> dict[str, object]:
    """The case as staff see it (ID number masked)."""
    payment = None
    if case.payment is not None:
        payment = {
            "amount": f"{case.payment.amount_fen // 100}.{case.payment.amount_fen % 100:02d}",
            "amount_fen": case.payment.amount_fen,
            "account": case.payment.account_masked,
            "voucher": case.payment.voucher,
        }
    return {
        "case_no": case.case_no,
        "region": case.region,
        "office": case.office,
        "item_key": case.item_key,
        "item_name": case.item_name,
        "item_version": case.item_version,
        "state": case.state,
        "state_label": STATE_LABELS.get(case.state, case.state),
        "outcome": case.outcome,
        "version": case.version,
        "channel": case.channel,
        "applicant_type": case.applicant_type,
        "applicant_name": case.applicant_name,
        "applicant_id": mask_identity(case.applicant_id),
        "applicant_id_type": case.applicant_id_type,
        "applicant_id_type_label": ID_TYPES[case.applicant_id_type].label,
        "assignee": case.assignee,
        "phone": None if case.phone is None else mask_mobile(case.phone),
        "sms_optout": case.sms_optout,
        "received_at": iso(case.received_at),
        "accepted_at": iso(case.accepted_at),
        "completed_at": iso(case.completed_at),
        "accept_due": iso(case.accept_due),
        "promised_due": iso(case.promised_due),
        "statutory_due": iso(case.statutory_due),
        "stage_due": iso(case.stage_due),
        "stage_due_key": case.stage_due_key,
        "provisional": case.provisional,
        "suspended": case.state == "suspended",
        "extension_days": case.extension_days,
        "extensions": case.extensions,
        "materials": list(case.materials),
        "missing": list(case.missing),
        "payment": payment,
        "backdated": case.backdated,
        **party_fields(case.applicant_kind, case.credit_code, case.agent),
        **present_followups.staff_fields(case),
        **present_feedback.staff_fields(case),
        "delivery_due": iso(case.delivery_due),
    }


def record_label(event: AuditEvent) -> str:
    """How a record is numbered for people: its position in the chain, or 拒N for the Nth
    refused attempt kept outside the chain."""
    return f"拒{event.refusal_no}" if event.outside_chain else str(event.seq)


def event_dict(event: AuditEvent) -> dict[str, object]:
    """One audit record for display. ``seq`` is its position in the chain; for a refused
    attempt kept outside the chain, the position of the record it was decided against, with
    its own number in ``refusal_no`` (null for the chain's records) and ``label`` (拒N)."""
    return {
        "seq": event.seq,
        "refusal_no": event.refusal_no or None,
        "label": record_label(event),
        "at": iso(event.at),
        "recorded_at": iso(event.recorded_at),
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "action_label": EVENT_LABELS.get(event.action, event.action),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "refused": event.refused,
        "backdated": event.backdated,
        "payload": dict(event.payload),
    }


def case_detail(case: Case, history: Iterable[AuditEvent]) -> dict[str, object]:
    """The case with its history."""
    data = case_summary(case)
    events = list(history)
    data["history"] = [event_dict(e) for e in events]
    data["delivery"] = delivery_json(case, events)
    opened = next((e for e in events if e.action == "open"), None)
    data["cross_province"] = bool(opened is not None and opened.payload.get("cross_province"))
    return data


# The stage each chain state stands for, as the item's chain names it (ended cases have none).
_STAGE_OF_STATE = {
    state: stage for stage, state in STAGE_STATES.items() if state not in FINAL_STATES
}


def public_progress(
    case: Case,
    history: Iterable[AuditEvent],
    stages: Iterable[str],
    cal: WorkCalendar | None = None,
    now: dt.datetime | None = None,
) -> dict[str, object]:
    """What an applicant may see with the case number and query code: the item, the steps
    passed with their dates, the current stage, the promised completion date and the masked
    name — never ID numbers, accounts, amounts, staff names or internal reasons; a case
    waiting for a supplement lists the materials it still needs (`materials_needed`).

    While the clock stands still (补正 awaited, 中止) no completion date is promised:
    ``clock_stopped`` is true and ``working_days_used`` (given ``cal`` and ``now``) says how
    long it ran; ``promised_provisional`` marks a promised date in a year whose holidays are
    not yet published (暂定)."""
    steps = []
    history = list(history)
    for event in history:
        spec = ACTIONS.get(event.action)
        if event.refused or event.to_state is None or (spec is not None and not spec.public):
            continue
        if event.from_state == event.to_state and event.action != "open":
            continue
        denied = event.action == "deny"
        steps.append(
            {
                "stage": DENIED if denied else PUBLIC_STEPS.get(event.to_state, event.to_state),
                "date": event.at.astimezone(BEIJING).date().isoformat(),
            }
        )
    outcome = None
    if case.state == "completed":
        outcome = DENIED if case.outcome == "denied" else "已办结"
    chain = list(stages)
    current = PUBLIC_STEPS.get(case.state, case.state)
    passed = _STAGE_OF_STATE.get(case.state)
    if passed is not None and passed in chain and chain.index(passed) + 1 < len(chain):
        current = f"{chain[chain.index(passed) + 1]}中"  # the stage now in progress
    stopped = not case.is_terminal and case.state in PAUSED_STATES
    used = (
        working_days_used(case, cal, now)
        if stopped and cal is not None and now is not None
        else None
    )
    clock_text = None
    if stopped:
        clock_text = "计时暂停" + (f"，已用 {used} 个工作日" if used is not None else "")
    promised = case.promised_due if not case.is_terminal and not stopped else None
    promised_day = promised.astimezone(BEIJING).date() if promised is not None else None
    return {
        "case_no": case.case_no,
        "item_name": case.item_name,
        "applicant_name": mask_name(case.applicant_name),
        "chain": chain,
        "current_stage": current,
        "last_step": steps[-1]["stage"] if steps else None,
        "state": case.state,
        "outcome": outcome,
        "steps": steps,
        "received_date": case.received_at.astimezone(BEIJING).date().isoformat(),
        "promised_date": promised_day.isoformat() if promised_day else None,
        "promised_provisional": (
            cal.is_provisional(promised_day)
            if cal is not None and promised_day is not None
            else case.provisional and promised_day is not None
        ),
        "clock_stopped": stopped,
        "working_days_used": used,
        "clock_text": clock_text,
        "completed_date": (
            case.completed_at.astimezone(BEIJING).date().isoformat() if case.completed_at else None
        ),
        "provisional": case.provisional,
        "materials_needed": materials_needed(case),
        **present_followups.public_fields(case),
        **present_feedback.public_fields(case),
        "delivery": public_delivery(history),
    }


# A denied case reads as the console words it: the label of the action that denied it.
DENIED = ACTIONS["deny"].label


def materials_needed(case: Case) -> list[str]:
    """What a case waiting for a supplement (待补正) still needs: everything its 一次性告知
    named (the audit payload's ``missing``, kept on the case). A supplement brings all of it
    at once and leaves the state, so nothing named has been received while the case waits.
    Empty in every other state."""
    if case.state != "supplement_requested":
        return []
    return list(case.missing)


def time_text(value: object) -> str:
    """A stored time (aware datetime or ISO text) or date as Beijing text; other values as
    they are."""
    if isinstance(value, str):
        text: str = value
        try:
            value = (
                dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
            )
        except ValueError:
            return text
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


class _Skip(Exception):
    """A timeline line names a payload key the record does not have."""


class _PayloadFormatter(string.Formatter):
    """Formats an action's timeline lines (`ActionDef.timeline`) over an audit payload."""

    def get_value(
        self, key: int | str, args: Sequence[object], kwargs: Mapping[str, object]
    ) -> object:
        if not isinstance(key, str) or key not in kwargs:
            raise _Skip
        return kwargs[key]

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec.startswith("or "):
            return time_text(value) if value not in (None, "", [], ()) else format_spec[3:]
        if value in (None, "", [], ()):
            raise _Skip
        if format_spec == "count" and isinstance(value, Sized):
            return str(len(value))
        if format_spec == "yuan" and isinstance(value, int | str):
            fen = int(value)
            return f"{fen // 100}.{fen % 100:02d}"
        if format_spec == "time":
            return time_text(value)
        return str(value)


_FORMATTER = _PayloadFormatter()


def payload_lines(event: AuditEvent) -> list[str]:
    """What an audit record's payload says, in short Chinese lines for the timeline: a
    refusal, the missing materials, the action's own lines (its declaration's ``timeline``)
    and every due that moved."""
    p = event.payload
    lines: list[str] = []
    if event.refused:
        lines.append(f"被拒绝: {p.get('error', '')}")
    if p.get("missing"):
        lines.append("缺少材料: " + "；".join(p["missing"]))
    spec = ACTIONS.get(event.action)
    for line in spec.timeline if spec is not None else ():
        try:
            lines.append(_FORMATTER.format(line, **p))
        except _Skip:
            continue
    for kind, change in (p.get("dues") or {}).items():
        old, new = change
        label = DUE_KIND_LABELS.get(kind, kind)
        lines.append(f"{label}: {time_text(old) or '无'} → {time_text(new) or '无'}")
    return lines

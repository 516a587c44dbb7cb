"""Plain-data views of cases and audit records, shared by the CLI's --json and the HTTP API.

Identity numbers are always masked here; times are ISO 8601 in Beijing time (+08:00).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from jingban.calendar import BEIJING
from jingban.engine.audit import AuditEvent
from jingban.engine.identity import ID_TYPES, mask_identity
from jingban.engine.model import Case
from jingban.workflows import ACTION_LABELS, STATE_LABELS


def iso(value: dt.datetime | None) -> str | None:
    """An aware time as ISO 8601 in Beijing time, or None."""
    return None if value is None else value.astimezone(BEIJING).isoformat()


def case_summary(case: Case) -> dict[str, Any]:
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
        "materials": list(case.materials),
        "missing": list(case.missing),
        "payment": payment,
        "backdated": case.backdated,
    }


def event_dict(event: AuditEvent) -> dict[str, Any]:
    """One audit record for display."""
    return {
        "seq": event.seq,
        "at": iso(event.at),
        "recorded_at": iso(event.recorded_at),
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "action_label": ACTION_LABELS.get(
            event.action,
            "登记"
            if event.action == "open"
            else "改派"
            if event.action == "reassign"
            else event.action,
        ),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "refused": event.refused,
        "backdated": event.backdated,
        "payload": dict(event.payload),
    }


def case_detail(case: Case, history: Iterable[AuditEvent]) -> dict[str, Any]:
    """The case with its history."""
    data = case_summary(case)
    data["history"] = [event_dict(e) for e in history]
    return data


_PUBLIC_STEPS = {
    "submitted": "申请",
    "prereviewed": "网上预审",
    "accepted": "受理",
    "transferred": "业务流转",
    "reviewed": "审核",
    "paid": "拨付",
    "completed": "办结",
    "supplement_requested": "一次性告知补正材料",
    "suspended": "中止 (特别程序)",
    "not_accepted": "不予受理",
    "withdrawn": "撤回",
}


_STAGE_OF_STATE = {
    "submitted": "申请",
    "prereviewed": "网上预审",
    "accepted": "受理",
    "transferred": "流转",
    "reviewed": "审核",
    "paid": "拨付",
}


def public_progress(
    case: Case, history: Iterable[AuditEvent], stages: Iterable[str]
) -> dict[str, Any]:
    """What an applicant may see with the case number and query code: the item, the steps
    passed with their dates, the current stage, the promised completion date and the masked
    name — never ID numbers, accounts, amounts, staff names or internal reasons."""
    from jingban.engine.identity import mask_name

    steps = []
    for event in history:
        if (
            event.refused
            or event.to_state is None
            or event.action in ("extend", "reassign", "recalculate")
        ):
            continue
        if event.from_state == event.to_state and event.action != "open":
            continue
        steps.append(
            {
                "stage": _PUBLIC_STEPS.get(event.to_state, event.to_state),
                "date": event.at.astimezone(BEIJING).date().isoformat(),
            }
        )
    outcome = None
    if case.state == "completed":
        outcome = "审核未通过" if case.outcome == "denied" else "已办结"
    chain = list(stages)
    current = _PUBLIC_STEPS.get(case.state, case.state)
    passed = _STAGE_OF_STATE.get(case.state)
    if passed is not None and passed in chain and chain.index(passed) + 1 < len(chain):
        current = f"{chain[chain.index(passed) + 1]}中"  # the stage now in progress
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
        "promised_date": (
            case.promised_due.astimezone(BEIJING).date().isoformat()
            if case.promised_due and not case.is_terminal
            else None
        ),
        "completed_date": (
            case.completed_at.astimezone(BEIJING).date().isoformat() if case.completed_at else None
        ),
        "provisional": case.provisional,
    }

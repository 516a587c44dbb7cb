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

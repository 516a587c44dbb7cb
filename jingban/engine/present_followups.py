"""How the supplement deadline, 容缺 materials, undertakings and supervision orders (督办单)
read in the staff views (``show --json``, ``GET /api/cases/{no}``) and on the applicant's
progress page.

Staff see every record (times ISO 8601, Beijing time); the applicant sees the supplement
deadline while a notice is pending and the deferred materials still owed, as dates, never
staff names, check outcomes or supervision orders.
"""

from __future__ import annotations

import datetime as dt

from jingban.calendar.office_hours import BEIJING
from jingban.engine.audit_checks import FINDINGS
from jingban.engine.followups import UNDERTAKING_OUTCOMES
from jingban.engine.model import Case

_OUTCOME_LABELS = {"passed": UNDERTAKING_OUTCOMES["pass"], "failed": UNDERTAKING_OUTCOMES["fail"]}


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(BEIJING).isoformat()


def _day(value: dt.datetime) -> str:
    return value.astimezone(BEIJING).date().isoformat()


def staff_fields(case: Case) -> dict[str, object]:
    """``supplement_due`` (while 待补正), ``deferred``, ``undertakings``, ``supervisions`` and
    ``audit_checks`` (each record), ``pending_suspension`` (中止待批) and ``recheck`` (复核),
    and ``undertaking_flag``: 承诺 while a check is pending, 承诺不实 after a failed one."""
    waiting = case.state == "supplement_requested"
    return {
        "supplement_due": _iso(case.supplement_due) if waiting else None,
        "deferred": [
            {
                "name": d.name,
                "due_at": _iso(d.due_at),
                "arrived_at": _iso(d.arrived_at),
                "outstanding": d.outstanding,
            }
            for d in case.deferred
        ],
        "undertakings": [
            {
                "proof": u.proof,
                "due_at": _iso(u.due_at),
                "outcome": u.outcome,
                "outcome_label": _OUTCOME_LABELS.get(u.outcome or "", "待核查"),
                "checked_at": _iso(u.checked_at),
                "checked_by": u.checked_by,
            }
            for u in case.undertakings
        ],
        "undertaking_flag": undertaking_flag(case),
        "pending_suspension": None
        if (p := case.pending_suspension) is None
        else {
            "by": p.by,
            "at": _iso(p.at),
            "days": p.days,
            "procedure": p.procedure,
            "reason": p.reason,
        },
        "recheck": None
        if (r := case.recheck) is None
        else {
            "by": r.by,
            "at": _iso(r.at),
            "amount": f"{r.amount_fen // 100}.{r.amount_fen % 100:02d}",
        },
        "audit_checks": [
            {
                "sample_id": c.sample_id,
                "month": c.month,
                "finding": c.finding,
                "finding_label": FINDINGS.get(c.finding or "", "待稽核"),
                "note": c.note,
                "checked_by": c.checked_by,
                "rectified": c.rectified,
                "next_step": c.next_step,
            }
            for c in case.audit_checks
        ],
        "supervisions": [
            {
                "no": o.no,
                "to": o.to,
                "reason": o.reason,
                "issued_by": o.issued_by,
                "issued_at": _iso(o.issued_at),
                "due_at": _iso(o.due_at),
                "reply": o.reply,
                "replied_at": _iso(o.replied_at),
                "open": o.open,
                "replied_late": o.replied_late,
            }
            for o in case.supervisions
        ],
    }


def undertaking_flag(case: Case) -> str | None:
    """The case's 承诺 flag: ``承诺`` while an undertaking waits for its check, ``承诺不实``
    once a check failed, None otherwise."""
    if any(u.outcome == "failed" for u in case.undertakings):
        return "承诺不实"
    if any(u.pending for u in case.undertakings):
        return "承诺"
    return None


def public_fields(case: Case) -> dict[str, object]:
    """For the progress page: ``supplement_due_date`` (the day by which the materials of a
    pending one-time notice must be given) and ``deferred_needed`` (deferred materials still
    owed, each with its due day)."""
    waiting = case.state == "supplement_requested" and case.supplement_due is not None
    owed = [] if case.is_terminal else [d for d in case.deferred if d.outstanding]
    return {
        "supplement_due_date": _day(case.supplement_due)
        if waiting and case.supplement_due
        else None,
        "deferred_needed": [{"name": d.name, "due_date": _day(d.due_at)} for d in owed],
    }

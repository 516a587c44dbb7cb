"""The rows of ``followup_dues`` an action writes (`followup_effect`, registered on the case
store by `Services`): a supplement deadline set by the one-time notice and closed when the
case leaves 待补正, each deferred material set by 容缺受理 and closed by its arrival, each
undertaking set by 告知承诺 and closed by its check, each suspension (中止) due back the day
after its expected resume date and closed when the case leaves 中止, each supervision order
(督办单) due back by its reply due and closed by the reply, each rectification of a 差评
due by its next step and closed by the call-back; and the kinds of what
the follow-up run records about them. No I/O (an action effect:
`jingban.storage.action_effects`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from jingban.calendar import BEIJING
from jingban.storage.action_effects import EffectRow, Written

SUPPLEMENT, DEFERRED, UNDERTAKING = "supplement", "deferred", "undertaking"
SUSPENSION, SUPERVISION, RECTIFICATION = "suspension", "supervision", "rectification"
WATCHED_AFTER_END = frozenset({SUPERVISION, RECTIFICATION})
"""Kinds watched on a withdrawn or refused case too: they are about the office, not the case."""
FOLLOWUP_KINDS = {
    "supplement_remind": "补正期限临近 (提醒承办人)",
    "applicant_remind": "补正期限临近 (提醒申请人)",
    "supplement_overdue": "补正期限已过，申请人未补正",
    "lapsed": "逾期未补正，已视为撤回",
    "applicant_lapsed": "逾期未补正视为撤回 (告知申请人)",
    "deferred_overdue": "容缺材料逾期未补齐",
    "undertaking_overdue": "承诺核查逾期",
    "suspension_overdue": "中止已过预计恢复日期，仍未恢复办理",
    "supervision_overdue": "督办单逾期未回复",
    "rectification_overdue": "差评整改逾期",
}
"""What the run records, with the label cards and messages show."""
CARD_KINDS = frozenset(
    {
        "supplement_overdue",
        "deferred_overdue",
        "undertaking_overdue",
        "suspension_overdue",
        "supervision_overdue",
        "rectification_overdue",
    }
)


def _row(w: Written, kind: str, name: str, due: dt.datetime, is_open: bool) -> EffectRow:
    values = {
        "case_no": w.case.case_no,
        "seq": w.event.seq,
        "kind": kind,
        "name": name,
        "due_at": due,
        "open": is_open,
    }
    return EffectRow("followup_dues", values)


def followup_effect(w: Written) -> Sequence[EffectRow]:
    """The ``followup_dues`` rows of one stored action: a supplement deadline set by the
    one-time notice and closed when the case leaves 待补正; each deferred material set by
    容缺受理 and closed by its arrival; each undertaking set by 告知承诺 and closed by its
    check; a suspension set by 中止 and closed when the case leaves 中止; a supervision order
    (named by its number) set by 督办 and closed by its reply; a rectification (by its
    number) set by a bad rating, moved by each step, closed by its last. A closing row keeps
    the due it closes (every value is typed: no NULL to bind)."""
    case, event = w.case, w.event
    rows: list[EffectRow] = []
    expected = event.payload.get("expected_resume")
    if event.action in ("suspend", "approve_suspension") and (back := _resume_due(expected)):
        rows.append(_row(w, SUSPENSION, "", back, True))
    elif event.from_state == "suspended" and case.state != "suspended":
        rows.append(_row(w, SUSPENSION, "", event.at, False))
    if event.action == "request_supplement" and case.supplement_due is not None:
        rows.append(_row(w, SUPPLEMENT, "", case.supplement_due, True))
    elif event.from_state == "supplement_requested" and case.state != "supplement_requested":
        rows.append(_row(w, SUPPLEMENT, "", event.at, False))
    if event.action == "accept_deferred":
        rows += [_row(w, DEFERRED, d.name, d.due_at, True) for d in case.deferred]
    arrived = set(_names(event.payload.get("arrived")))
    rows += [_row(w, DEFERRED, d.name, d.due_at, False) for d in case.deferred if d.name in arrived]
    proofs = set(_names(event.payload.get("proofs")))
    if event.action == "undertake":
        rows += [
            _row(w, UNDERTAKING, u.proof, u.due_at, True)
            for u in case.undertakings
            if u.pending and u.proof in proofs
        ]
    elif event.action == "verify_undertaking":
        rows += [
            _row(w, UNDERTAKING, u.proof, u.due_at, False)
            for u in case.undertakings
            if u.proof in proofs
        ]
    if event.action in ("supervise", "reply"):
        order = event.payload.get("order")
        due = next((o.due_at for o in case.supervisions if o.no == order), None)
        if due is not None:
            rows.append(_row(w, SUPERVISION, str(order), due, event.action == "supervise"))
    if (number := event.payload.get("rectification")) is not None:
        item = next((r for r in case.feedback.rectifications if r.no == number), None)
        if item is not None:
            rows.append(_row(w, RECTIFICATION, str(number), item.due_at, not item.closed))
    return rows


def _names(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _resume_due(expected: object) -> dt.datetime | None:
    """The instant a suspension is overdue: the start (Beijing time) of the day after its
    expected resume date, given as a date or an ISO date string; None when there is none."""
    if isinstance(expected, str):
        try:
            expected = dt.date.fromisoformat(expected[:10])
        except ValueError:
            return None
    if not isinstance(expected, dt.date):
        return None
    day = expected + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=BEIJING).astimezone(dt.UTC)

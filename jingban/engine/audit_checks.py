"""稽核 on a case: a closed case drawn into a month's audit sample (`sampled`, the system's
decision, stored by `jingban.storage.audit_samples`) waits for its check (``audit_check``:
合规 or 问题, the finding's text); a problem waits for its rectification (``audit_rectify``).
Every step is an audited action of the case, which may have ended long before. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from jingban.engine.audit import stay_event
from jingban.errors import BadInput, Conflict, NotAllowed

if TYPE_CHECKING:
    from jingban.engine.engine import Engine, Result
    from jingban.engine.handlers import Step
    from jingban.engine.model import Case
    from jingban.workflows import Catalog

SYSTEM = "system"
FINDINGS = {"compliant": "合规", "problem": "问题"}
"""The findings a check gives, with their wording."""


@dataclass(frozen=True, slots=True)
class AuditCheck:
    """The case's place in sample ``sample_id`` (of ``month``, drawn at ``drawn_at``): its
    finding once checked, and the rectification of a problem."""

    sample_id: int
    month: str
    drawn_at: dt.datetime
    finding: str | None = None
    note: str | None = None
    checked_by: str | None = None
    checked_at: dt.datetime | None = None
    rectified: str | None = None
    rectified_by: str | None = None
    rectified_at: dt.datetime | None = None

    @property
    def next_step(self) -> str | None:
        """``audit_check``, ``audit_rectify`` or None (done)."""
        if self.finding is None:
            return "audit_check"
        if self.finding == "problem" and self.rectified is None:
            return "audit_rectify"
        return None


def sampled(engine: Engine, case: Case, *, sample_id: int, month: str, now: dt.datetime) -> Result:
    """Record that the case was drawn into sample ``sample_id``. Raises `Conflict` when it
    is in that sample already."""
    from jingban.engine.engine import Result

    if any(c.sample_id == sample_id for c in case.audit_checks):
        raise Conflict(f"办件 {case.case_no} 已在第 {sample_id} 号稽核抽查中")
    new = case.copy()
    new.audit_checks = (*case.audit_checks, AuditCheck(sample_id, month, now))
    new.version = case.version + 1
    payload = {"sample": sample_id, "month": month}
    event = stay_event(case, "audit_sample", actor=SYSTEM, role=SYSTEM, at=now, payload=payload)
    return Result(new, event)


def _waiting(case: Case, step: str) -> AuditCheck:
    found = next((c for c in case.audit_checks if c.next_step == step), None)
    if found is None:
        what = "待稽核" if step == "audit_check" else "待整改的稽核问题"
        raise NotAllowed(f"本办件没有{what}")
    return found


def _replaced(case: Case, old: AuditCheck, new: AuditCheck) -> None:
    case.audit_checks = tuple(new if c is old else c for c in case.audit_checks)


def audit_check(s: Step) -> str | None:
    """稽核: the finding (``outcome``: compliant / problem; a problem needs its text)."""
    check = _waiting(s.case, "audit_check")
    finding, note = s.values.given("outcome"), s.values.text("reason")
    if finding == "problem" and not note:
        raise BadInput("稽核发现问题须写明问题 (reason)")
    done = replace(check, finding=finding, note=note, checked_by=s.actor, checked_at=s.at)
    _replaced(s.case, check, done)
    s.payload.update(sample=check.sample_id, finding=finding, finding_label=FINDINGS[finding])
    return note


def audit_rectify(s: Step) -> str | None:
    """稽核整改: what was done about the problem found."""
    check = _waiting(s.case, "audit_rectify")
    text = s.values.given("reason")
    done = replace(check, rectified=text, rectified_by=s.actor, rectified_at=s.at)
    _replaced(s.case, check, done)
    s.payload["sample"] = check.sample_id
    return text


def _offer(step: str) -> Callable[[Catalog, Case], bool]:
    return lambda _catalog, case: any(c.next_step == step for c in case.audit_checks)


OFFERS = {step: _offer(step) for step in ("audit_check", "audit_rectify")}
"""Each step is offered only while a check waits for it."""


def checks_data(checks: tuple[AuditCheck, ...]) -> list[dict[str, Any]]:
    """The checks as plain data (times aware)."""
    return [
        {
            "sample_id": c.sample_id,
            "month": c.month,
            "drawn_at": c.drawn_at,
            "finding": c.finding,
            "note": c.note,
            "checked_by": c.checked_by,
            "checked_at": c.checked_at,
            "rectified": c.rectified,
            "rectified_by": c.rectified_by,
            "rectified_at": c.rectified_at,
        }
        for c in checks
    ]


def checks_from(rows: list[dict[str, Any]], time: Callable[[Any], Any]) -> tuple[AuditCheck, ...]:
    """The checks `checks_data` wrote, times read by ``time`` (None stays None)."""

    def maybe(value: Any) -> Any:
        return None if value is None else time(value)

    return tuple(
        AuditCheck(
            int(r["sample_id"]),
            r["month"],
            time(r["drawn_at"]),
            r.get("finding"),
            r.get("note"),
            r.get("checked_by"),
            maybe(r.get("checked_at")),
            r.get("rectified"),
            r.get("rectified_by"),
            maybe(r.get("rectified_at")),
        )
        for r in rows
    )

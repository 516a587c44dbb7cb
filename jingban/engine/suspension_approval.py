"""中止待批: a suspension (中止) a reviewer asks for where the region has the supervisor
approve it (``[region.supervision] suspension_approval``), as real 审批 systems have the 科长
approve a 特别程序.

The reviewer's ``suspend`` is taken as ``request_suspension`` there (`requested_action`):
the case moves to 中止待批 with the request kept on it (`PendingSuspension`) and its clock
still running. The supervisor's ``approve_suspension`` suspends it from that moment, with
the requested procedure and days (the expected resume date counted from the approval);
``refuse_suspension`` (with a reason) returns it to where it was. A supervisor's own
``suspend`` needs no approval. Pure: handlers, no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jingban.errors import NotAllowed

if TYPE_CHECKING:
    from jingban.engine.handlers import Step
    from jingban.engine.model import Case
    from jingban.workflows import Catalog


@dataclass(frozen=True, slots=True)
class PendingSuspension:
    """A suspension asked for by ``by`` at ``at``: the procedure, the working days it needs
    and why."""

    by: str
    at: dt.datetime
    days: int
    procedure: str | None
    reason: str


def requested_action(catalog: Catalog, case: Case, action: str, role: str) -> str:
    """The action ``action`` is taken as: a reviewer's ``suspend`` in a region whose
    suspensions need approval is ``request_suspension``; anything else is itself."""
    if (
        action == "suspend"
        and role != "supervisor"
        and catalog.region(case.region).supervision.suspension_approval
    ):
        return "request_suspension"
    return action


def request_suspension(s: Step) -> str | None:
    """Keep the request on the case (the graph moves it to 中止待批)."""
    if not s.catalog.region(s.case.region).supervision.suspension_approval:
        raise NotAllowed("本地区中止无需科长批准，请直接「中止」")
    days, procedure, reason = (
        s.values.number("days"),
        s.values.text("procedure"),
        s.values.given("reason"),
    )
    s.case.pending_suspension = PendingSuspension(s.actor, s.at, days, procedure, reason)
    s.payload.update(procedure=procedure, expected_working_days=days)
    return reason


def approve_suspension(s: Step) -> str | None:
    """Suspend the case from now with the request's procedure and days."""
    from jingban.engine.deadlines import beijing_date  # the deadlines import the case model

    case, pending = s.case, s.case.pending_suspension
    if pending is None:  # the graph only leads here from 中止待批, which always has one
        raise NotAllowed("本办件没有待批准的中止申请")
    case.suspended_at = s.at
    case.pending_suspension = None
    s.payload.update(
        procedure=pending.procedure,
        expected_working_days=pending.days,
        expected_resume=s.cal.add_working_days(beijing_date(s.at), pending.days),
        requested_by=pending.by,
        request_reason=pending.reason,
    )
    return s.values.text("reason")


def refuse_suspension(s: Step) -> str | None:
    """Clear the request (the graph returns the case to where it was)."""
    pending = s.case.pending_suspension
    s.case.pending_suspension = None
    s.payload["requested_by"] = pending.by if pending is not None else None
    return s.values.given("reason")


def pending_data(pending: PendingSuspension | None) -> dict[str, Any] | None:
    """The request as plain data (times aware), or None."""
    if pending is None:
        return None
    return {
        "by": pending.by,
        "at": pending.at,
        "days": pending.days,
        "procedure": pending.procedure,
        "reason": pending.reason,
    }


def pending_from(data: dict[str, Any] | None, time: Any) -> PendingSuspension | None:
    """The request `pending_data` wrote, its time read by ``time``."""
    if not data:
        return None
    return PendingSuspension(
        data["by"], time(data["at"]), int(data["days"]), data.get("procedure"), data["reason"]
    )

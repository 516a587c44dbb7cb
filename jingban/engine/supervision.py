"""督办: a supervisor's supervision order (督办单) on a case and its recipient's reply.

A supervisor issues an order to a staff member of the case's office (``supervise``): why, and
within how many working days the reply is due, counted on the case's calendar as a receipt
counts. The recipient, and only they, answers it (``reply``): what was done and why the case
was late. Orders are numbered per case from 1 and kept on the case (``cases.data``) with
their replies; both actions are in the audit trail and leave the case's state and clock as
they are, so they may be taken on an ended case too (a supervisor asks why it ended late).
An order still unanswered at its due raises a card (the follow-up run,
`jingban.storage.followup_dues`). Pure data and handlers, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from jingban.engine.followups import due_after
from jingban.errors import BadInput, NotAllowed

if TYPE_CHECKING:
    from jingban.engine.handlers import Step
    from jingban.engine.model import Case
    from jingban.engine.roles import Colleague


@dataclass(frozen=True, slots=True)
class Supervision:
    """督办单 number ``no`` of its case, to ``to``, issued by ``issued_by`` at ``issued_at``
    for ``reason``, its reply due at ``due_at``; ``reply`` and ``replied_at`` once answered."""

    no: int
    to: str
    reason: str
    issued_by: str
    issued_at: dt.datetime
    due_at: dt.datetime
    reply: str | None = None
    replied_at: dt.datetime | None = None

    @property
    def open(self) -> bool:
        return self.replied_at is None

    @property
    def replied_late(self) -> bool:
        """Whether the reply came after its due."""
        return self.replied_at is not None and self.replied_at > self.due_at

    def overdue(self, now: dt.datetime) -> bool:
        """Whether the order is unanswered past its due at ``now``."""
        return self.open and now > self.due_at


class NotRecipient(NotAllowed):
    """A supervision order is answered by the person it was issued to, no one else."""


def open_orders(case: Case) -> list[Supervision]:
    """The case's unanswered orders, oldest first."""
    return [o for o in case.supervisions if o.open]


def recipient_problem(who: Colleague, *, region: str, office: str | None) -> str | None:
    """Why ``who`` cannot be sent an order on a case of ``region``/``office`` (Chinese), or
    None: an enabled account of the case's region and office (region-wide staff serve every
    office). Any role may be asked to answer for a case."""
    if who.disabled:
        return f"{who.username} 的账号已停用"
    if who.region is not None and who.region != region:
        return f"{who.username} 不属于本办件所在地区"
    if who.office is not None and office is not None and who.office != office:
        return f"{who.username} 属于{who.office}，不是本办件所在机构 ({office}) 的人员"
    return None


def supervise(s: Step) -> str | None:
    """Issue an order to the account named (``assignee``), with its reason and reply due
    (``days`` working days). The recipient must be a known account who could answer for
    the case (`recipient_problem`), not the supervisor issuing it."""
    case, to = s.case, s.values.given("assignee")
    who = s.params.assignee_account
    if who is None:
        raise BadInput(f"没有用户名为 {to} 的工作人员；督办单须发给本办件所在机构的工作人员")
    problem = recipient_problem(who, region=case.region, office=case.office)
    if problem is not None:
        raise NotAllowed(f"不能向 {to} 发出督办单: {problem}")
    if who.username == s.actor:
        raise BadInput("督办单须发给承办的工作人员，不能发给自己")
    days = s.values.number("days")
    reason = s.values.given("reason")
    due = due_after(s.cal, s.at, days)
    order = Supervision(len(case.supervisions) + 1, who.username, reason, s.actor, s.at, due)
    case.supervisions = (*case.supervisions, order)
    s.payload.update(order=order.no, to=order.to, reply_due=order.due_at, days=days)
    return reason


def reply(s: Step) -> str | None:
    """Answer the oldest unanswered order issued to the actor with the text given
    (``reason``: what was done, why the case was late); a reply after the due says so."""
    case, waiting = s.case, open_orders(s.case)
    if not waiting:
        raise NotAllowed("本办件没有待回复的督办单")
    mine = [o for o in waiting if o.to == s.actor]
    if not mine:
        listed = "；".join(f"第 {o.no} 号发给 {o.to}" for o in waiting)
        raise NotRecipient(f"督办单须由接收人本人回复 ({listed})")
    order, text = mine[0], s.values.given("reason")
    answered = replace(order, reply=text, replied_at=s.at)
    case.supervisions = tuple(answered if o.no == order.no else o for o in case.supervisions)
    s.payload.update(order=order.no, reply_due=order.due_at, late=answered.replied_late)
    if answered.replied_late:
        s.payload["late_note"] = "逾期回复"
    return text


def has_open_order(case: Case) -> bool:
    """Whether ``reply`` makes sense for the case at all (some order is unanswered)."""
    return any(o.open for o in case.supervisions)


def supervision_data(orders: Sequence[Supervision]) -> list[dict[str, Any]]:
    """The orders as plain data (times aware; the storage layer writes them as text)."""
    return [
        {
            "no": o.no,
            "to": o.to,
            "reason": o.reason,
            "issued_by": o.issued_by,
            "issued_at": o.issued_at,
            "due_at": o.due_at,
            "reply": o.reply,
            "replied_at": o.replied_at,
        }
        for o in orders
    ]

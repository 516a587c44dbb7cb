"""送达: how the result of an ended case reaches the applicant, and by when it must have.

A case that ends with a result to hand over — 办结 (approved or 审核不通过) or 不予受理 — is
watched: its ``delivery_due`` is office close of the Nth working day after the decision
(N configurable, `Engine.delivery_days`; 0 watches nothing), counted like every other due
(a decision outside office hours or on a non-working day counts from the next working day).
The ``deliver`` action records how the result was delivered — at the window, by post with
the carrier and its tracking number, or electronically — and when (the action's time, which
may be back-dated with ``at``), and clears the due; a second delivery (a parcel returned,
then collected at the window) is recorded beside the first. While the due is set and
passed, the scan raises a card (`jingban.engine.levels.RULES`).

Both changes of ``delivery_due`` are in the audit record's ``dues`` payload, so the chain
replayed gives it (`jingban.engine.replay`). Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from jingban.engine.audit import AuditEvent
from jingban.engine.free_text import checked_characters
from jingban.engine.model import Case
from jingban.errors import BadInput, NotAllowed
from jingban.workflows.vocabulary import DELIVERY_METHODS, STATE_LABELS

if TYPE_CHECKING:
    from jingban.calendar import WorkCalendar
    from jingban.engine.handlers import Step
    from jingban.engine.params import ParamValue
    from jingban.workflows.actions import ActionDef, Param

DELIVER = "deliver"
#: The ended states whose result is handed to the applicant (撤回 leaves nothing to hand).
RESULT_STATES: frozenset[str] = frozenset({"completed", "not_accepted"})
#: Working days after the decision by which the result must have been delivered, unless
#: configured otherwise (``JINGBAN_DELIVERY_WORKING_DAYS``).
DEFAULT_DELIVERY_DAYS = 5
MAX_TRACKING = 60
# A carrier's name, a space, and its tracking number (letters, digits, hyphens).
_TRACKING = re.compile(r"^(?P<carrier>\S.{0,29}?)\s+(?P<number>[A-Za-z0-9][A-Za-z0-9-]{5,39})$")
_METHODS_HELP = "、".join(f"{key} ({label})" for key, label in DELIVERY_METHODS.items())


def check_method(param: Param, action: ActionDef, value: ParamValue) -> ParamValue:
    """The delivery method given (``window``, ``post`` or ``electronic``); `BadInput`
    when absent or unknown."""
    method = value.strip() if isinstance(value, str) else ""
    if not method:
        raise BadInput(f"「{action.label}」必须选择送达方式 ({param.cli})；可用: {_METHODS_HELP}")
    if method not in DELIVERY_METHODS:
        raise BadInput(f"未知的送达方式 {method!r}；可用: {_METHODS_HELP}")
    return method


def check_tracking(param: Param, action: ActionDef, value: ParamValue) -> ParamValue:
    """The tracking text as given, spaces collapsed (None when blank); `BadInput` when too
    long or holding control characters. Which method needs it the handler decides."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text:
        return None
    if len(text) > MAX_TRACKING:
        raise BadInput(f"{param.label}过长 (最多 {MAX_TRACKING} 字)")
    return checked_characters(text, param.label)


def deliver(s: Step) -> str | None:
    """The ``deliver`` handler: checks the method against the tracking text, fills the
    payload (``method``, ``method_label``, ``carrier`` and ``tracking_no`` for post,
    ``reference`` for an electronic delivery) and clears the case's delivery due. Raises
    `NotAllowed` for a withdrawn case, `BadInput` for a post without carrier and number
    or a window delivery with one."""
    case, values, payload = s.case, s.values, s.payload
    if case.state not in RESULT_STATES:
        label = STATE_LABELS.get(case.state, case.state)
        raise NotAllowed(f"办件{label}，没有需要送达的办理结果")
    method = values.given("method")
    tracking = values.text("tracking")
    payload.update(method=method, method_label=DELIVERY_METHODS[method])
    if method == "post":
        found = _TRACKING.match(tracking or "")
        if found is None:
            raise BadInput(
                '邮寄送达须填写承运商和运单号，中间以空格分开，如 --tracking "EMS 1234567890123"'
            )
        payload.update(carrier=found["carrier"], tracking_no=found["number"])
    elif method == "window":
        if tracking is not None:
            raise BadInput("窗口领取不填写运单号；邮寄送达请选择 post")
    elif tracking is not None:
        payload["reference"] = tracking  # where it was sent: a platform, a message …
    case.delivery_due = None
    return values.text("reason")


def settle(
    before: Case,
    after: Case,
    at: dt.datetime,
    cal: WorkCalendar,
    days: int,
    payload: dict[str, object],
) -> None:
    """After an action moved ``before`` to ``after`` at ``at``: start watching the delivery
    when the case has just ended with a result (``days`` working days on ``cal``), and
    record any change of ``delivery_due`` in the payload's ``dues``."""
    if after.state in RESULT_STATES and before.state not in RESULT_STATES and days > 0:
        after.delivery_due = cal.due(at, days, "working_days").at.astimezone(dt.UTC)
    if after.delivery_due != before.delivery_due:
        dues = payload.setdefault("dues", {})
        assert isinstance(dues, dict)
        dues["delivery"] = [before.delivery_due, after.delivery_due]


def allowed_in(state: str) -> bool:
    """Whether a case in ``state`` has a result to deliver."""
    return state in RESULT_STATES


def deliveries(history: Iterable[AuditEvent]) -> list[dict[str, object]]:
    """Every delivery recorded on a case, oldest first, as plain data: ``at`` (Beijing time,
    ISO 8601), ``method`` and its ``method_label``, ``carrier``, ``tracking_no``,
    ``reference``, ``actor`` and the audit record's ``seq``."""
    from jingban.calendar import BEIJING

    found = []
    for event in history:
        if event.action != DELIVER or event.refused:
            continue
        p = event.payload
        found.append(
            {
                "at": event.at.astimezone(BEIJING).isoformat(),
                "method": p.get("method"),
                "method_label": p.get("method_label"),
                "carrier": p.get("carrier"),
                "tracking_no": p.get("tracking_no"),
                "reference": p.get("reference"),
                "actor": event.actor,
                "seq": event.seq,
            }
        )
    return found


def delivery_json(case: Case, history: Iterable[AuditEvent]) -> dict[str, object] | None:
    """What `show --json` says of the delivery (``delivery``): the latest delivery with
    every one recorded (``all``), ``due`` while it is awaited, and ``delivered``; None for
    a case with no result to deliver and nothing recorded."""
    from jingban.calendar import BEIJING

    recorded = deliveries(history)
    if not recorded and case.delivery_due is None:
        return None
    latest = dict(recorded[-1]) if recorded else {}
    due = case.delivery_due
    return {
        **latest,
        "delivered": bool(recorded),
        "due": None if due is None else due.astimezone(BEIJING).isoformat(),
        "all": recorded,
    }


def public_delivery(history: Iterable[AuditEvent]) -> dict[str, object] | None:
    """What the applicant's progress page shows of the latest delivery: the date, the
    method and, by post, the carrier and tracking number (never who handed it over)."""
    recorded = deliveries(history)
    if not recorded:
        return None
    latest = recorded[-1]
    return {
        "date": str(latest["at"])[:10],
        "method": latest["method"],
        "method_label": latest["method_label"],
        "carrier": latest["carrier"],
        "tracking_no": latest["tracking_no"],
    }

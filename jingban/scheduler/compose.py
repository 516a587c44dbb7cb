"""A delivery's text, rendered when it is sent rather than when it was queued.

An alert's text comes from its case as it stands at the moment of sending — the current due
of the alert's kind, the working days left by the calendar in force, the case's office —
so a delivery held over a weekend, or whose due moved after it was queued, says what is
true when it arrives. An alert that is no longer true (closed by a scan: the case ended, the
due moved, the acceptance was decided; or its rule no longer holds: the clock stopped, the
due moved out of the warning window) is withdrawn, not sent: the scan raises a new alert,
with its own delivery, where one is due. A digest lists the open alerts at the moment of
sending, and is withdrawn when a later digest was queued for its route. A fixed text is
sent as it was queued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from jingban.calendar import BEIJING, WorkCalendar, region_profile
from jingban.engine.deadlines import working_days_left
from jingban.engine.levels import DUE_COLUMNS, RULES
from jingban.scheduler.digest import digest_rows
from jingban.storage.deliveries import AlertFacts, Delivery, DeliveryStore
from jingban.storage.messages import Message, alert_message, digest_message

_CLOSED = {
    "case_ended": "办件已结束，预警已关闭，不再发送",
    "due_moved": "时限已变更，预警已关闭 (按新时限另行预警)，不再发送",
    "decided": "已作出受理决定，预警已关闭，不再发送",
    "delivered": "办理结果已送达，预警已关闭，不再发送",
}
_GONE = "预警或办件已不存在，不再发送"
_NO_LONGER = "发送时预警已不成立 (办件已暂停或时限已变更)，不再发送"
_NEWER_DIGEST = "已有更新的每日汇总，不再发送"


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """The delivery is not sent: ``reason`` (Chinese) says why."""

    reason: str


def compose(
    store: DeliveryStore,
    calendars: Callable[[str], WorkCalendar],
    delivery: Delivery,
    now: dt.datetime,
) -> Message | Withdrawn:
    """The text to send for ``delivery`` at ``now``, or why it is withdrawn (see the module
    docstring). Raises ValueError when the stored facts cannot be rendered (an unknown
    level or due kind)."""
    if delivery.kind == "alert":
        facts = None if delivery.alert_id is None else store.alert_facts(delivery.alert_id)
        return _alert(store, calendars, facts, now)
    if delivery.kind == "digest":
        if store.newer_digest(delivery):
            return Withdrawn(_NEWER_DIGEST)
        route = delivery.route
        return digest_message(
            supervisor=route.name,
            region_name=region_profile(route.region).name,
            day=now.astimezone(BEIJING).date(),
            rows=digest_rows(store.alert_store, route.region, route.office, now),
        )
    return delivery.message


def _alert(
    store: DeliveryStore,
    calendars: Callable[[str], WorkCalendar],
    facts: AlertFacts | None,
    now: dt.datetime,
) -> Message | Withdrawn:
    if facts is None:
        return Withdrawn(_GONE)
    if facts.closed:
        return Withdrawn(_CLOSED.get(facts.closed_reason or "", "预警已关闭，不再发送"))
    rules = [r for r in RULES if (r.level, r.due_kind) == (facts.level, facts.due_kind)]
    if not rules:
        raise ValueError(f"no rule raises {facts.level} alerts of {facts.due_kind} dues")
    due: dt.datetime | None = getattr(facts, DUE_COLUMNS[facts.due_kind])
    if due is None or not any(rule.applies(facts, now) for rule in rules):
        return Withdrawn(_NO_LONGER)
    names = store.alert_store.item_names([facts.case_no])
    return alert_message(
        level=facts.level,
        case_no=facts.case_no,
        item_name=names.get(facts.case_no, facts.item_key),
        region_name=region_profile(facts.region).name,
        due_kind=facts.due_kind,
        due_at=due,
        working_days_left=working_days_left(calendars(facts.region), now, due),
        office=facts.office,
    )

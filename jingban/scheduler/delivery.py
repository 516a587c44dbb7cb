"""Sending queued deliveries: only on the region's working days during office hours, with
retries and backoff; a failure leaves the delivery pending, except one that repeating cannot
cure (a refused address, a wrong robot key, a route that does not parse): that one is parked
as ``failed`` until someone fixes the route and runs ``jingban alerts retry``.

Exactly once, however many workers run (the scheduler's leader, ``jingban alerts deliver``
beside it, a worker killed mid-send): a worker claims a batch of due deliveries with a lease
(`DeliveryStore.claim`), renders each when its turn comes (`jingban.scheduler.compose`),
renews the lease, records the attempt as begun, sends, and records the outcome — each write
only while it still holds the lease. A worker that dies leaves its rows leased; once the
lease expires the next worker takes them over and resends a begun attempt as it was, with
the same idempotency key (`SendKey`), so the far side can recognise the resend.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from jingban.calendar import WorkCalendar
from jingban.scheduler.compose import Withdrawn, compose
from jingban.scheduler.notify import (
    Channel,
    DeliveryError,
    Mention,
    SendKey,
    WebhookChannel,
    backoff,
    channel_from_config,
)
from jingban.scheduler.sms import SmsHeld, sms_plan
from jingban.settings import settings
from jingban.storage.applicant_messages import SMS_KIND
from jingban.storage.deliveries import Delivery, DeliveryStore
from jingban.storage.messages import Message
from jingban.storage.routes import ChannelConfigError

log = logging.getLogger("jingban.scheduler")

#: A send waits on the far side a few times (SMTP: connect, greeting, sender, recipients,
#: data, quit); the lease renewed before it is never shorter than this many route timeouts.
SEND_TIMEOUTS_PER_LEASE = 6


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int
    failed: int  # failed and to be retried
    waiting: int  # outside office hours
    parked: int = 0  # failed for good until retried by hand
    cancelled: int = 0  # no longer true when its turn came (see `jingban.scheduler.compose`)
    lost: int = 0  # taken over by another worker meanwhile: nothing recorded by this one


def worker_name() -> str:
    """A lease owner unique to this call: host, process and a random part (two threads of
    one process are two owners)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def deliver_due(
    store: DeliveryStore,
    calendars: Callable[[str], WorkCalendar],
    now: dt.datetime,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    owner: str | None = None,
    lease: dt.timedelta | None = None,
    batch: int = 10,
) -> DeliveryReport:
    """Try every delivery that is due at ``now`` and that no other worker holds, claiming
    ``batch`` at a time. Outside the region's office hours (a Saturday, a holiday, the
    evening) a delivery waits for the next opening instead. ``clock`` (default: ``now``)
    dates the lease renewals and the sends; ``lease`` defaults to the setting
    ``delivery_lease_seconds``; ``owner`` to a fresh `worker_name`."""
    owner = owner or worker_name()
    lease = settings().delivery_lease if lease is None else lease
    clock = clock or (lambda: now)
    counts: Counter[str] = Counter()
    seen: set[int] = set()
    while True:
        claimed = [d for d in store.claim(owner, now, lease=lease, limit=batch) if d.id not in seen]
        if not claimed:
            break
        for delivery in claimed:
            seen.add(delivery.id)
            outcome = _deliver(store, calendars, delivery, now, owner, lease, clock)
            if outcome == "lost":
                log.warning("delivery %d was taken over by another worker", delivery.id)
            counts[outcome] += 1
    return DeliveryReport(
        counts["sent"],
        counts["failed"],
        counts["waiting"],
        counts["parked"],
        counts["cancelled"],
        counts["lost"],
    )


def _deliver(
    store: DeliveryStore,
    calendars: Callable[[str], WorkCalendar],
    delivery: Delivery,
    now: dt.datetime,
    owner: str,
    lease: dt.timedelta,
    clock: Callable[[], dt.datetime],
) -> str:
    """One claimed delivery, start to finish; returns its outcome (a `DeliveryReport` field)."""
    if delivery.kind == SMS_KIND:
        return _deliver_sms(store, delivery, now, owner, lease, clock)
    cal = calendars(delivery.region)
    if not cal.is_open(now):
        return _held(store.reschedule(delivery.id, owner, cal.next_opening(now)), "waiting")
    try:
        channel = _channel(store, delivery)
    except ValueError as exc:  # the route's configuration does not parse
        error = f"接收渠道配置有误：{exc}"
        return _held(store.mark_failed(delivery.id, owner, error, None), "parked")
    if delivery.resumed:  # a dead worker began it: the same text again, under the same key
        message, fresh = delivery.message, None
    else:
        try:
            composed = compose(store, calendars, delivery, now)
        except ValueError as exc:
            error = f"通知内容无法生成：{exc}"
            return _held(store.mark_failed(delivery.id, owner, error, None), "parked")
        if isinstance(composed, Withdrawn):
            return _held(store.cancel(delivery.id, owner, composed.reason), "cancelled")
        message = fresh = composed
    return _send(store, delivery, channel, message, fresh, now, owner, lease, clock)


def _channel(store: DeliveryStore, delivery: Delivery) -> Channel:
    """The channel of ``delivery``: its route's; for a personal route's delivery, to its
    recipient's own e-mail address, or the route's group robot mentioning them (contact
    details read now, so a fixed contact reaches a parked delivery retried). Raises
    ValueError (`ChannelConfigError`) for a route that does not parse or a recipient with no
    e-mail address on an e-mail route."""
    route = delivery.route
    if delivery.recipient is None:
        return channel_from_config(route.kind, route.target, dict(route.options))
    who = delivery.recipient
    contact = store.contacts.contact(who)
    if route.kind == "email":
        if not contact.email:
            raise ChannelConfigError(
                f"接收人 {who} 未登记邮箱 (jingban user contact {who} --email …，然后重发)"
            )
        return channel_from_config("email", contact.email, dict(route.options))
    robot = channel_from_config(route.kind, route.target, dict(route.options))
    if not isinstance(robot, WebhookChannel):  # an e-mail route is handled above
        return robot
    user_id = contact.wecom_id if route.kind == "wecom" else contact.dingtalk_id
    return replace(robot, mention=Mention(who, user_id, contact.mobile))


def _deliver_sms(
    store: DeliveryStore,
    delivery: Delivery,
    now: dt.datetime,
    owner: str,
    lease: dt.timedelta,
    clock: Callable[[], dt.datetime],
) -> str:
    """An applicant message (`jingban.scheduler.sms`): sent as it was queued, in the SMS
    hours, to the case's number as it stands when sent."""
    case_no = delivery.dedup_key.split(":")[1]
    plan = sms_plan(store.applicants, settings(), case_no, now)
    if isinstance(plan, SmsHeld):
        if plan.wait_until is not None:
            return _held(store.reschedule(delivery.id, owner, plan.wait_until), "waiting")
        if plan.park:
            return _held(store.mark_failed(delivery.id, owner, plan.reason, None), "parked")
        cancelled = _held(store.cancel(delivery.id, owner, plan.reason), "cancelled")
        if cancelled == "cancelled" and plan.status is not None:
            store.applicants.withdrawn(delivery.dedup_key, plan.status, plan.reason)
        return cancelled
    return _send(store, delivery, plan, delivery.message, None, now, owner, lease, clock)


def _send(
    store: DeliveryStore,
    delivery: Delivery,
    channel: Channel,
    message: Message,
    fresh: Message | None,
    now: dt.datetime,
    owner: str,
    lease: dt.timedelta,
    clock: Callable[[], dt.datetime],
) -> str:
    """Begin the attempt (storing ``fresh``, the text rendered now, if any), send
    ``message`` and record the outcome."""
    if not store.begin(delivery, owner, until=clock() + _send_lease(lease, channel), message=fresh):
        return "lost"
    try:
        channel.send(message, SendKey(delivery.id, delivery.attempt, delivery.token))
    except DeliveryError as exc:
        if exc.retryable:
            retry_at = now + backoff(delivery.attempts + 1)
            return _held(store.mark_failed(delivery.id, owner, str(exc), retry_at), "failed")
        return _held(store.mark_failed(delivery.id, owner, str(exc), None), "parked")
    return _held(store.mark_sent(delivery.id, owner, clock()), "sent")


def _send_lease(lease: dt.timedelta, channel: Channel) -> dt.timedelta:
    return max(lease, dt.timedelta(seconds=channel.timeout * SEND_TIMEOUTS_PER_LEASE))


def _held(recorded: bool, outcome: str) -> str:
    return outcome if recorded else "lost"

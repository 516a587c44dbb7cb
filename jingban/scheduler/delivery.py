"""Sending queued deliveries: only on the region's working days during office hours, with
retries and backoff; a failure leaves the delivery pending, except one that repeating cannot
cure (a refused address, a wrong robot key, a route that does not parse): that one is parked
as ``failed`` until someone fixes the route and runs ``jingban alerts retry``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from jingban.calendar import WorkCalendar
from jingban.scheduler.notify import DeliveryError, backoff, channel_from_config
from jingban.storage.deliveries import DeliveryStore


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int
    failed: int  # failed and to be retried
    waiting: int  # outside office hours
    parked: int = 0  # failed for good until retried by hand


def deliver_due(
    store: DeliveryStore, calendars: Callable[[str], WorkCalendar], now: dt.datetime
) -> DeliveryReport:
    """Try every delivery that is due now. Outside the region's office hours (a Saturday, a
    holiday, the evening) it waits for the next opening instead."""
    sent = failed = waiting = parked = 0
    for delivery in store.due_deliveries(now):
        cal = calendars(delivery.region)
        if not cal.is_open(now):
            store.reschedule(delivery.id, cal.next_opening(now))
            waiting += 1
            continue
        try:
            channel = channel_from_config(
                delivery.route.kind, delivery.route.target, dict(delivery.route.options)
            )
            channel.send(delivery.message)
        except DeliveryError as exc:
            if exc.retryable:
                store.mark_failed(delivery.id, str(exc), now + backoff(delivery.attempts + 1))
                failed += 1
            else:
                store.mark_failed(delivery.id, str(exc), None)
                parked += 1
        except ValueError as exc:  # the route's configuration does not parse
            store.mark_failed(delivery.id, f"接收渠道配置有误：{exc}", None)
            parked += 1
        else:
            store.mark_sent(delivery.id, now)
            sent += 1
    return DeliveryReport(sent, failed, waiting, parked)

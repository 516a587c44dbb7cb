"""Claiming deliveries: a worker leases a batch of due rows, then records each outcome only
while it still holds the row's lease.

A claim is one transaction: select the ids of at most ``n`` rows that are due and whose lease
is free or expired, then ``UPDATE … WHERE id IN (…) AND <still free> RETURNING id``. On
PostgreSQL the select locks the rows ``FOR UPDATE SKIP LOCKED``, so two workers claiming at
once take different rows instead of waiting on each other; on SQLite the write transaction
(``BEGIN IMMEDIATE``) makes claims one at a time. Either way a row has one owner at a time.

Every later write about a claimed row — beginning an attempt, sent, failed, cancelled,
rescheduled — is conditional on ``lease_owner`` still being the worker and the row still
pending, and says whether it was: a worker that lost its row (it was too slow, another took
the expired lease over) learns so and records nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update

from jingban.settings import settings
from jingban.storage.database import Database
from jingban.storage.messages import Message
from jingban.storage.models import DELIVERIES, ROUTES
from jingban.storage.routes import Route, route_from_row


@dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed delivery. ``message`` is the text stored with the row; ``sending_attempt``
    is set when an earlier worker began this attempt and did not record its outcome."""

    id: int
    dedup_key: str
    route: Route
    region: str
    attempts: int
    message: Message
    kind: str = "text"
    alert_id: int | None = None
    token: str = ""
    sending_attempt: int | None = None
    # The member of staff a personal route's delivery is for (None: the route's target).
    recipient: str | None = None

    @property
    def attempt(self) -> int:
        """The number of the attempt about to be made (1 for the first)."""
        return self.attempts + 1

    @property
    def resumed(self) -> bool:
        """Whether this attempt was begun by a worker that did not finish it: it may have
        reached the far side, so it is sent again as it was, under the same key."""
        return self.sending_attempt == self.attempt


#: Applicant messages (`jingban.storage.applicant_messages`) have no route: they go to the
#: SMS gateway of the settings, which `_delivery` gives them as a route of kind ``sms``.
SMS_KIND = "sms"


def _due(now: dt.datetime) -> ColumnElement[bool]:
    table = DELIVERIES
    return and_(
        table.c.status == "pending",
        table.c.next_attempt_at <= now,
        or_(table.c.lease_until.is_(None), table.c.lease_until <= now),
        or_(table.c.kind == SMS_KIND, table.c.route_id.in_(select(ROUTES.c.id))),
    )


class Claims:
    """The claim and the lease-conditional writes of the delivery queue."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(
        self, owner: str, now: dt.datetime, *, lease: dt.timedelta, limit: int = 10
    ) -> list[Delivery]:
        """Lease to ``owner`` until ``now + lease`` at most ``limit`` pending deliveries
        that are due at ``now`` and that no live lease holds (oldest first), and return
        them with their routes. Rows another worker holds are skipped, never waited for."""
        table = DELIVERIES
        with self.db.write() as conn:
            candidates = (
                select(table.c.id)
                .where(_due(now))
                .order_by(table.c.next_attempt_at, table.c.id)
                .limit(limit)
            )
            if conn.dialect.name == "postgresql":
                candidates = candidates.with_for_update(skip_locked=True)
            # Two statements, not one UPDATE … WHERE id IN (SELECT … LIMIT n): PostgreSQL may
            # rescan such a subquery, and with SKIP LOCKED a rescan can return other rows, so
            # the one statement could lease more than ``limit``.
            ids = list(conn.execute(candidates).scalars())
            if not ids:
                return []
            claimed = (
                update(table)
                .where(table.c.id.in_(ids), _due(now))
                .values(lease_owner=owner, lease_until=now + lease)
                .returning(table.c.id)
            )
            ids = list(conn.execute(claimed).scalars())
            if not ids:
                return []
            query = (
                select(table, ROUTES)
                .outerjoin(ROUTES, ROUTES.c.id == table.c.route_id)
                .where(table.c.id.in_(ids))
                .order_by(table.c.next_attempt_at, table.c.id)
            )
            rows = conn.execute(query).all()
        return [_delivery(r._mapping) for r in rows]

    def begin(
        self,
        delivery: Delivery,
        owner: str,
        *,
        until: dt.datetime,
        message: Message | None = None,
    ) -> bool:
        """Before sending: renew ``owner``'s lease until ``until``, mark the attempt begun
        and store ``message`` as the text being sent (None: the stored text is resent).
        False when ``owner`` no longer holds the delivery: then it must not be sent."""
        values: dict[str, object] = {"lease_until": until, "sending_attempt": delivery.attempt}
        if message is not None:
            values.update(subject=message.subject, markdown=message.markdown, text=message.text)
        return self._held(delivery.id, owner, values)

    def mark_sent(self, delivery_id: int, owner: str, now: dt.datetime) -> bool:
        """The far side accepted the delivery at ``now``. False (nothing recorded) when
        ``owner`` no longer holds it."""
        values = {"status": "sent", "sent_at": now, "attempts": DELIVERIES.c.attempts + 1}
        return self._held(delivery_id, owner, {**values, **_FINISHED})

    def mark_failed(
        self, delivery_id: int, owner: str, error: str, next_attempt: dt.datetime | None
    ) -> bool:
        """Record a failed attempt; the delivery stays pending until ``next_attempt``. With
        None (an error that repeats until someone fixes the route: a bad address, a wrong
        key) it is parked as ``failed`` and not tried again until `retry_failed`. False
        (nothing recorded) when ``owner`` no longer holds it."""
        values: dict[str, object] = {
            "attempts": DELIVERIES.c.attempts + 1,
            "last_error": error[:2000],
            **_FINISHED,
        }
        if next_attempt is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = next_attempt
        return self._held(delivery_id, owner, values)

    def cancel(self, delivery_id: int, owner: str, reason: str) -> bool:
        """The delivery is no longer true (its alert closed, the case ended): it is not sent,
        and ``reason`` says why. False when ``owner`` no longer holds it."""
        values = {"status": "cancelled", "last_error": reason[:2000], **_FINISHED}
        return self._held(delivery_id, owner, values)

    def reschedule(self, delivery_id: int, owner: str, next_attempt: dt.datetime) -> bool:
        """Move the delivery to ``next_attempt`` (the next office opening) and release it,
        without counting an attempt; an attempt begun and not finished stays begun. False
        when ``owner`` no longer holds it."""
        values = {"next_attempt_at": next_attempt, "lease_owner": None, "lease_until": None}
        return self._held(delivery_id, owner, values)

    def _held(self, delivery_id: int, owner: str, values: dict[str, Any]) -> bool:
        table = DELIVERIES
        statement = (
            update(table)
            .where(
                table.c.id == delivery_id,
                table.c.lease_owner == owner,
                table.c.status == "pending",
            )
            .values(values)
        )
        with self.db.write() as conn:
            return int(conn.execute(statement).rowcount or 0) == 1


def sms_route(region: str) -> Route:
    """The route an applicant message goes by: the SMS gateway of the settings."""
    return Route(0, region, None, "申请人短信", SMS_KIND, settings().sms_url or "", {}, True)


_FINISHED = {"lease_owner": None, "lease_until": None, "sending_attempt": None}


def _delivery(m: Any) -> Delivery:
    table = DELIVERIES
    if m[table.c.kind] == SMS_KIND:
        route = sms_route(m[table.c.region])
    else:
        route = route_from_row({column.name: m[column] for column in ROUTES.c})
    return Delivery(
        m[table.c.id],
        m[table.c.dedup_key],
        route,
        m[table.c.region],
        m[table.c.attempts],
        Message(m[table.c.subject], m[table.c.markdown], m[table.c.text]),
        m[table.c.kind],
        m[table.c.alert_id],
        m[table.c.token],
        m[table.c.sending_attempt],
        m[table.c.recipient],
    )

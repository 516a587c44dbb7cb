"""The outbox of platform events: claimed by push workers with a lease, one case at a time
in order, sent, failed, parked and retried.

A claim is one write transaction, as for the alert deliveries
(`jingban.storage._delivery_claims`): select at most ``n`` events that are pending, due and
free (no live lease), each the *first unsent event of its case* — an event waits while an
earlier one of its case is pending or parked, so a case's events reach the platform in the
order the office took its actions — then lease them with an ``UPDATE … WHERE <still free>``.
On PostgreSQL the select locks ``FOR UPDATE SKIP LOCKED``, so two workers take different
cases instead of waiting on each other; on SQLite ``BEGIN IMMEDIATE`` makes claims one at a
time. Every later write about a claimed event is conditional on its lease and says whether it
was recorded: a worker that lost its event records nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from jingban.storage.database import Database
from jingban.storage.exchange_events import event_key, sent_payload
from jingban.storage.models_exchange import EXCHANGE_EVENTS
from jingban.storage.timecodec import aware

#: The statuses of an event: waiting or being sent, accepted by the platform, parked.
EXCHANGE_STATUSES = ("pending", "sent", "failed")


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    """An event leased to a worker; ``payload`` as stored (docs/exchange.md)."""

    id: int
    event_key: str
    case_no: str
    seq: int
    kind: str
    region: str
    office: str | None
    attempts: int
    payload: dict[str, Any]
    sending_attempt: int | None = None

    @property
    def attempt(self) -> int:
        """The number of the attempt about to be made (1 for the first)."""
        return self.attempts + 1


@dataclass(frozen=True, slots=True)
class Backlog:
    """How many events wait (pending, parked) and when the oldest waiting one was written."""

    pending: int
    failed: int
    oldest_at: dt.datetime | None

    def oldest_age(self, now: dt.datetime) -> dt.timedelta | None:
        """How long the oldest waiting event has waited at ``now``."""
        return None if self.oldest_at is None else max(now - self.oldest_at, dt.timedelta(0))


_T = EXCHANGE_EVENTS
_FINISHED = {"lease_owner": None, "lease_until": None, "sending_attempt": None}


def _free(now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        _T.c.status == "pending",
        _T.c.next_attempt_at <= now,
        or_(_T.c.lease_until.is_(None), _T.c.lease_until <= now),
    )


def _first_of_its_case() -> ColumnElement[bool]:
    earlier = aliased(_T, name="earlier")
    return ~exists(
        select(earlier.c.id).where(
            earlier.c.case_no == _T.c.case_no,
            earlier.c.seq < _T.c.seq,
            earlier.c.status != "sent",
        )
    )


class ExchangeStore:
    """The platform-event outbox of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the push worker's writes -----------------------------------------------------------

    def claim(
        self, owner: str, now: dt.datetime, *, lease: dt.timedelta, limit: int = 20
    ) -> list[ClaimedEvent]:
        """Lease to ``owner`` until ``now + lease`` at most ``limit`` due events, each the
        first unsent event of its case, oldest first. Events another worker holds, and the
        cases they belong to, are skipped, never waited for."""
        with self.db.write() as conn:
            candidates = (
                select(_T.c.id)
                .where(_free(now), _first_of_its_case())
                .order_by(_T.c.created_at, _T.c.id)
                .limit(limit)
            )
            if conn.dialect.name == "postgresql":
                candidates = candidates.with_for_update(skip_locked=True, of=_T)
            ids = list(conn.execute(candidates).scalars())
            if not ids:
                return []
            claimed = (
                update(_T)
                .where(_T.c.id.in_(ids), _free(now))
                .values(lease_owner=owner, lease_until=now + lease)
                .returning(_T.c.id)
            )
            ids = list(conn.execute(claimed).scalars())
            if not ids:
                return []
            rows = conn.execute(
                select(_T).where(_T.c.id.in_(ids)).order_by(_T.c.created_at, _T.c.id)
            ).all()
        return [_claimed(r._mapping) for r in rows]

    def begin(self, event: ClaimedEvent, owner: str, *, until: dt.datetime) -> bool:
        """Before sending: renew ``owner``'s lease until ``until`` and mark the attempt begun.
        False when ``owner`` no longer holds the event: then it must not be sent."""
        return self._held(event.id, owner, {"lease_until": until, "sending_attempt": event.attempt})

    def mark_sent(self, event_id: int, owner: str, now: dt.datetime) -> bool:
        """The platform accepted the event at ``now``; False when ``owner`` lost it."""
        values = {"status": "sent", "sent_at": now, "attempts": _T.c.attempts + 1}
        return self._held(event_id, owner, {**values, **_FINISHED})

    def mark_failed(
        self, event_id: int, owner: str, error: str, next_attempt: dt.datetime | None
    ) -> bool:
        """Record a failed attempt: the event stays pending until ``next_attempt``, or with
        None (the platform refused it for good) is parked as ``failed`` until `retry`.
        False when ``owner`` lost it."""
        values: dict[str, object] = {
            "attempts": _T.c.attempts + 1,
            "last_error": error[:2000],
            **_FINISHED,
        }
        if next_attempt is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = next_attempt
        return self._held(event_id, owner, values)

    def _held(self, event_id: int, owner: str, values: dict[str, Any]) -> bool:
        statement = (
            update(_T)
            .where(_T.c.id == event_id, _T.c.lease_owner == owner, _T.c.status == "pending")
            .values(values)
        )
        with self.db.write() as conn:
            return int(conn.execute(statement).rowcount or 0) == 1

    # -- what operators do -------------------------------------------------------------------

    def retry(self, *, now: dt.datetime, event_id: int | None = None) -> int:
        """Put parked events (or the one ``event_id``) back in the queue, due at ``now``;
        returns how many."""
        statement = update(_T).where(_T.c.status == "failed")
        if event_id is not None:
            statement = statement.where(_T.c.id == event_id)
        statement = statement.values(status="pending", next_attempt_at=now, **_FINISHED)
        with self.db.write() as conn:
            return int(conn.execute(statement).rowcount or 0)

    def events(
        self, status: str | None = None, *, case_no: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        """Events (newest first) with their status, attempts and last error, without the
        payload; ``status`` one of `EXCHANGE_STATUSES`."""
        query = select(*(c for c in _T.c if c.name != "payload")).order_by(_T.c.id.desc())
        if status is not None:
            query = query.where(_T.c.status == status)
        if case_no is not None:
            query = query.where(_T.c.case_no == case_no)
        with self.db.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
        return [_keyed(r._mapping) for r in rows]

    def backlog(self, region: str | None = None) -> Backlog:
        """How many events (of ``region``; None: all) wait to be sent or are parked, and
        when the oldest of them was written."""
        query = select(
            func.count().filter(_T.c.status == "pending"),
            func.count().filter(_T.c.status == "failed"),
            func.min(_T.c.created_at).filter(_T.c.status != "sent"),
        )
        if region is not None:
            query = query.where(_T.c.region == region)
        with self.db.engine.connect() as conn:
            pending, failed, oldest = conn.execute(query).one()
        if oldest is not None:  # SQLite's aggregate loses the column type
            oldest = aware(oldest)
        return Backlog(int(pending or 0), int(failed or 0), oldest)

    def between(self, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
        """The events of the actions taken in [``start``, ``end``): key, case, seq, kind,
        action, status."""
        columns = (_T.c.id, _T.c.case_no, _T.c.seq, _T.c.kind, _T.c.action)
        query = (
            select(*columns, _T.c.status, _T.c.at)
            .where(_T.c.at >= start, _T.c.at < end)
            .order_by(_T.c.case_no, _T.c.seq)
        )
        with self.db.engine.connect() as conn:
            return [_keyed(r._mapping) for r in conn.execute(query).all()]


def _keyed(m: Any) -> dict[str, Any]:
    """A row as a dict with its idempotency key after its id, where the column was."""
    found = dict(m)
    return {"id": found.pop("id"), "event_key": event_key(m["case_no"], m["seq"]), **found}


def _claimed(m: Any) -> ClaimedEvent:
    return ClaimedEvent(
        m[_T.c.id],
        event_key(m[_T.c.case_no], m[_T.c.seq]),
        m[_T.c.case_no],
        m[_T.c.seq],
        m[_T.c.kind],
        m[_T.c.region],
        m[_T.c.office],
        m[_T.c.attempts],
        sent_payload(m),
        m[_T.c.sending_attempt],
    )

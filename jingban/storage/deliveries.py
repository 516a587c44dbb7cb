"""The delivery queue: one row per (message, route), pending until sent.

Every new alert becomes one pending delivery per matching route, first tried at the region's
next office opening; a digest is one per route and day. A delivery stays pending, retried
with backoff by the scheduler's worker, until it is sent — a failing channel loses nothing.
A row's dedup key makes queueing the same message twice harmless.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jingban.calendar import WorkCalendar, region_profile
from jingban.storage.alerts import AlertStore
from jingban.storage.database import Database
from jingban.storage.messages import Message, alert_message
from jingban.storage.models import DELIVERIES, ROUTES
from jingban.storage.routes import Route, RouteStore, route_from_row
from jingban.storage.scan import AlertView

__all__ = ["Delivery", "DeliveryStore"]


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    dedup_key: str
    route: Route
    region: str
    attempts: int
    message: Message


def _upsert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


class DeliveryStore:
    """Queues, hands out and marks the deliveries of one database."""

    def __init__(
        self,
        db: Database,
        calendars: Callable[[str], WorkCalendar],
        routes: RouteStore,
        alerts: AlertStore,
    ) -> None:
        self.db = db
        self.calendars = calendars
        self.route_store = routes
        self.alert_store = alerts

    def enqueue_alerts(
        self, alerts: Iterable[AlertView], *, now: dt.datetime, conn: Connection | None = None
    ) -> int:
        """One pending delivery per (new alert, matching route), first tried at the region's
        next office opening. Returns how many were queued. Routes are read once and item
        names in one query per 500 alerts, however many alerts a scan raised. With ``conn``
        the deliveries join that connection's transaction (the scan's), else their own."""
        alerts = list(alerts)
        routes = [r for r in self.route_store.routes() if r.enabled]
        if not alerts or not routes:
            return 0
        names = self.alert_store.item_names(a.case_no for a in alerts)
        with contextlib.nullcontext(conn) if conn is not None else self.db.write() as conn:
            return self._enqueue_alerts(conn, alerts, routes, names, now)

    def _enqueue_alerts(
        self,
        conn: Connection,
        alerts: list[AlertView],
        routes: list[Route],
        names: dict[str, str],
        now: dt.datetime,
    ) -> int:
        queued = 0
        for alert in alerts:
            matching = [
                r for r in routes if r.region == alert.region and r.office in (None, alert.office)
            ]
            if not matching:
                continue
            message = alert_message(
                level=alert.level,
                case_no=alert.case_no,
                item_name=names.get(alert.case_no, ""),
                region_name=region_profile(alert.region).name,
                due_kind=alert.due_kind,
                due_at=alert.due_at,
                working_days_left=alert.working_days_left,
                office=alert.office,
            )
            first_try = self.calendars(alert.region).next_opening(now)
            for route in matching:
                queued += self._enqueue(
                    conn,
                    f"alert:{alert.alert_id}",
                    alert.alert_id,
                    route,
                    alert.region,
                    message,
                    first_try,
                )
        return queued

    def enqueue_message(
        self, dedup_key: str, route: Route, message: Message, *, first_try: dt.datetime
    ) -> int:
        """Queue a message (a digest) for one route, once per ``dedup_key``."""
        with self.db.write() as conn:
            return self._enqueue(conn, dedup_key, None, route, route.region, message, first_try)

    def _enqueue(
        self,
        conn: Connection,
        key: str,
        alert_id: int | None,
        route: Route,
        region: str,
        message: Message,
        first_try: dt.datetime,
    ) -> int:
        statement = (
            _upsert(conn)(DELIVERIES)
            .values(
                dedup_key=key,
                alert_id=alert_id,
                route_id=route.id,
                region=region,
                status="pending",
                attempts=0,
                next_attempt_at=first_try,
                last_error=None,
                sent_at=None,
                subject=message.subject,
                markdown=message.markdown,
                text=message.text,
            )
            .on_conflict_do_nothing(index_elements=["dedup_key", "route_id"])
        )
        return int(conn.execute(statement).rowcount or 0)

    def due_deliveries(self, now: dt.datetime, limit: int = 100) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, with their routes."""
        deliveries, routes = DELIVERIES, ROUTES
        query = (
            select(deliveries, routes)
            .join(routes, routes.c.id == deliveries.c.route_id)
            .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
            .limit(limit)
        )
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        out = []
        for r in rows:
            m = r._mapping
            route = route_from_row({column.name: m[column] for column in routes.c})
            out.append(
                Delivery(
                    m[deliveries.c.id],
                    m[deliveries.c.dedup_key],
                    route,
                    m[deliveries.c.region],
                    m[deliveries.c.attempts],
                    Message(
                        m[deliveries.c.subject], m[deliveries.c.markdown], m[deliveries.c.text]
                    ),
                )
            )
        return out

    def mark_sent(self, delivery_id: int, now: dt.datetime) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(DELIVERIES)
                .where(DELIVERIES.c.id == delivery_id)
                .values(status="sent", sent_at=now, attempts=DELIVERIES.c.attempts + 1)
            )

    def mark_failed(self, delivery_id: int, error: str, next_attempt: dt.datetime | None) -> None:
        """Record a failed attempt; the delivery stays pending until ``next_attempt``. With
        None (an error that repeats until someone fixes the route: a bad address, a wrong
        key) it is parked as ``failed`` and not tried again until `retry_failed`."""
        values: dict[str, object] = {
            "attempts": DELIVERIES.c.attempts + 1,
            "last_error": error[:2000],
        }
        if next_attempt is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = next_attempt
        with self.db.write() as conn:
            conn.execute(update(DELIVERIES).where(DELIVERIES.c.id == delivery_id).values(values))

    def retry_failed(self, *, now: dt.datetime, delivery_id: int | None = None) -> int:
        """Queue parked deliveries again (all, or the one of ``delivery_id``), due at once
        (sent at the region's next office hours); returns how many."""
        query = (
            update(DELIVERIES)
            .where(DELIVERIES.c.status == "failed")
            .values(status="pending", next_attempt_at=now)
        )
        if delivery_id is not None:
            query = query.where(DELIVERIES.c.id == delivery_id)
        with self.db.write() as conn:
            return int(conn.execute(query).rowcount or 0)

    def reschedule(self, delivery_id: int, next_attempt: dt.datetime) -> None:
        """Move a delivery to the next office opening without counting an attempt."""
        with self.db.write() as conn:
            conn.execute(
                update(DELIVERIES)
                .where(DELIVERIES.c.id == delivery_id)
                .values(next_attempt_at=next_attempt)
            )

    def deliveries(self, status: str | None = None) -> list[dict[str, Any]]:
        """The delivery queue, for people (`jingban alerts deliveries`)."""
        table = DELIVERIES
        query = select(table).order_by(table.c.id)
        if status is not None:
            query = query.where(table.c.status == status)
        with self.db.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

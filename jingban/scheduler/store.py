"""Alerts, routes and deliveries in the database.

A route sends a region's (or one office's) alerts to a supervisor by e-mail or to a group
robot. Every new alert becomes one pending delivery per matching route; a delivery stays
pending, retried with backoff, until it is sent — a failing channel loses nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jingban.calendar import WorkCalendar, region_profile
from jingban.engine.deadlines import working_days_left
from jingban.errors import BadInput, NotFound
from jingban.scheduler.notify import Message, alert_message, channel_from_config
from jingban.scheduler.scan import LEVELS, AlertView
from jingban.storage import Database
from jingban.storage.models import AlertRow, CaseRow, DeliveryRow, RouteRow
from jingban.workflows import load_catalog

ALERTS = AlertRow.__table__
ROUTES = RouteRow.__table__
DELIVERIES = DeliveryRow.__table__
CASES = CaseRow.__table__
ROUTE_KINDS = ("email", "wecom", "dingtalk")


@dataclass(frozen=True, slots=True)
class Route:
    id: int
    region: str
    office: str | None
    name: str
    kind: str
    target: str
    options: Mapping[str, str]
    enabled: bool


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


def _route(row: Any) -> Route:
    m = row._mapping
    return Route(
        m["id"],
        m["region"],
        m["office"],
        m["name"],
        m["kind"],
        m["target"],
        json.loads(m["options"]),
        bool(m["enabled"]),
    )


class AlertStore:
    """Reads alerts and manages routes and the delivery queue of one database."""

    def __init__(self, db: Database, calendars: Callable[[str], WorkCalendar]) -> None:
        self.db = db
        self.calendars = calendars

    # -- alerts ---------------------------------------------------------------------------

    def alerts(
        self,
        *,
        as_of: dt.datetime,
        level: str | None = None,
        region: str | None = None,
        office: str | None = None,
        open_only: bool = False,
        limit: int | None = 500,
    ) -> list[AlertView]:
        """Stored alerts, most severe and most overdue first (at most ``limit`` of the newest,
        or all with None)."""
        if level is not None and level not in LEVELS:
            raise BadInput(f"未知级别 {level!r}；可用: {'、'.join(LEVELS)}")
        query = select(ALERTS).order_by(ALERTS.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        for column, value in (("level", level), ("region", region), ("office", office)):
            if value is not None:
                query = query.where(ALERTS.c[column] == value)
        if open_only:
            query = query.where(ALERTS.c.closed_at.is_(None))
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        views = [
            AlertView(
                r.case_no,
                r.region,
                r.office,
                r.level,
                r.due_kind,
                r.due_at,
                working_days_left(self.calendars(r.region), as_of, r.due_at),
                r.raised_at,
                r.closed_at,
                r.id,
            )
            for r in rows
        ]
        order = {lvl: i for i, lvl in enumerate(reversed(LEVELS))}
        return sorted(views, key=lambda v: (order[v.level], v.working_days_left, v.case_no))

    # -- routes ---------------------------------------------------------------------------

    def add_route(
        self,
        *,
        region: str,
        name: str,
        kind: str,
        target: str,
        office: str | None = None,
        options: Mapping[str, str] | None = None,
    ) -> Route:
        """Add a route; raises `BadInput` for an unknown region or kind or a bad target."""
        region_profile(region)
        if kind not in ROUTE_KINDS:
            raise BadInput(f"未知通知渠道 {kind!r}；可用: {'、'.join(ROUTE_KINDS)}")
        try:
            channel_from_config(kind, target, dict(options or {}))
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        with self.db.write() as conn:
            new_id = conn.execute(
                insert(ROUTES)
                .values(
                    region=region,
                    office=office,
                    name=name.strip() or kind,
                    kind=kind,
                    target=target,
                    options=json.dumps(dict(options or {})),
                    enabled=True,
                )
                .returning(ROUTES.c.id)
            ).scalar_one()
        return Route(new_id, region, office, name, kind, target, dict(options or {}), True)

    def routes(self, region: str | None = None) -> list[Route]:
        query = select(ROUTES).order_by(ROUTES.c.id)
        if region is not None:
            query = query.where(ROUTES.c.region == region)
        with self.db.engine.connect() as conn:
            return [_route(r) for r in conn.execute(query)]

    def remove_route(self, route_id: int) -> None:
        with self.db.write() as conn:
            if conn.execute(delete(ROUTES).where(ROUTES.c.id == route_id)).rowcount == 0:
                raise NotFound(f"没有编号为 {route_id} 的通知路由")

    def item_names(self, case_nos: Iterable[str]) -> dict[str, str]:
        """Case number → item name, in one query per 500 cases (names from the catalog)."""
        numbers = list(dict.fromkeys(case_nos))
        names: dict[str, str] = {}
        catalog = load_catalog()
        with self.db.engine.connect() as conn:
            for start in range(0, len(numbers), 500):
                chunk = numbers[start : start + 500]
                query = select(CASES.c.case_no, CASES.c.region, CASES.c.item_key).where(
                    CASES.c.case_no.in_(chunk)
                )
                for case_no, region, item_key in conn.execute(query):
                    try:
                        names[case_no] = catalog.item(region, item_key).name
                    except BadInput:
                        names[case_no] = item_key
        return names

    # -- the delivery queue ---------------------------------------------------------------

    def enqueue_alerts(
        self, alerts: Iterable[AlertView], *, now: dt.datetime, conn: Connection | None = None
    ) -> int:
        """One pending delivery per (new alert, matching route), first tried at the region's
        next office opening. Returns how many were queued. Routes are read once and item
        names in one query per 500 alerts, however many alerts a scan raised. With ``conn``
        the deliveries join that connection's transaction (the scan's), else their own."""
        alerts = list(alerts)
        routes = [r for r in self.routes() if r.enabled]
        if not alerts or not routes:
            return 0
        names = self.item_names(a.case_no for a in alerts)
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
        """Pending deliveries whose next attempt is due."""
        query = (
            select(DELIVERIES, ROUTES)
            .join(ROUTES, ROUTES.c.id == DELIVERIES.c.route_id)
            .where(DELIVERIES.c.status == "pending", DELIVERIES.c.next_attempt_at <= now)
            .order_by(DELIVERIES.c.next_attempt_at, DELIVERIES.c.id)
            .limit(limit)
        )
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        out = []
        for r in rows:
            m = r._mapping
            route = Route(
                m[ROUTES.c.id],
                m[ROUTES.c.region],
                m[ROUTES.c.office],
                m[ROUTES.c.name],
                m[ROUTES.c.kind],
                m[ROUTES.c.target],
                json.loads(m[ROUTES.c.options]),
                bool(m[ROUTES.c.enabled]),
            )
            out.append(
                Delivery(
                    m[DELIVERIES.c.id],
                    m[DELIVERIES.c.dedup_key],
                    route,
                    m[DELIVERIES.c.region],
                    m[DELIVERIES.c.attempts],
                    Message(
                        m[DELIVERIES.c.subject], m[DELIVERIES.c.markdown], m[DELIVERIES.c.text]
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
        values: dict[str, Any] = {
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
        query = select(DELIVERIES).order_by(DELIVERIES.c.id)
        if status is not None:
            query = query.where(DELIVERIES.c.status == status)
        with self.db.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

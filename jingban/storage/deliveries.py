"""The delivery queue: one row per (message, route), pending until sent.

Every new alert becomes one pending delivery per matching route, first tried at the region's
next office opening; a digest is one per route and day. A delivery stays pending, retried
with backoff by the scheduler's worker, until it is sent — a failing channel loses nothing.
A row's dedup key makes queueing the same message twice harmless.

A row keeps the facts it is about (``kind``: the alert of ``alert_id``, the digest of its
route and day, or a fixed text), not only a text: the worker renders the text when it sends
it, from the case's dues at that moment. The text stored is the latest rendering (at queue
time, a preview; once sent, what was sent).

Workers claim rows before sending them (`DeliveryStore.claim`, in `jingban.storage.
_delivery_claims`): a row is sent by the one worker that holds its lease, and a worker that
died is replaced once its lease expires.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jingban.calendar import WorkCalendar, region_profile
from jingban.storage._delivery_claims import Claims, Delivery
from jingban.storage.alerts import AlertStore
from jingban.storage.applicant_messages import ApplicantMessageStore
from jingban.storage.database import Database
from jingban.storage.messages import Message, alert_message
from jingban.storage.models import ALERTS, CASES, DELIVERIES
from jingban.storage.recipients import Recipients
from jingban.storage.routes import Route, RouteStore
from jingban.storage.scan import AlertView
from jingban.storage.staff_contacts import ContactStore

__all__ = ["DELIVERY_KINDS", "DELIVERY_STATUSES", "AlertFacts", "Delivery", "DeliveryStore"]

#: What a delivery is about: an alert, a supervisor's daily digest, a fixed text, or an
#: applicant's milestone message (``sms``, queued with its action: `applicant_messages`).
DELIVERY_KINDS = ("alert", "digest", "text", "sms")
#: ``pending`` until sent; ``failed``: parked until `DeliveryStore.retry_failed`;
#: ``cancelled``: no longer true when its turn came (the case ended, the due moved).
DELIVERY_STATUSES = ("pending", "sent", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """An alert and its case as they stand now: what an alert's text is rendered from.
    The case's fields are those `jingban.engine.levels.AlertRule.applies` reads."""

    level: str
    due_kind: str
    closed_reason: str | None
    case_no: str
    region: str
    office: str | None
    item_key: str
    state: str
    accept_due: dt.datetime | None
    promised_due: dt.datetime | None
    statutory_due: dt.datetime | None
    stage_due: dt.datetime | None
    promised_warn_at: dt.datetime | None
    statutory_warn_at: dt.datetime | None
    delivery_due: dt.datetime | None = None
    closed: bool = False


def _no_catalog() -> Any:
    from jingban.workflows import load_catalog

    return load_catalog()


def _upsert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


class DeliveryStore(Claims):
    """Queues, hands out (see `Claims`) and lists the deliveries of one database."""

    def __init__(
        self,
        db: Database,
        calendars: Callable[[str], WorkCalendar],
        routes: RouteStore,
        alerts: AlertStore,
        recipients: Recipients | None = None,
    ) -> None:
        super().__init__(db)
        self.calendars = calendars
        self.route_store = routes
        self.alert_store = alerts
        #: Applicant messages: their recipients, read by the worker when it sends one.
        self.applicants = ApplicantMessageStore(db)
        #: Who a personal route's notice is for, and how each reaches them.
        self.recipients = recipients or Recipients(db, _no_catalog)
        self.contacts = ContactStore(db)

    def enqueue_alerts(
        self, alerts: Iterable[AlertView], *, now: dt.datetime, conn: Connection | None = None
    ) -> int:
        """One pending delivery per (new alert, matching route), first tried at the region's
        next office opening. Returns how many were queued. Routes are read once and item
        names in one query per 500 alerts, however many alerts a scan raised. With ``conn``
        the deliveries join that connection's transaction (the scan's), else their own. The
        text stored is a preview: the worker renders it again when it sends it."""
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
        personal = any(r.personal for r in routes)
        facts = self.recipients.facts(a.case_no for a in alerts) if personal else {}
        staff = self.recipients.accounts.users() if personal else []
        for alert in alerts:
            matching = [
                r
                for r in routes
                if r.region == alert.region
                and r.office in (None, alert.office)
                and r.takes(alert.level)
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
                key = f"alert:{alert.alert_id}"
                if not route.personal:
                    queued += self._enqueue(
                        conn, key, "alert", alert.alert_id, route, alert.region, message, first_try
                    )
                    continue
                case = facts.get(alert.case_no)
                people = (
                    [] if case is None else self.recipients.people(str(route.role), case, staff)
                )
                for person in people:
                    queued += self._enqueue(
                        conn,
                        f"{key}:to:{person}",
                        "alert",
                        alert.alert_id,
                        route,
                        alert.region,
                        message,
                        first_try,
                        recipient=person,
                    )
        return queued

    def enqueue_message(
        self,
        dedup_key: str,
        route: Route,
        message: Message,
        *,
        first_try: dt.datetime,
        kind: str = "text",
        recipient: str | None = None,
    ) -> int:
        """Queue a message for one route, once per ``dedup_key`` (and ``recipient``, the
        member of staff a personal route's message is for): a fixed text (sent as it is),
        or with ``kind="digest"`` a daily digest (``message`` is its preview; the worker
        renders it again when it sends it). Raises ValueError for another kind."""
        if kind not in ("digest", "text"):
            raise ValueError(f"not a message kind: {kind!r}")
        key = dedup_key if recipient is None else f"{dedup_key}:to:{recipient}"
        with self.db.write() as conn:
            return self._enqueue(
                conn, key, kind, None, route, route.region, message, first_try, recipient=recipient
            )

    def _enqueue(
        self,
        conn: Connection,
        key: str,
        kind: str,
        alert_id: int | None,
        route: Route,
        region: str,
        message: Message,
        first_try: dt.datetime,
        *,
        recipient: str | None = None,
    ) -> int:
        statement = (
            _upsert(conn)(DELIVERIES)
            .values(
                recipient=recipient,
                dedup_key=key,
                kind=kind,
                token=secrets.token_hex(16),
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
            .returning(DELIVERIES.c.id)
        )
        # Counted from RETURNING: psycopg reports rowcount -1 for an insert that returns.
        return len(conn.execute(statement).all())

    def alert_facts(self, alert_id: int) -> AlertFacts | None:
        """The alert of ``alert_id`` with its case's current state and dues, or None when
        either no longer exists."""
        alerts, cases = ALERTS, CASES
        query = (
            select(
                alerts.c.level,
                alerts.c.due_kind,
                alerts.c.closed_at,
                alerts.c.closed_reason,
                cases.c.case_no,
                cases.c.region,
                cases.c.office,
                cases.c.item_key,
                cases.c.state,
                cases.c.accept_due,
                cases.c.promised_due,
                cases.c.statutory_due,
                cases.c.stage_due,
                cases.c.promised_warn_at,
                cases.c.statutory_warn_at,
                cases.c.delivery_due,
            )
            .join(cases, cases.c.id == alerts.c.case_id)
            .where(alerts.c.id == alert_id)
        )
        with self.db.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        m = dict(row._mapping)
        closed = m.pop("closed_at") is not None
        return AlertFacts(**m, closed=closed)

    def newer_digest(self, delivery: Delivery) -> bool:
        """Whether a later digest was queued for the delivery's route (which then tells the
        supervisor everything this one would)."""
        table = DELIVERIES
        query = (
            select(table.c.id)
            .where(
                table.c.route_id == delivery.route.id,
                table.c.kind == "digest",
                table.c.id > delivery.id,
            )
            .limit(1)
        )
        with self.db.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def retry_failed(self, *, now: dt.datetime, delivery_id: int | None = None) -> int:
        """Queue parked deliveries again (all, or the one of ``delivery_id``), due at once
        (sent at the region's next office hours); returns how many."""
        query = (
            update(DELIVERIES)
            .where(DELIVERIES.c.status == "failed")
            .values(status="pending", next_attempt_at=now, lease_owner=None, lease_until=None)
        )
        if delivery_id is not None:
            query = query.where(DELIVERIES.c.id == delivery_id)
        with self.db.write() as conn:
            return int(conn.execute(query).rowcount or 0)

    def deliveries(self, status: str | None = None) -> list[dict[str, Any]]:
        """The delivery queue, for people (`jingban alerts deliveries`)."""
        table = DELIVERIES
        query = select(table).order_by(table.c.id)
        if status is not None:
            query = query.where(table.c.status == status)
        with self.db.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

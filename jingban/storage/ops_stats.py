"""Figures an operator watches, read from the stores' tables (for `GET /metrics`): actions
and refused attempts by kind, alerts raised by level, the last deadline scan, deliveries by
status. Each is one aggregate query; nothing here writes.

These are the database's own totals, the same from every server process, so a scrape of any
worker behind a load balancer reports the whole office; what only a process knows (its
requests) is counted by the API itself (`jingban.api.metrics`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from jingban.storage.database import Database
from jingban.storage.models import ALERTS, AUDIT, DELIVERIES, REFUSALS, SCANS

__all__ = ["LastScan", "OpsStats"]


@dataclass(frozen=True, slots=True)
class LastScan:
    """The most recent finished deadline scan: when it ran, how long it took, what it did."""

    finished_at: dt.datetime
    seconds: float
    new_alerts: int
    closed_alerts: int


class OpsStats:
    """Aggregate reads over the case, audit, alert, scan and delivery tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _grouped(self, column, table) -> dict[str, int]:  # type: ignore[no-untyped-def]
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(column, func.count()).select_from(table).group_by(column))
            return {str(key): int(n) for key, n in rows}

    def actions(self) -> dict[str, int]:
        """Recorded actions (audit records, registrations included) by action key."""
        return self._grouped(AUDIT.c.action, AUDIT)

    def refusals(self) -> dict[str, int]:
        """Refused attempts (kept outside the chains) by the action that was refused."""
        return self._grouped(REFUSALS.c.action, REFUSALS)

    def alerts(self) -> dict[str, int]:
        """Alerts ever raised, by level (a re-run scan never raises one twice)."""
        return self._grouped(ALERTS.c.level, ALERTS)

    def open_alerts(self) -> dict[str, int]:
        """Alerts not closed yet, by level."""
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                select(ALERTS.c.level, func.count())
                .where(ALERTS.c.closed_at.is_(None))
                .group_by(ALERTS.c.level)
            )
            return {str(level): int(n) for level, n in rows}

    def deliveries(self) -> dict[str, int]:
        """Alert and digest deliveries by status (pending, sent, failed …)."""
        return self._grouped(DELIVERIES.c.status, DELIVERIES)

    def scans(self) -> int:
        """Deadline scans recorded (each scheduled slot once)."""
        with self.db.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(SCANS)).scalar_one())

    def last_scan(self) -> LastScan | None:
        """The latest finished scan, or None before the first."""
        with self.db.engine.connect() as conn:
            row = conn.execute(
                select(
                    SCANS.c.started_at,
                    SCANS.c.finished_at,
                    SCANS.c.new_alerts,
                    SCANS.c.closed_alerts,
                )
                .where(SCANS.c.finished_at.is_not(None))
                .order_by(SCANS.c.finished_at.desc(), SCANS.c.id.desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        seconds = max((row.finished_at - row.started_at).total_seconds(), 0.0)
        return LastScan(row.finished_at, seconds, int(row.new_alerts), int(row.closed_alerts))

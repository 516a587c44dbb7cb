"""The alerts the deadline scan recorded, as people read them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from sqlalchemy import select

from jingban.calendar import WorkCalendar
from jingban.engine.deadlines import working_days_left
from jingban.errors import BadInput
from jingban.storage.database import Database
from jingban.storage.models import ALERTS, CASES, SCANS
from jingban.storage.scan import LEVELS, AlertView
from jingban.workflows import Catalog

__all__ = ["AlertStore", "last_scan"]

_ORDER = {level: i for i, level in enumerate(reversed(LEVELS))}


class AlertStore:
    """Reads the stored alerts of one database, with the working days left of each."""

    def __init__(
        self, db: Database, calendars: Callable[[str], WorkCalendar], catalog: Catalog
    ) -> None:
        self.db = db
        self.calendars = calendars
        self.catalog = catalog

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
        or all with None). Raises `BadInput` for an unknown level."""
        if level is not None and level not in LEVELS:
            raise BadInput(f"未知级别 {level!r}；可用: {'、'.join(LEVELS)}")
        alerts = ALERTS
        query = select(alerts).order_by(alerts.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        for column, value in (("level", level), ("region", region), ("office", office)):
            if value is not None:
                query = query.where(alerts.c[column] == value)
        if open_only:
            query = query.where(alerts.c.closed_at.is_(None))
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
        return sorted(views, key=lambda v: (_ORDER[v.level], v.working_days_left, v.case_no))

    def item_names(self, case_nos: Iterable[str]) -> dict[str, str]:
        """Case number → item name, in one query per 500 cases (names from the catalog; the
        item key where the catalog no longer has the item)."""
        numbers = list(dict.fromkeys(case_nos))
        names: dict[str, str] = {}
        with self.db.engine.connect() as conn:
            for start in range(0, len(numbers), 500):
                chunk = numbers[start : start + 500]
                query = select(CASES.c.case_no, CASES.c.region, CASES.c.item_key).where(
                    CASES.c.case_no.in_(chunk)
                )
                for case_no, region, item_key in conn.execute(query):
                    try:
                        names[case_no] = self.catalog.item(region, item_key).name
                    except BadInput:
                        names[case_no] = item_key
        return names


def last_scan(db: Database) -> tuple[dt.datetime, dt.datetime] | None:
    """The latest finished deadline scan as (as of, finished at), or None: read only."""
    scans = SCANS
    query = (
        select(scans.c.as_of, scans.c.finished_at)
        .where(scans.c.finished_at.is_not(None))
        .order_by(scans.c.as_of.desc(), scans.c.id.desc())
        .limit(1)
    )
    with db.engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else (row[0], row[1])

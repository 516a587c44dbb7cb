"""The on-time report (按时办结率) per item: the figure supervisors are judged on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select

from jingban.calendar import BEIJING
from jingban.errors import BadInput
from jingban.storage.database import Database
from jingban.storage.models import CaseRow
from jingban.workflows import Catalog

CASES = CaseRow.__table__


@dataclass(frozen=True, slots=True)
class OnTimeRow:
    """Completed cases of one item in the period: within the promised limit, within the
    statutory limit (but not the promised one), and late."""

    region: str
    item_key: str
    item_name: str
    completed: int
    within_promised: int
    within_statutory: int
    late: int

    @property
    def on_time_rate(self) -> float | None:
        """Share completed within the statutory limit (按时办结率), or None with no cases."""
        if not self.completed:
            return None
        return (self.within_promised + self.within_statutory) / self.completed

    @property
    def promised_rate(self) -> float | None:
        return None if not self.completed else self.within_promised / self.completed


class ReportStore:
    """The reports supervisors read, over one database (item names from ``catalog``)."""

    def __init__(self, db: Database, catalog: Catalog) -> None:
        self.db = db
        self.catalog = catalog

    def on_time(
        self,
        *,
        region: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        office: str | None = None,
    ) -> list[OnTimeRow]:
        """The on-time report: see `on_time_report`."""
        return on_time_report(
            self.db, self.catalog, region=region, start=start, end=end, office=office
        )


def on_time_report(
    db: Database,
    catalog: Catalog,
    *,
    region: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    office: str | None = None,
) -> list[OnTimeRow]:
    """Per item, the cases completed (办结, approved or denied) between ``start`` and ``end``
    inclusive (Beijing dates), classified against their promised and statutory dues; only
    the cases of ``office`` when given. Bounds far in the past or future (before 2000, after
    2099) simply leave that side of the period open."""
    if start is not None and start.year < 2000:
        start = None
    if end is not None and end.year > 2099:
        end = None
    within_promised = or_(
        CASES.c.promised_due.is_(None), CASES.c.completed_at <= CASES.c.promised_due
    )
    within_statutory = or_(
        CASES.c.statutory_due.is_(None), CASES.c.completed_at <= CASES.c.statutory_due
    )
    query = (
        select(
            CASES.c.region,
            CASES.c.item_key,
            func.count(),
            func.sum(case((within_promised, 1), else_=0)),
            func.sum(case((and_(within_statutory, ~within_promised), 1), else_=0)),
            func.sum(case((within_statutory, 0), else_=1)),
        )
        .where(CASES.c.state == "completed")
        .group_by(CASES.c.region, CASES.c.item_key)
        .order_by(CASES.c.region, CASES.c.item_key)
    )
    if region is not None:
        query = query.where(CASES.c.region == region)
    if office is not None:
        query = query.where(CASES.c.office == office)
    if start is not None:
        query = query.where(
            CASES.c.completed_at >= dt.datetime.combine(start, dt.time.min, BEIJING)
        )
    if end is not None:
        after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, BEIJING)
        query = query.where(CASES.c.completed_at < after)
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    out = []
    for region_key, item_key, total, promised, statutory, late in rows:
        try:
            name = catalog.item(region_key, item_key).name
        except BadInput:
            name = item_key
        out.append(
            OnTimeRow(
                region_key,
                item_key,
                name,
                int(total),
                int(promised or 0),
                int(statutory or 0),
                int(late or 0),
            )
        )
    return out

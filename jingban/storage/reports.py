"""The on-time report (按时办结率) per item: the figure supervisors are judged on.

A case completed inside an extended limit (延期办结: after the statutory due it had before its
first extension, within the extended one) is counted as ``extended``, never as on time. A
case whose payment was reversed (冲正) and never made again has not reached 办结 by payment, so
the report, which counts 办结 only, does not count it either.

The report reads each case's timing from ``report_facts`` (`jingban.storage.report_facts`,
written by the action that completes the case, in its own unit): one GROUP BY over an index
of small rows, never the cases' wide rows and their extension records.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from jingban.errors import BadInput
from jingban.storage.database import Database
from jingban.storage.models_reports import REPORT_FACTS
from jingban.storage.report_facts import day_number
from jingban.workflows import Catalog


@dataclass(frozen=True, slots=True)
class OnTimeRow:
    """Completed cases of one item in the period: within the promised limit, within the
    statutory limit (but not the promised one), within an extended limit only (延期办结),
    and late. The four add up to ``completed``."""

    region: str
    item_key: str
    item_name: str
    completed: int
    within_promised: int
    within_statutory: int
    late: int
    extended: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Share completed within the statutory limit (按时办结率), or None with no cases."""
        if not self.completed:
            return None
        return (self.within_promised + self.within_statutory) / self.completed

    @property
    def promised_rate(self) -> float | None:
        return None if not self.completed else self.within_promised / self.completed

    @property
    def extended_rate(self) -> float | None:
        """Share completed only within an extended limit (延期办结率), or None with no cases."""
        return None if not self.completed else self.extended / self.completed


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
    inclusive (Beijing dates), classified against their promised and statutory dues (a case
    completed after the statutory due it had before its first extension, within the
    extended one, as ``extended``); only the cases of ``office`` when given. Bounds far in
    the past or future (before 2000, after 2099) simply leave that side of the period
    open. Raises `BadInput` when ``start`` is after ``end`` (an empty period is a mistake,
    not a report of nothing)."""
    if start is not None and end is not None and start > end:
        raise BadInput(f"统计期间有误: 起始日期 {start} 晚于截止日期 {end}")
    if start is not None and start.year < 2000:
        start = None
    if end is not None and end.year > 2099:
        end = None
    f = REPORT_FACTS.c
    query = select(f.region, f.item_key, f.timing, func.count()).where(f.ended == "completed")
    if region is not None:
        query = query.where(f.region == region)
    if office is not None:
        query = query.where(f.office == office)
    if start is not None:
        query = query.where(f.ended_day >= day_number(start))
    if end is not None:
        query = query.where(f.ended_day <= day_number(end))
    query = query.group_by(f.region, f.item_key, f.timing)
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    tallies: dict[tuple[str, str], Counter[int]] = {}
    for region_key, item_key, timing, n in rows:
        tallies.setdefault((region_key, item_key), Counter())[int(timing)] += int(n)
    out = []
    for (region_key, item_key), tally in sorted(tallies.items()):
        try:
            name = catalog.item(region_key, item_key).name
        except BadInput:
            name = item_key
        out.append(
            OnTimeRow(
                region_key,
                item_key,
                name,
                sum(tally.values()),
                tally[1],
                tally[2],
                tally[4],
                tally[3],
            )
        )
    return out

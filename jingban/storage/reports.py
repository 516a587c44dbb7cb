"""The on-time report (按时办结率) per item: the figure supervisors are judged on.

A case completed inside an extended limit (延期办结: after the statutory due it had before its
first extension, within the extended one) is counted as ``extended``, never as on time. A
case whose payment was reversed (冲正) and never made again has not reached 办结 by payment, so
the report, which counts 办结 only, does not count it either.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select

from jingban.calendar import BEIJING
from jingban.errors import BadInput
from jingban.storage.database import Database
from jingban.storage.models import AUDIT, CASES
from jingban.storage.timecodec import aware, from_json_time
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
    query = _period(query, region, office, start, end)
    extended_query = _period(
        select(
            CASES.c.region,
            CASES.c.item_key,
            CASES.c.case_no,
            CASES.c.completed_at,
            CASES.c.promised_due,
            CASES.c.statutory_due,
            AUDIT.c.payload,
        )
        .select_from(CASES.join(AUDIT, AUDIT.c.case_no == CASES.c.case_no))
        .where(CASES.c.state == "completed", AUDIT.c.action == "extend", ~AUDIT.c.refused),
        region,
        office,
        start,
        end,
    )
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
        extended_rows = conn.execute(extended_query).all()
    moved = _extended(extended_rows)
    out = []
    for region_key, item_key, total, promised, statutory, late in rows:
        try:
            name = catalog.item(region_key, item_key).name
        except BadInput:
            name = item_key
        from_promised = moved[(region_key, item_key, "promised")]
        from_statutory = moved[(region_key, item_key, "statutory")]
        out.append(
            OnTimeRow(
                region_key,
                item_key,
                name,
                int(total),
                int(promised or 0) - from_promised,
                int(statutory or 0) - from_statutory,
                int(late or 0),
                from_promised + from_statutory,
            )
        )
    return out


def _period(
    query: Select[Any],
    region: str | None,
    office: str | None,
    start: dt.date | None,
    end: dt.date | None,
) -> Select[Any]:
    """``query`` narrowed to the cases of ``region`` and ``office`` completed in the period."""
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
    return query


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else aware(value)


def _extended(rows: Sequence[Any]) -> Counter[tuple[str, str, str]]:
    """Of completed cases' extension records, the cases completed within an extended limit
    only: (region, item, "promised" | "statutory") → how many of them the main count put
    under that heading (they move to ``extended``). The limit a case had before it was
    extended is the ``limit_before`` of its first extension; a record without one (written
    before extensions recorded it) counts the case as extended whenever it was completed
    after its promised due."""
    first: dict[str, tuple[Any, dt.datetime | None]] = {}
    for row in rows:
        payload = json.loads(row.payload)
        before = from_json_time(payload.get("limit_before"))
        seen = first.get(row.case_no)
        if seen is None or (before is not None and (seen[1] is None or before < seen[1])):
            first[row.case_no] = (row, before)
    moved: Counter[tuple[str, str, str]] = Counter()
    for row, before in first.values():
        completed = _aware(row.completed_at)
        promised, statutory = _aware(row.promised_due), _aware(row.statutory_due)
        if completed is None or statutory is None or completed > statutory:
            continue  # late even after the extension: counted as late already
        within_promised = promised is None or completed <= promised
        original = before if before is not None else promised
        if original is not None and completed <= original:
            continue  # done within the limit it had before the extension: on time
        moved[(row.region, row.item_key, "promised" if within_promised else "statutory")] += 1
    return moved

"""The figures of the reports offices hand in (`jingban.office_reports`): the `Flow` of a
period per group — whole months summed from ``report_months``, the days around them and
every staff figure counted from ``report_facts`` by indexed GROUP BY queries — and the
`Backlog` of the cases open now (`jingban.storage.report_flow` defines both). Groups are
keyed by the columns asked for: region, office, item, month (YYYY-MM) or member of staff.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, select

from jingban.calendar import BEIJING
from jingban.storage.database import Database
from jingban.storage.models import CASES
from jingban.storage.models_reports import REPORT_FACTS as F
from jingban.storage.models_reports import REPORT_MONTHS
from jingban.storage.report_facts import SUMS, day_number
from jingban.storage.report_flow import AGE_BUCKETS, Backlog, Flow, total, whole_months

__all__ = ["AGE_BUCKETS", "GROUPS", "Backlog", "Flow", "ReportFigures", "total", "whole_months"]

GROUPS = ("region", "office", "item", "month", "staff")


def _group(by: str, day: ColumnElement[int], person: ColumnElement[str]) -> list[Any]:
    if by == "region":
        return [F.c.region]
    if by == "office":
        return [F.c.region, F.c.office]
    if by == "item":
        return [F.c.region, F.c.item_key]
    if by == "month":
        return [day // 100]
    if by == "staff":
        return [F.c.region, person]
    raise ValueError(f"unknown group {by!r}")


def _key(row: Any, width: int, by: str) -> tuple[Any, ...]:
    key = tuple(row[:width])
    if by == "month":
        month = int(key[0])
        return (f"{month // 100:04d}-{month % 100:02d}",)
    return key


class ReportFigures:
    """The report figures over one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def flow(
        self,
        start: dt.date,
        end: dt.date,
        by: str,
        *,
        region: str | None = None,
        office: str | None = None,
        item: str | None = None,
        staff: str | None = None,
        rollup: bool = True,
    ) -> dict[tuple[Any, ...], Flow]:
        """Group key → `Flow` of the cases received, accepted or ended from ``start`` to
        ``end`` (Beijing days, inclusive), of the scope given. By ``staff`` a case's
        acceptance counts for its acceptor and its end for whoever ended it; nothing is
        received by anyone. The whole months of the period are read from ``report_months``
        (unless ``rollup`` is false), the days before and after them from the facts."""
        out: dict[tuple[Any, ...], Flow] = {}
        scope = {"region": region, "office": office, "item": item}
        months = (
            None if by == "staff" or staff is not None or not rollup else whole_months(start, end)
        )
        spans = [(start, end)] if months is None else months[2]
        with self.db.engine.connect() as conn:
            for a, b in spans:
                self._facts_flow(conn, out, day_number(a), day_number(b), by, scope, staff)
            if months is not None and months[0] <= months[1]:
                self._months_flow(conn, out, months[0], months[1], by, scope)
        return out

    def _months_flow(
        self,
        conn: Connection,
        out: dict[tuple[Any, ...], Flow],
        first: int,
        last: int,
        by: str,
        scope: dict[str, str | None],
    ) -> None:
        m = REPORT_MONTHS.c
        group = {
            "region": [m.region],
            "office": [m.region, m.office],
            "item": [m.region, m.item_key],
            "month": [m.month],
        }[by]
        query = (
            select(*group, m.measure, *(func.sum(m[c]) for c in SUMS))
            .where(m.month.between(first, last))
            .group_by(*group, m.measure)
        )
        for column, value in (("region", m.region), ("office", m.office), ("item", m.item_key)):
            if scope[column] is not None:
                query = query.where(value == scope[column])
        width = len(group)
        for row in conn.execute(query):
            flow = out.setdefault(_key(row, width, by), Flow())
            measure, sums = row[width], tuple(row[width + 1 :])
            kind, _, timing = measure.partition(":")
            flow.count(kind, int(timing or 0), sums)

    def _facts_flow(
        self,
        conn: Connection,
        out: dict[tuple[Any, ...], Flow],
        a: int,
        b: int,
        by: str,
        scope: dict[str, str | None],
        staff: str | None,
    ) -> None:
        where = self._scope(scope["region"], scope["office"], scope["item"])

        def at(key: tuple[Any, ...]) -> Flow:
            return out.setdefault(key, Flow())

        used_known = F.c.used_days >= 0
        with_limit = and_(used_known, F.c.limit_days > 0)
        ratio = F.c.used_days * 1.0 / case((F.c.limit_days > 0, F.c.limit_days), else_=1)
        group = _group(by, F.c.ended_day, F.c.completer)
        ended = (
            select(
                *group,
                F.c.ended,
                F.c.timing,
                func.count(),
                func.sum(F.c.early),
                func.sum(case((used_known, F.c.used_days), else_=0)),
                func.sum(case((used_known, 1), else_=0)),
                func.sum(case((with_limit, ratio), else_=0.0)),
                func.sum(case((with_limit, 1), else_=0)),
            )
            .where(F.c.ended_day.between(a, b), *where)
            .group_by(*group, F.c.ended, F.c.timing)
        )
        if staff is not None:
            ended = ended.where(F.c.completer == staff)
        width = len(group)
        for row in conn.execute(ended):
            flow = at(_key(row, width, by))
            state, timing, sums = row[width], row[width + 1], tuple(row[width + 2 :])
            flow.count(state, int(timing), sums)
        for day, person, attr in (
            (F.c.accepted_day, F.c.acceptor, "accepted"),
            (F.c.received_day, None, "received"),
        ):
            if by == "staff" and person is None:
                continue
            grouped = _group(by, day, person if person is not None else F.c.acceptor)
            query = select(*grouped, func.count()).where(day.between(a, b), *where)
            query = query.group_by(*grouped)
            if staff is not None and person is not None:
                query = query.where(person == staff)
            for row in conn.execute(query):
                at(_key(row, width, by)).count(attr, 0, (row[-1], 0, 0, 0, 0.0, 0))

    def backlog(
        self,
        now: dt.datetime,
        by: str,
        *,
        region: str | None = None,
        office: str | None = None,
        item: str | None = None,
    ) -> dict[tuple[Any, ...], Backlog]:
        """Group key → `Backlog` of the cases open at ``now`` (by region, office or item)."""
        if by not in ("region", "office", "item"):
            raise ValueError(f"a backlog is grouped by region, office or item, not {by!r}")
        today = now.astimezone(BEIJING).date()
        bounds = [
            day_number(today - dt.timedelta(days=limit)) if limit is not None else None
            for limit, _ in AGE_BUCKETS
        ]
        group = _group(by, F.c.received_day, F.c.acceptor)
        buckets = []
        upper = None
        for bound in bounds:
            inside = F.c.received_day >= bound if bound is not None else F.c.received_day > -1
            if upper is not None:
                inside = and_(inside, F.c.received_day < upper)
            buckets.append(func.sum(case((inside, 1), else_=0)))
            upper = bound
        query = (
            select(*group, func.count(), *buckets)
            .where(F.c.ended_day == 0, *self._scope(region, office, item))
            .group_by(*group)
        )
        groups: dict[str, list[Any]] = {
            "region": [CASES.c.region],
            "office": [CASES.c.region, func.coalesce(CASES.c.office, "")],
            "item": [CASES.c.region, CASES.c.item_key],
        }
        cases_group = groups[by]
        overdue = (
            select(*cases_group, func.count())
            .where(CASES.c.running, CASES.c.statutory_due < now)
            .group_by(*cases_group)
        )
        if region is not None:
            overdue = overdue.where(CASES.c.region == region)
        if office is not None:
            overdue = overdue.where(CASES.c.office == office)
        if item is not None:
            overdue = overdue.where(CASES.c.item_key == item)
        width = len(group)
        out: dict[tuple[Any, ...], Backlog] = {}
        with self.db.engine.connect() as conn:
            for row in conn.execute(query):
                found = out.setdefault(tuple(row[:width]), Backlog())
                found.open += row[width]
                for (_, label), n in zip(AGE_BUCKETS, row[width + 1 :], strict=True):
                    found.ages[label] += int(n or 0)
            for row in conn.execute(overdue):
                out.setdefault(tuple(row[:width]), Backlog()).overdue += row[width]
        return out

    def missing(self) -> int:
        """How many cases have no report facts (stored before them: ``jingban report
        rebuild`` decides them). Counts only when the two tables' sizes differ."""
        with self.db.engine.connect() as conn:
            cases = conn.execute(select(func.count()).select_from(CASES)).scalar_one()
            facts = conn.execute(select(func.count()).select_from(F)).scalar_one()
        return max(int(cases) - int(facts), 0)

    @staticmethod
    def _scope(
        region: str | None, office: str | None, item: str | None
    ) -> list[ColumnElement[bool]]:
        where = []
        if region is not None:
            where.append(F.c.region == region)
        if office is not None:
            where.append(F.c.office == office)
        if item is not None:
            where.append(F.c.item_key == item)
        return where

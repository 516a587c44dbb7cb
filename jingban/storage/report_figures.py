"""The figures of the reports offices hand in (`jingban.report`), counted from the report
facts (`jingban.storage.models_reports`) by indexed GROUP BY queries, and from the open
cases.

`Flow` holds the counts of one group over a period — received, accepted, ended and how
each completion stood against its limits — and the rates derived from them. `Backlog` holds
the cases open at a moment: how many, how old (natural days since receipt) and how many of
those whose clock runs are already past their statutory due (在办超期). Groups are keyed by
the columns asked for: region, office, item, month (YYYY-MM) or member of staff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from jingban.calendar import BEIJING
from jingban.storage.database import Database
from jingban.storage.models import CASES
from jingban.storage.models_reports import REPORT_FACTS as F
from jingban.storage.report_facts import day_number

GROUPS = ("region", "office", "item", "month", "staff")
AGE_BUCKETS = ((7, "7日以内"), (30, "8至30日"), (90, "31至90日"), (None, "90日以上"))
"""Backlog ages: natural days since receipt, at most the bound (None: any older)."""


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


@dataclass(slots=True)
class Flow:
    """The cases of one group in a period: received, accepted and ended in it (办结 by how
    they stood against their limits, 不予受理, 撤回); the working days the completions used
    (``used_total`` over ``used_counted``) and their share of the promised limit (``ratio_total``
    over ``ratio_counted``, cases with a limit of at least a working day)."""

    received: int = 0
    accepted: int = 0
    completed: int = 0
    not_accepted: int = 0
    withdrawn: int = 0
    within_promised: int = 0
    within_statutory: int = 0
    extended: int = 0
    late: int = 0
    early: int = 0
    used_total: int = 0
    used_counted: int = 0
    ratio_total: float = 0.0
    ratio_counted: int = 0

    def add(self, other: Flow) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率: completed within the statutory limit (promised or not)."""
        return _rate(self.within_promised + self.within_statutory, self.completed)

    @property
    def promised_rate(self) -> float | None:
        """承诺时限内办结率."""
        return _rate(self.within_promised, self.completed)

    @property
    def early_rate(self) -> float | None:
        """提前办结率: completed at least a working day before the promised due."""
        return _rate(self.early, self.completed)

    @property
    def late_rate(self) -> float | None:
        """超期办结率."""
        return _rate(self.late, self.completed)

    @property
    def extended_rate(self) -> float | None:
        """延期办结率."""
        return _rate(self.extended, self.completed)

    @property
    def speedup_rate(self) -> float | None:
        """提速率: 1 − the average share of the promised limit the completions used."""
        return None if not self.ratio_counted else 1 - self.ratio_total / self.ratio_counted

    @property
    def average_days(self) -> float | None:
        """平均办理用时: working days used per completion."""
        return None if not self.used_counted else self.used_total / self.used_counted

    def as_dict(self) -> dict[str, Any]:
        counts = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("used_total", "used_counted", "ratio_total", "ratio_counted")
        }
        return {
            **counts,
            "on_time_rate": self.on_time_rate,
            "promised_rate": self.promised_rate,
            "early_rate": self.early_rate,
            "speedup_rate": self.speedup_rate,
            "average_days": self.average_days,
            "late_rate": self.late_rate,
            "extended_rate": self.extended_rate,
        }


@dataclass(slots=True)
class Backlog:
    """Cases open at a moment: ``open`` in all, by age (`AGE_BUCKETS` labels → count), and
    ``overdue`` (在办超期): running and past their statutory due."""

    open: int = 0
    ages: dict[str, int] = field(default_factory=lambda: {b[1]: 0 for b in AGE_BUCKETS})
    overdue: int = 0

    def add(self, other: Backlog) -> None:
        self.open += other.open
        self.overdue += other.overdue
        for label, n in other.ages.items():
            self.ages[label] += n

    def as_dict(self) -> dict[str, Any]:
        return {"open": self.open, "overdue": self.overdue, "ages": dict(self.ages)}


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
    ) -> dict[tuple[Any, ...], Flow]:
        """Group key → `Flow` of the cases received, accepted or ended from ``start`` to
        ``end`` (Beijing days, inclusive), of the scope given. By ``staff`` a case's
        acceptance counts for its acceptor and its end for whoever ended it; nothing is
        received by anyone."""
        a, b = day_number(start), day_number(end)
        scope = self._scope(region, office, item)
        out: dict[tuple[Any, ...], Flow] = {}

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
            .where(F.c.ended_day.between(a, b), *scope)
            .group_by(*group, F.c.ended, F.c.timing)
        )
        if staff is not None:
            ended = ended.where(F.c.completer == staff)
        width = len(group)
        with self.db.engine.connect() as conn:
            for row in conn.execute(ended):
                flow = at(_key(row, width, by))
                state, timing, n, early, used, counted, ratios, with_ratio = row[width:]
                if state == "completed":
                    flow.completed += n
                    flow.early += int(early or 0)
                    flow.used_total += int(used or 0)
                    flow.used_counted += int(counted or 0)
                    flow.ratio_total += float(ratios or 0)
                    flow.ratio_counted += int(with_ratio or 0)
                    name = {1: "within_promised", 2: "within_statutory", 3: "extended"}
                    attr = name.get(int(timing), "late")
                    setattr(flow, attr, getattr(flow, attr) + n)
                elif state == "not_accepted":
                    flow.not_accepted += n
                elif state == "withdrawn":
                    flow.withdrawn += n
            for day, person, attr in (
                (F.c.accepted_day, F.c.acceptor, "accepted"),
                (F.c.received_day, None, "received"),
            ):
                if by == "staff" and person is None:
                    continue
                grouped = _group(by, day, person if person is not None else F.c.acceptor)
                query = (
                    select(*grouped, func.count())
                    .where(day.between(a, b), *scope)
                    .group_by(*grouped)
                )
                if staff is not None and person is not None:
                    query = query.where(person == staff)
                for row in conn.execute(query):
                    setattr(flow := at(_key(row, width, by)), attr, getattr(flow, attr) + row[-1])
        return out

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


def total(groups: Iterable[Flow]) -> Flow:
    """The sum of several groups' flows."""
    out = Flow()
    for flow in groups:
        out.add(flow)
    return out

"""The values of the report figures (`jingban.storage.report_figures`): `Flow`, the cases of
one group over a period and the rates offices are judged on, with how each rate is
defined; `Backlog`, the cases open at a moment by age; and the split of a period into
whole months (read from ``report_months``) and the days around them (read from the facts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from jingban.storage.report_facts import TIMINGS

AGE_BUCKETS = ((7, "7日以内"), (30, "8至30日"), (90, "31至90日"), (None, "90日以上"))
"""Backlog ages: natural days since receipt, at most the bound (None: any older)."""


_COUNTED = frozenset({"received", "accepted", "not_accepted", "withdrawn", *TIMINGS.values()})


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

    def count(self, measure: str, timing: int, sums: tuple[Any, ...]) -> None:
        """Add a group of cases: ``measure`` received, accepted, completed (its ``timing``,
        a `jingban.storage.report_facts.TIMINGS` key) or an end (not_accepted, withdrawn);
        ``sums`` are their count, early ones, days used and counted, share of the limit
        used and counted (NULL sums from SQL read as 0)."""
        n, early, used, counted, ratios, with_ratio = (v or 0 for v in sums)
        if measure == "completed":
            self.completed += int(n)
            self.early += int(early)
            self.used_total += int(used)
            self.used_counted += int(counted)
            self.ratio_total += float(ratios)
            self.ratio_counted += int(with_ratio)
            measure = TIMINGS.get(timing, "late")
        if measure in _COUNTED:
            setattr(self, measure, getattr(self, measure) + int(n))

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


def whole_months(start: dt.date, end: dt.date) -> tuple[int, int, list[tuple[dt.date, dt.date]]]:
    """The whole calendar months inside ``start``…``end`` (first and last as YYYYMM; the
    first after the last when there is none) and the spans of days outside them."""
    first = start if start.day == 1 else _next_month(start)
    after = (
        end + dt.timedelta(days=1) if (end + dt.timedelta(days=1)).day == 1 else end.replace(day=1)
    )
    if first >= after:
        return 1, 0, [(start, end)]
    last = after - dt.timedelta(days=1)
    spans = []
    if start < first:
        spans.append((start, first - dt.timedelta(days=1)))
    if after <= end:
        spans.append((after, end))
    return first.year * 100 + first.month, last.year * 100 + last.month, spans


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def total(groups: Iterable[Flow]) -> Flow:
    """The sum of several groups' flows."""
    out = Flow()
    for flow in groups:
        out.add(flow)
    return out

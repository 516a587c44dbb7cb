"""Parts of the calendar benchmark: timing helpers, the independent reference tables, the
contenders beside ours, and the cold build in fresh interpreters."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

import holidays
import numpy as np

from jingban.calendar import _days


@dataclass
class Timing:
    best: float  # ns per call
    median: float


@dataclass
class Row:
    contender: str
    n: str
    timing: Timing
    ours: Timing | None = None  # the row "x ours" is relative to
    target: str = ""
    met: str = ""

    def ratio(self) -> str:
        return "" if self.ours is None else f"{self.timing.best / self.ours.best:.2f}"


def measure(run: Callable[[], object], calls: int, repeat: int, number: int = 1) -> Timing:
    """Best and median of ``repeat`` timings of ``number`` runs of ``run``, per call."""
    runs = timeit.Timer(run).repeat(repeat=repeat, number=number)
    per_call = [t / number / calls * 1e9 for t in runs]
    return Timing(min(per_call), statistics.median(per_call))


def loop2(f: Callable, xs: Sequence, y: object) -> Callable[[], None]:
    def run() -> None:
        for x in xs:
            f(x, y)

    return run


def loop_pairs(f: Callable, pairs: Sequence[tuple]) -> Callable[[], None]:
    def run() -> None:
        for a, b in pairs:
            f(a, b)

    return run


def ns(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def yes(ok_best: bool, ok_median: bool) -> str:
    return f"{'yes' if ok_best else 'NO'}/{'yes' if ok_median else 'NO'}"


# -- the independent reference tables ----------------------------------------------------


def reference_tables(china: holidays.HolidayBase):
    """Working flags of the span from holidays.China, the bare prefix tables, numpy forms."""
    first, last = _days.SPAN_FIRST, _days.SPAN_LAST
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    working = [1 if china.is_working_day(d) else 0 for d in days]
    cum = list(accumulate(working))  # cum[i]: working days among days 0..i
    nth: list[dt.date | None] = [None]  # nth[k]: the kth working day (1-based)
    nth.extend(d for d, w in zip(days, working, strict=True) if w)
    off = [d for d, w in zip(days, working, strict=True) if not w]
    np_working = np.asarray(working, dtype=np.int64)
    np_cum = np.cumsum(np_working)
    np_nth = np.concatenate(([-1], np.flatnonzero(np_working))).astype(np.int64)
    return working, cum, nth, off, np_cum, np_nth


# -- the cold build, in fresh interpreters ----------------------------------------------

COLD = """
import json, time
t0 = time.perf_counter()
from jingban.calendar.workcalendar import WorkCalendar
t1 = time.perf_counter()
WorkCalendar.for_region({region!r})
t2 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1]))
"""


def cold_builds(runs: int, region: str) -> tuple[Timing, Timing]:
    """(first build, import + first build) in ms, each over ``runs`` fresh processes."""
    builds, totals = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", COLD.format(region=region)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        imp, build = json.loads(out)
        builds.append(build * 1e3)
        totals.append((imp + build) * 1e3)
    return (
        Timing(min(builds), statistics.median(builds)),
        Timing(min(totals), statistics.median(totals)),
    )


# -- the contenders beside ours ---------------------------------------------------------


class Contenders:
    """Every way of answering "the Nth working day after d" and "working days in (a, b]"
    that the benchmark times beside ours: the bare prefix tables (plain Python and numpy),
    numpy's busday functions, and the holidays library, all built from holidays.China."""

    def __init__(self) -> None:
        self.china = holidays.China(years=range(_days.SPAN_FIRST.year, _days.SPAN_LAST.year + 1))
        self.working, self.cum, self.nth, self.off, self.np_cum, self.np_nth = reference_tables(
            self.china
        )
        self.base = _days.SPAN_FIRST.toordinal()
        self.base64 = np.datetime64(_days.SPAN_FIRST, "D")
        self.busdaycal = np.busdaycalendar(weekmask="1111111", holidays=self.off)
        self.off64 = np.asarray(self.off, dtype="datetime64[D]")

    def bare_add(self, d: dt.date, n: int) -> dt.date | None:
        return self.nth[self.cum[d.toordinal() - self.base] + n]

    def bare_between(self, a: dt.date, b: dt.date) -> int:
        """Working days x with a < x <= b; for b < a, minus those with b <= x < a (the rule
        `WorkCalendar.working_days_between` documents)."""
        ia, ib = a.toordinal() - self.base, b.toordinal() - self.base
        if ib >= ia:
            return self.cum[ib] - self.cum[ia]
        return (self.cum[ib] - self.working[ib]) - (self.cum[ia] - self.working[ia])

    def np_gather(self, days: np.ndarray, n: int) -> np.ndarray:
        return self.base64 + self.np_nth[self.np_cum[(days - self.base64).astype(np.int64)] + n]

    def busday_offset(self, d: dt.date, n: int) -> np.datetime64:
        # roll="backward": a non-working d moves back to the last working day before it,
        # from which the Nth working day is the Nth working day strictly after d.
        return np.busday_offset(d, n, roll="backward", busdaycal=self.busdaycal)

    def busday_offset_many(self, days: np.ndarray, n: int) -> np.ndarray:
        return np.busday_offset(days, n, roll="backward", busdaycal=self.busdaycal)

    def busday_offset_holidays(self, d: dt.date, n: int) -> np.datetime64:
        return np.busday_offset(d, n, roll="backward", weekmask="1111111", holidays=self.off64)

    def busday_count(self, a: dt.date, b: dt.date) -> int:
        # busday_count counts a <= x < b; ours counts a < x <= b.
        one = dt.timedelta(days=1)
        return int(np.busday_count(a + one, b + one, busdaycal=self.busdaycal))

    def holidays_count(self, a: dt.date, b: dt.date) -> int:
        # get_working_days_count counts start <= x <= end (b > a here).
        return self.china.get_working_days_count(a + dt.timedelta(days=1), b)


def empty_call(a: object, b: object) -> None:
    return None

"""Benchmark of the working-day calendar against the alternatives, all in one run.

Run from the repository root:

    .venv/bin/python bench/bench_calendar.py            # full run (about a minute)
    .venv/bin/python bench/bench_calendar.py --quick    # fewer inputs and repeats

Contenders, all on the same random start dates (2024-2026) and N = 5, 20, 60:

- ours: ``WorkCalendar.for_region("sichuan").add_working_days`` / ``.working_days_between``
  and the vectorised ``add_working_days_many``;
- ``holidays.China(...).get_nth_working_day`` (and ``get_working_days_count``), which walk
  day by day;
- ``numpy.busday_offset`` / ``numpy.busday_count`` with weekmask 1111111 and every
  non-working date of the span as a holiday (passed once as a ``busdaycalendar``; one row
  shows the cost of passing ``holidays=`` on every call), scalar and vectorised;
- a bare prefix table in plain Python (a list of cumulative counts and a list of working
  dates, one ``toordinal()`` and two list lookups), and its numpy gather form.

The bare tables and the numpy holiday list are built independently of ``jingban``, from
``holidays.China.is_working_day``; every contender's answers are checked equal on all the
inputs before anything is timed. Times are the best and the median of ``--repeat`` runs
(``timeit``), in nanoseconds per call (vectorised rows: per date). "x ours" is the
contender's time divided by ours for the same operation and N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
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
from jingban.calendar.workcalendar import WorkCalendar

NS = (5, 20, 60)
FIRST_START = dt.date(2024, 1, 1)
LAST_START = dt.date(2026, 12, 31)
REGION = "sichuan"
BUILD_REGION = "kashgar"

# The targets of the issue.
HOLIDAYS_SPEEDUP = 100.0  # add_working_days at N = 20 vs get_nth_working_day
BARE_FACTOR = 3.0  # add_working_days vs the bare prefix table
BETWEEN_NS = 300.0  # working_days_between
GATHER_FACTOR = 2.0  # add_working_days_many vs the numpy prefix-table gather
BUSDAY_VEC_SPEEDUP = 14.0  # add_working_days_many vs vectorised busday_offset
BUILD_MS = 10.0  # building a region's calendar


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


def cold_builds(runs: int) -> tuple[Timing, Timing]:
    """(first build, import + first build) in ms, each over ``runs`` fresh processes."""
    builds, totals = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", COLD.format(region=BUILD_REGION)],
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


# -- the run ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="random start dates")
    parser.add_argument("--repeat", type=int, default=7, help="timing runs per contender")
    parser.add_argument("--cold", type=int, default=5, help="fresh processes for a cold build")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--quick", action="store_true", help="2,000 dates, 3 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.count, args.repeat, args.cold = 2_000, 3, 3
    count, repeat = args.count, args.repeat

    # The cold build first, in fresh interpreters, so nothing here warms it.
    cold_build, cold_total = cold_builds(args.cold)

    cal = WorkCalendar.for_region(REGION)
    china = holidays.China(years=range(_days.SPAN_FIRST.year, _days.SPAN_LAST.year + 1))
    _working, cum, nth, off, np_cum, np_nth = reference_tables(china)
    base = _days.SPAN_FIRST.toordinal()
    base64 = np.datetime64(_days.SPAN_FIRST, "D")
    busdaycal = np.busdaycalendar(weekmask="1111111", holidays=off)
    off64 = np.asarray(off, dtype="datetime64[D]")

    def bare_add(d: dt.date, n: int, cum=cum, nth=nth, base=base) -> dt.date | None:
        return nth[cum[d.toordinal() - base] + n]

    def bare_between(a: dt.date, b: dt.date, cum=cum, base=base) -> int:
        return cum[b.toordinal() - base] - cum[a.toordinal() - base]

    def np_gather(days: np.ndarray, n: int) -> np.ndarray:
        return base64 + np_nth[np_cum[(days - base64).astype(np.int64)] + n]

    def empty_call(a: object, b: object) -> None:
        return None

    def busday_offset(d: dt.date, n: int) -> np.datetime64:
        # roll="backward": a non-working d moves back to the last working day before it,
        # from which the Nth working day is the Nth working day strictly after d.
        return np.busday_offset(d, n, roll="backward", busdaycal=busdaycal)

    def busday_offset_holidays(d: dt.date, n: int) -> np.datetime64:
        return np.busday_offset(d, n, roll="backward", weekmask="1111111", holidays=off64)

    def busday_count(a: dt.date, b: dt.date) -> int:
        # busday_count counts a <= x < b; ours counts a < x <= b.
        one = dt.timedelta(days=1)
        return int(np.busday_count(a + one, b + one, busdaycal=busdaycal))

    def holidays_count(a: dt.date, b: dt.date) -> int:
        # get_working_days_count counts start <= x <= end (b > a here).
        return china.get_working_days_count(a + dt.timedelta(days=1), b)

    rng = random.Random(args.seed)
    span = (LAST_START - FIRST_START).days
    starts = [FIRST_START + dt.timedelta(days=rng.randint(0, span)) for _ in range(count)]
    pairs = [(a, a + dt.timedelta(days=rng.randint(1, 120))) for a in starts]
    anywhere = [
        (FIRST_START + dt.timedelta(days=rng.randint(0, span)), b) for _a, b in pairs
    ]  # either order, for the correctness check only
    starts64 = np.asarray(starts, dtype="datetime64[D]")

    # -- the same answers everywhere, before any timing ----------------------------------
    for n in NS:
        expect = [cal.add_working_days(d, n) for d in starts]
        assert expect == [bare_add(d, n) for d in starts], n
        assert expect == [china.get_nth_working_day(d, n) for d in starts], n
        assert expect == [busday_offset(d, n).astype(dt.date) for d in starts], n
        vec = np.busday_offset(starts64, n, roll="backward", busdaycal=busdaycal)
        assert expect == vec.tolist(), n
        assert expect == np_gather(starts64, n).tolist(), n
        assert expect == cal.add_working_days_many(starts64, n).tolist(), n
        assert busday_offset(starts[0], n) == busday_offset_holidays(starts[0], n)
    expect_count = [cal.working_days_between(a, b) for a, b in pairs]
    assert expect_count == [bare_between(a, b) for a, b in pairs]
    assert expect_count == [busday_count(a, b) for a, b in pairs]
    assert expect_count == [holidays_count(a, b) for a, b in pairs]
    # Either order: ours against the bare table, and numpy when begin <= end. With
    # begin > end numpy counts weekmask days over [end, begin) but takes the holidays off
    # over (end, begin], so it is off by one whenever exactly one of the two ends is a
    # holiday; that is only reported, it is not a contender's answer we time.
    expect_count = [cal.working_days_between(a, b) for a, b in anywhere]
    assert expect_count == [bare_between(a, b) for a, b in anywhere]
    numpy_reversed_off = 0
    for (a, b), want in zip(anywhere, expect_count, strict=True):
        if a <= b:
            assert busday_count(a, b) == want
        else:
            assert -busday_count(b, a) == want
            numpy_reversed_off += busday_count(a, b) != want
    non_working = sum(1 for d in starts if not cal.is_working_day(d))

    # -- timing ----------------------------------------------------------------------------
    rows: list[Row] = []
    floor = measure(loop2(empty_call, starts, 0), count, repeat)
    rows.append(Row("(loop + empty call: the floor)", "-", floor))

    ours_add: dict[int, Timing] = {}
    for n in NS:
        ours = measure(loop2(cal.add_working_days, starts, n), count, repeat)
        ours_add[n] = ours
        rows.append(Row("ours add_working_days", str(n), ours))
        bare = measure(loop2(bare_add, starts, n), count, repeat)
        factor_b = ours.best / bare.best
        factor_m = ours.median / bare.median
        rows.append(
            Row(
                "bare prefix table (plain Python)",
                str(n),
                bare,
                ours,
                f"ours <= {BARE_FACTOR:g}x this",
                yes(factor_b <= BARE_FACTOR, factor_m <= BARE_FACTOR),
            )
        )
        hol = measure(loop2(china.get_nth_working_day, starts, n), count, repeat)
        if n == 20:
            target = f">= {HOLIDAYS_SPEEDUP:g}x ours"
            met = yes(
                hol.best / ours.best >= HOLIDAYS_SPEEDUP,
                hol.median / ours.median >= HOLIDAYS_SPEEDUP,
            )
        else:
            target = met = ""
        rows.append(Row("holidays get_nth_working_day", str(n), hol, ours, target, met))
        bd = measure(loop2(busday_offset, starts, n), count, repeat)
        rows.append(Row("numpy busday_offset scalar", str(n), bd, ours))
        if n == 20:
            few = starts[: max(1, count // 20)]
            bdh = measure(loop2(busday_offset_holidays, few, n), len(few), repeat)
            rows.append(Row("numpy busday_offset, holidays= per call", str(n), bdh, ours))

    ours_between = measure(loop_pairs(cal.working_days_between, pairs), count, repeat)
    rows.append(
        Row(
            "ours working_days_between",
            "1-120d",
            ours_between,
            None,
            f"<= {BETWEEN_NS:g} ns",
            yes(ours_between.best <= BETWEEN_NS, ours_between.median <= BETWEEN_NS),
        )
    )
    rows.append(
        Row(
            "bare prefix table (plain Python)",
            "1-120d",
            measure(loop_pairs(bare_between, pairs), count, repeat),
            ours_between,
        )
    )
    rows.append(
        Row(
            "numpy busday_count scalar",
            "1-120d",
            measure(loop_pairs(busday_count, pairs), count, repeat),
            ours_between,
        )
    )
    rows.append(
        Row(
            "holidays get_working_days_count",
            "1-120d",
            measure(loop_pairs(holidays_count, pairs), count, max(1, repeat // 2)),
            ours_between,
        )
    )

    # Vectorised: one call on all the start dates; times per date.
    number = max(1, 200_000 // count)
    for n in NS:
        ours_many = measure(
            lambda n=n: cal.add_working_days_many(starts64, n), count, repeat, number
        )
        rows.append(Row("ours add_working_days_many", str(n), ours_many))
        gather = measure(lambda n=n: np_gather(starts64, n), count, repeat, number)
        rows.append(
            Row(
                "numpy prefix-table gather",
                str(n),
                gather,
                ours_many,
                f"ours <= {GATHER_FACTOR:g}x this",
                yes(
                    ours_many.best / gather.best <= GATHER_FACTOR,
                    ours_many.median / gather.median <= GATHER_FACTOR,
                ),
            )
        )
        bdv = measure(
            lambda n=n: np.busday_offset(starts64, n, roll="backward", busdaycal=busdaycal),
            count,
            repeat,
            number,
        )
        rows.append(
            Row(
                "numpy busday_offset vectorised",
                str(n),
                bdv,
                ours_many,
                f">= {BUSDAY_VEC_SPEEDUP:g}x ours",
                yes(
                    bdv.best / ours_many.best >= BUSDAY_VEC_SPEEDUP,
                    bdv.median / ours_many.median >= BUSDAY_VEC_SPEEDUP,
                ),
            )
        )
    b_first, b_last = (
        starts64,
        starts64 + np.asarray([(b - a).days for a, b in pairs], dtype="timedelta64[D]"),
    )
    rows.append(
        Row(
            "numpy busday_count vectorised",
            "1-120d",
            measure(
                lambda: np.busday_count(b_first + 1, b_last + 1, busdaycal=busdaycal),
                count,
                repeat,
                number,
            ),
        )
    )

    # Building a region's calendar (ms): cold in fresh processes, warm here.
    WorkCalendar.for_region(BUILD_REGION)
    warm = measure(lambda: WorkCalendar.for_region(BUILD_REGION), 1, max(repeat, 10))
    warm = Timing(warm.best / 1e6, warm.median / 1e6)

    # -- report ------------------------------------------------------------------------------
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"holidays {holidays.__version__}; {count:,} random start dates "
        f"{FIRST_START}..{LAST_START} ({non_working:,} non-working), seed {args.seed}, "
        f"best/median of {repeat} runs"
    )
    print(
        f"region {REGION}; all contenders agree on all inputs for N = "
        f"{', '.join(map(str, NS))} (checked before timing)"
    )
    reversed_pairs = sum(1 for a, b in anywhere if a > b)
    print(
        f"note: numpy busday_count(begin > end) differs from -busday_count(end, begin) on "
        f"{numpy_reversed_off:,} of {reversed_pairs:,} reversed pairs (holidays at the ends)"
    )
    print()
    head = ("contender", "N", "ns best", "ns median", "x ours", "target", "met b/m")
    widths = (40, 6, 9, 10, 8, 19, 7)
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    vector_started = False
    for row in rows:
        if row.contender.startswith("ours add_working_days_many") and not vector_started:
            vector_started = True
            print("-- vectorised, one call on all dates; ns per date")
        cells = (
            row.contender,
            row.n,
            ns(row.timing.best),
            ns(row.timing.median),
            row.ratio(),
            row.target,
            row.met,
        )
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    print(
        "x ours: the contender's best time over ours (same operation and N); met b/m: the "
        "target met on the best / on the median."
    )
    print(
        f"holidays= per call: busday_offset given the {len(off64):,} holidays on every call, "
        f"timed on the first {max(1, count // 20):,} dates only."
    )
    print()
    print(f"building WorkCalendar.for_region({BUILD_REGION!r}), ms     best   median  target")
    for label, t in (
        ("cold: first build in a fresh process", cold_build),
        ("cold: import jingban.calendar + first build", cold_total),
        ("warm: later builds in the same process", warm),
    ):
        met = yes(t.best <= BUILD_MS, t.median <= BUILD_MS)
        print(f"  {label:<46}{t.best:7.1f}  {t.median:7.1f}  <= {BUILD_MS:g} ms: {met}")


if __name__ == "__main__":
    main()

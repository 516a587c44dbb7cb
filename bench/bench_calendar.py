"""Benchmark of the working-day calendar against the alternatives, all in one run.

Run from the repository root:

    .venv/bin/python bench/bench_calendar.py            # full run (about a minute)
    .venv/bin/python bench/bench_calendar.py --quick    # fewer inputs and repeats

Contenders, all on the same random start dates (2024-2026) and N = 5, 20, 60:

- ours: ``WorkCalendar.for_region("sichuan").add_working_days`` / ``.working_days_between``
  and the vectorised ``add_working_days_many`` (``_calendar_vector.VectorCalendar``, built
  from the calendar's own answers; only this benchmark uses it);
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
import platform
import random
from collections.abc import Sequence
from dataclasses import dataclass

import holidays
import numpy as np
from _calendar_parts import (
    Contenders,
    Row,
    Timing,
    cold_builds,
    empty_call,
    loop2,
    loop_pairs,
    measure,
    ns,
    yes,
)
from _calendar_vector import VectorCalendar

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


# -- the run ------------------------------------------------------------------------------


@dataclass
class Inputs:
    starts: list[dt.date]  # random start dates
    pairs: list[tuple[dt.date, dt.date]]  # (a, a + 1..120 days)
    anywhere: list[tuple[dt.date, dt.date]]  # either order, for the correctness check only
    starts64: np.ndarray


def make_inputs(count: int, seed: int) -> Inputs:
    rng = random.Random(seed)
    span = (LAST_START - FIRST_START).days
    starts = [FIRST_START + dt.timedelta(days=rng.randint(0, span)) for _ in range(count)]
    pairs = [(a, a + dt.timedelta(days=rng.randint(1, 120))) for a in starts]
    anywhere = [(FIRST_START + dt.timedelta(days=rng.randint(0, span)), b) for _a, b in pairs]
    return Inputs(starts, pairs, anywhere, np.asarray(starts, dtype="datetime64[D]"))


def check_answers(cal: WorkCalendar, c: Contenders, inputs: Inputs) -> int:
    """Assert every contender gives our answers on all inputs; returns on how many reversed
    pairs numpy's busday_count(begin > end) is off (reported, not timed)."""
    starts, starts64 = inputs.starts, inputs.starts64
    for n in NS:
        expect = [cal.add_working_days(d, n) for d in starts]
        assert expect == [c.bare_add(d, n) for d in starts], n
        assert expect == [c.china.get_nth_working_day(d, n) for d in starts], n
        assert expect == [c.busday_offset(d, n).astype(dt.date) for d in starts], n
        assert expect == c.busday_offset_many(starts64, n).tolist(), n
        assert expect == c.np_gather(starts64, n).tolist(), n
        assert expect == VectorCalendar(cal).add_working_days_many(starts64, n).tolist(), n
        assert c.busday_offset(starts[0], n) == c.busday_offset_holidays(starts[0], n)
    expect_count = [cal.working_days_between(a, b) for a, b in inputs.pairs]
    assert expect_count == [c.bare_between(a, b) for a, b in inputs.pairs]
    assert expect_count == [c.busday_count(a, b) for a, b in inputs.pairs]
    assert expect_count == [c.holidays_count(a, b) for a, b in inputs.pairs]
    # Either order: ours against the bare table, and against numpy's busday_count, which
    # counts begin <= x < end, so -busday_count(b, a) is ours for b < a. Called with
    # begin > end, numpy counts weekmask days over [end, begin) but takes the holidays off
    # over (end, begin], so it is off by one whenever exactly one of the two ends is a
    # holiday; that is only reported, it is not a contender's answer we time.
    expect_count = [cal.working_days_between(a, b) for a, b in inputs.anywhere]
    assert expect_count == [c.bare_between(a, b) for a, b in inputs.anywhere]
    numpy_reversed_off = 0
    for (a, b), want in zip(inputs.anywhere, expect_count, strict=True):
        if a <= b:
            assert c.busday_count(a, b) == want
        else:
            assert -int(np.busday_count(b, a, busdaycal=c.busdaycal)) == want
            numpy_reversed_off += int(np.busday_count(a, b, busdaycal=c.busdaycal)) != want
    return numpy_reversed_off


def _faster(label: str, factor: float, slow: Timing, fast: Timing) -> tuple[str, str]:
    """A target "slow >= factor x fast" and whether it is met (best / median)."""
    met = yes(slow.best / fast.best >= factor, slow.median / fast.median >= factor)
    return label, met


def scalar_rows(cal: WorkCalendar, c: Contenders, inputs: Inputs, repeat: int) -> list[Row]:
    """Per-call timings in a Python loop over the inputs (ns per call)."""
    starts, pairs, count = inputs.starts, inputs.pairs, len(inputs.starts)
    rows = [
        Row(
            "(loop + empty call: the floor)",
            "-",
            measure(loop2(empty_call, starts, 0), count, repeat),
        )
    ]
    for n in NS:
        ours = measure(loop2(cal.add_working_days, starts, n), count, repeat)
        rows.append(Row("ours add_working_days", str(n), ours))
        bare = measure(loop2(c.bare_add, starts, n), count, repeat)
        target = f"ours <= {BARE_FACTOR:g}x this"
        met = yes(ours.best / bare.best <= BARE_FACTOR, ours.median / bare.median <= BARE_FACTOR)
        rows.append(Row("bare prefix table (plain Python)", str(n), bare, ours, target, met))
        hol = measure(loop2(c.china.get_nth_working_day, starts, n), count, repeat)
        target, met = (
            _faster(f">= {HOLIDAYS_SPEEDUP:g}x ours", HOLIDAYS_SPEEDUP, hol, ours)
            if n == 20
            else ("", "")
        )
        rows.append(Row("holidays get_nth_working_day", str(n), hol, ours, target, met))
        bd = measure(loop2(c.busday_offset, starts, n), count, repeat)
        rows.append(Row("numpy busday_offset scalar", str(n), bd, ours))
        if n == 20:
            few = starts[: max(1, count // 20)]
            bdh = measure(loop2(c.busday_offset_holidays, few, n), len(few), repeat)
            rows.append(Row("numpy busday_offset, holidays= per call", str(n), bdh, ours))
    between = measure(loop_pairs(cal.working_days_between, pairs), count, repeat)
    met = yes(between.best <= BETWEEN_NS, between.median <= BETWEEN_NS)
    rows.append(
        Row("ours working_days_between", "1-120d", between, None, f"<= {BETWEEN_NS:g} ns", met)
    )
    for label, f, runs in (
        ("bare prefix table (plain Python)", c.bare_between, repeat),
        ("numpy busday_count scalar", c.busday_count, repeat),
        ("holidays get_working_days_count", c.holidays_count, max(1, repeat // 2)),
    ):
        rows.append(Row(label, "1-120d", measure(loop_pairs(f, pairs), count, runs), between))
    return rows


def vector_rows(cal: WorkCalendar, c: Contenders, inputs: Inputs, repeat: int) -> list[Row]:
    """One call on all the start dates; times per date."""
    starts64, count = inputs.starts64, len(inputs.starts)
    number = max(1, 200_000 // count)
    rows = []
    vector = VectorCalendar(cal)
    for n in NS:
        ours = measure(lambda n=n: vector.add_working_days_many(starts64, n), count, repeat, number)
        rows.append(Row("ours add_working_days_many", str(n), ours))
        gather = measure(lambda n=n: c.np_gather(starts64, n), count, repeat, number)
        met = yes(
            ours.best / gather.best <= GATHER_FACTOR, ours.median / gather.median <= GATHER_FACTOR
        )
        rows.append(
            Row(
                "numpy prefix-table gather",
                str(n),
                gather,
                ours,
                f"ours <= {GATHER_FACTOR:g}x this",
                met,
            )
        )
        bdv = measure(lambda n=n: c.busday_offset_many(starts64, n), count, repeat, number)
        target, met = _faster(f">= {BUSDAY_VEC_SPEEDUP:g}x ours", BUSDAY_VEC_SPEEDUP, bdv, ours)
        rows.append(Row("numpy busday_offset vectorised", str(n), bdv, ours, target, met))
    last = starts64 + np.asarray([(b - a).days for a, b in inputs.pairs], dtype="timedelta64[D]")
    counted = measure(
        lambda: np.busday_count(starts64 + 1, last + 1, busdaycal=c.busdaycal),
        count,
        repeat,
        number,
    )
    rows.append(Row("numpy busday_count vectorised", "1-120d", counted))
    return rows


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
    cold_build, cold_total = cold_builds(args.cold, BUILD_REGION)
    cal = WorkCalendar.for_region(REGION)
    contenders = Contenders()
    inputs = make_inputs(count, args.seed)
    numpy_reversed_off = check_answers(cal, contenders, inputs)
    non_working = sum(1 for d in inputs.starts if not cal.is_working_day(d))
    rows = scalar_rows(cal, contenders, inputs, repeat) + vector_rows(
        cal, contenders, inputs, repeat
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
    reversed_pairs = sum(1 for a, b in inputs.anywhere if a > b)
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
        f"holidays= per call: busday_offset given the {len(contenders.off64):,} holidays on every "
        "call, "
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

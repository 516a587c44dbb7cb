"""Benchmark of the deadline scan over a million open cases, beside the bare indexed queries.

Run from the repository root (PostgreSQL rows need a server; the test one will do):

    eval "$(.ci/pg-start)"                            # exports JINGBAN_TEST_PG_URL
    .venv/bin/python bench/bench_scan.py              # 1,000,000 cases (several minutes)
    .venv/bin/python bench/bench_scan.py --quick      # 100,000 cases

Per backend (a SQLite file in a temporary directory; a PostgreSQL database ``jingban_bench``
on the server of ``--pg-url``, default $JINGBAN_BENCH_PG_URL, else $JINGBAN_TEST_PG_URL), both
created, migrated by ``Database(url)`` and removed again by this script:

1. fill ``cases`` with synthetic open cases by bulk INSERT (SQLite ``executemany``, 50,000 rows a
   transaction; PostgreSQL ``COPY``), every column valid for the schema: case numbers with
   their check character, valid identity numbers, ``data`` the JSON the store writes for a
   case of that item. Dues are office close of working days of the region's calendar, from a
   month before the scan instant to about nine months after it; warning instants are
   ``jingban.engine.deadlines.warn_at`` (3 working days). Then ANALYZE (PostgreSQL: VACUUM
   ANALYZE), as a live database would have;
2. time, as of the scan instant: the bare indexed range queries, the same six SELECTs of
   ``jingban.storage.scan.RULES`` on the raw driver (through the rules' partial indexes, as
   the scan names them to SQLite) returning ids only, and returning the five columns the scan
   reads; ``scan(db, calendars, as_of, dry_run=True)``, and the same with its views built;
   the recording scan on an empty alerts table (a full scan: inserts every alert), again
   in full and incrementally (nothing new), and incrementally after 1,000 cases were queued
   as written; loading every open case into Python (driver tuples, then the six rules
   evaluated in Python) and as ORM objects (a class mapped onto ``CASES``, with ``--orm``);
3. check that the dry scan, the recording scan, the bare queries and the Python filter find
   the same (case, level, due kind) alerts, that the later recording scans add and close
   nothing (and empty the queue), and the holiday boundary: three extra sichuan cases
   with promises due just after 国庆 2026, scanned as of 2026-09-29 09:00: the one due
   2026-10-09 is inside its 3-working-day window (which spans ten calendar days), the ones due
   10-10 and 10-12 are not;
4. print EXPLAIN QUERY PLAN (SQLite) and EXPLAIN ANALYZE (PostgreSQL) of one rule.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy
from _pg import pg_drop, pg_recreate, pg_version
from _scan_data import (
    AS_OF,
    HOLIDAY_AS_OF,
    HOLIDAY_DUES,
    OPEN_STATES,
    calendar,
    fill,
    templates,
)
from _scan_parts import Bare, clear_alerts, pend, pending, python_filter
from sqlalchemy import select
from sqlalchemy.orm import Session, registry

from jingban.calendar import BEIJING
from jingban.engine import format_case_number
from jingban.engine.deadlines import warn_at
from jingban.storage import Database
from jingban.storage.models import CASES
from jingban.storage.scan import RULES, scan

PG_DATABASE = "jingban_bench"
TARGET_FACTOR = 2.0  # the scan within 2x of the bare query
WRITES = 1_000  # cases written between two scans, for the incremental row


@dataclass
class Timing:
    best: float  # milliseconds
    median: float


def _orm_case_class() -> type:
    """A class mapped onto the ``cases`` table, for the ORM contender (the models are Core
    tables)."""

    class CaseObject:
        pass

    registry().map_imperatively(CaseObject, CASES)
    return CaseObject


def measure(run: Callable[[], Any], repeat: int) -> Timing:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        runs.append((time.perf_counter() - t0) * 1e3)
    return Timing(min(runs), statistics.median(runs))


# -- synthetic cases ----------------------------------------------------------------------


# -- contenders ---------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    hits: int
    fill_s: float
    rows: dict[str, Timing]
    counts: dict[str, int]
    plans: list[str]
    checks: list[tuple[str, bool]]


def bench_backend(name: str, url: str, n: int, repeat: int, seed: int, orm: bool) -> Result:
    Database(url).dispose()
    fill_s = fill(url, n, seed)
    db = Database(url, migrate=False)
    bare = Bare(url)
    rows: dict[str, Timing] = {}
    counts: dict[str, int] = {}
    checks: list[tuple[str, bool]] = []

    bare.ids(AS_OF)  # warm the caches alike for everyone
    rows["bare 6 SELECTs, ids"] = measure(lambda: bare.ids(AS_OF), repeat)
    found_ids = bare.ids(AS_OF)
    counts["bare"] = sum(len(x) for x in found_ids)
    rows["bare 6 SELECTs, 5 columns"] = measure(lambda: bare.tuples(AS_OF), repeat)
    bare_set = {
        (r[1], rule.level, rule.due_kind)
        for rule, rs in zip(RULES, bare.tuples(AS_OF), strict=True)
        for r in rs
    }

    scan(db, calendar, AS_OF, dry_run=True)
    rows["scan, dry run (hits)"] = measure(lambda: scan(db, calendar, AS_OF, dry_run=True), repeat)
    rows["scan, dry run + views (days left, sorted)"] = measure(
        lambda: scan(db, calendar, AS_OF, dry_run=True).alerts, repeat
    )
    dry = scan(db, calendar, AS_OF, dry_run=True)
    dry_set = {(v.case_no, v.level, v.due_kind) for v in dry.alerts}
    counts["dry"] = len(dry.alerts)
    checks.append(("dry scan = bare queries", dry_set == bare_set))

    first: list[float] = []
    new_counts = []
    for i in range(repeat):
        clear_alerts(url)
        t0 = time.perf_counter()
        recorded = scan(db, calendar, AS_OF, slot=f"bench-first-{i}", now=AS_OF)
        first.append((time.perf_counter() - t0) * 1e3)
        new_counts.append(recorded.count)
    rows["scan, recording: first run (full)"] = Timing(min(first), statistics.median(first))
    counts["recorded"] = new_counts[-1]
    checks.append(
        (
            "recording scan raises exactly those",
            {(v.case_no, v.level, v.due_kind) for v in recorded.alerts} == bare_set,
        )
    )
    quiet: list[int] = []
    for label, full in (("full", True), ("incremental", False)):
        again: list[float] = []
        for i in range(repeat):
            t0 = time.perf_counter()
            second = scan(db, calendar, AS_OF, slot=f"bench-{label}-{i}", now=AS_OF, full=full)
            again.append((time.perf_counter() - t0) * 1e3)
            quiet.append(second.count + second.closed + (second.incremental == full))
        rows[f"scan, recording again, {label} (nothing new)"] = Timing(
            min(again), statistics.median(again)
        )
    checks.append(("a second recording scan adds and closes nothing", not any(quiet)))
    written: list[float] = []
    for i in range(repeat):
        pend(url, WRITES, seed + i)
        t0 = time.perf_counter()
        after = scan(db, calendar, AS_OF, slot=f"bench-written-{i}", now=AS_OF)
        written.append((time.perf_counter() - t0) * 1e3)
        quiet.append(after.count + after.closed + (not after.incremental) + pending(url))
    rows[f"scan, recording, incremental after {WRITES:,} writes"] = Timing(
        min(written), statistics.median(written)
    )
    checks.append(
        (
            f"after {WRITES:,} cases written (queued, unchanged): nothing new or closed, "
            "queue emptied",
            not any(quiet),
        )
    )

    loaded: list[Any] = []
    description: list[str] = []

    def load() -> None:
        loaded[:], description[:] = bare.load_all()

    rows["load every open case (driver tuples)"] = measure(load, 1)
    t0 = time.perf_counter()
    in_python = python_filter(loaded, description, bare.bind(AS_OF))
    filter_ms = (time.perf_counter() - t0) * 1e3
    load_ms = rows["load every open case (driver tuples)"]
    rows["  … + the six rules in Python"] = Timing(
        load_ms.best + filter_ms, load_ms.median + filter_ms
    )
    counts["open"] = len(loaded)
    checks.append(("Python filter over every case = bare queries", in_python == bare_set))
    loaded.clear()
    gc.collect()
    if orm:
        case_class = _orm_case_class()

        def load_orm() -> None:
            with Session(db.engine) as session:
                query = select(case_class).where(CASES.c.state.in_(OPEN_STATES))
                objects = session.scalars(query).all()
                counts["orm"] = len(objects)

        rows["load every open case (ORM objects)"] = measure(load_orm, 1)
        gc.collect()

    # The holiday boundary: as of 2026-09-29 09:00, only the case due 10-09 is yellow.
    holiday = scan(db, calendar, HOLIDAY_AS_OF, dry_run=True)
    yellow = {v.case_no: v for v in holiday.alerts if v.level == "yellow"}
    bare_holiday = bare.tuples(HOLIDAY_AS_OF)
    yellow_rule = next(i for i, r in enumerate(RULES) if r.level == "yellow")
    bare_yellow = {r[1] for r in bare_holiday[yellow_rule]}
    ok = True
    for seq, (_day, expected) in enumerate(HOLIDAY_DUES, start=1):
        number = format_case_number("sichuan", dt.date(2026, 9, 1), 90_000 + seq)
        ok &= (number in yellow) == expected and (number in bare_yellow) == expected
        if expected:
            ok &= yellow[number].working_days_left == 3
    window = warn_at(calendar("sichuan"), calendar("sichuan").office_close(HOLIDAY_DUES[0][0]), 3)
    span = (HOLIDAY_DUES[0][0] - window.astimezone(BEIJING).date()).days
    checks.append(
        (
            f"国庆: due 10-09 yellow on 09-29 (window from {window.astimezone(BEIJING):%m-%d}, "
            f"{span} calendar days, 3 working days left), due 10-10 and 10-12 not",
            ok,
        )
    )
    plans = bare.explain(RULES[-1], AS_OF)
    bare.close()
    db.dispose()
    return Result(name, counts["bare"], fill_s, rows, counts, plans, checks)


# -- databases and the run ----------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="synthetic open cases")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each scan")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("JINGBAN_BENCH_PG_URL") or os.environ.get("JINGBAN_TEST_PG_URL"),
        help="a PostgreSQL server (SQLAlchemy URL); its database is not touched",
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--orm", action="store_true", help="also load every open case as ORM objects (slow)"
    )
    parser.add_argument("--quick", action="store_true", help="100,000 cases, 3 runs")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.repeat = 100_000, 3
    started = time.perf_counter()
    results: list[Result] = []
    tmp = tempfile.mkdtemp(prefix="jingban-bench-")
    try:
        url = f"sqlite:///{os.path.join(tmp, 'scan.db')}"
        results.append(bench_backend("SQLite", url, args.cases, args.repeat, args.seed, args.orm))
        shutil.rmtree(tmp, ignore_errors=True)
        if args.pg_url and not args.no_pg:
            try:
                pg = pg_recreate(args.pg_url, PG_DATABASE)
                results.append(
                    bench_backend("PostgreSQL", pg, args.cases, args.repeat, args.seed, args.orm)
                )
            finally:
                pg_drop(args.pg_url, PG_DATABASE)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, SQLAlchemy "
        f"{sqlalchemy.__version__}"
        + (f", PostgreSQL {pg_version(args.pg_url)}" if len(results) > 1 else "")
    )
    print(
        f"{args.cases:,} synthetic open cases (+3 holiday cases) over {len(templates())} "
        f"regions, seed {args.seed}; as of {AS_OF.astimezone(BEIJING):%Y-%m-%d %H:%M} Beijing; "
        f"best/median of {args.repeat} runs"
    )
    for r in results:
        print()
        print(
            f"{r.name}: filled in {r.fill_s:.0f} s; {r.counts['open']:,} open cases, "
            f"{r.hits:,} alerts (dry scan {r.counts['dry']:,}, first recording scan "
            f"{r.counts['recorded']:,}"
            + (f"; ORM objects {r.counts['orm']:,}" if "orm" in r.counts else "")
            + ")"
        )
        base = r.rows["bare 6 SELECTs, ids"]
        print(f"  {'contender':<42}{'ms best':>10}{'median':>10}{'x bare':>8}  target    met b/m")
        for label, t in r.rows.items():
            ratio = t.best / base.best
            target = met = ""
            if label.startswith("scan"):
                target = f"<= {TARGET_FACTOR:g}x"
                met = yes(ratio <= TARGET_FACTOR, t.median / base.median <= TARGET_FACTOR)
            print(f"  {label:<42}{ms(t.best):>10}{ms(t.median):>10}{ratio:8.1f}  {target:<9} {met}")
        for label, ok in r.checks:
            print(f"  check: {label}: {'ok' if ok else 'FAILED'}")
        rule = RULES[-1]
        print(f"  plan of rule {rule.level}/{rule.due_kind} ({rule.condition}):")
        for line in r.plans:
            print(f"    {line}")
    print("x bare: the contender's best time over the bare id query's best time.")
    print(f"\ntotal time {time.perf_counter() - started:.0f} s")


def ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def yes(ok_best: bool, ok_median: bool) -> str:
    return f"{'yes' if ok_best else 'NO'}/{'yes' if ok_median else 'NO'}"


if __name__ == "__main__":
    main()

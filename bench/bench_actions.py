"""Benchmark of case actions (open, accept, approve, pay, complete) against bare baselines.

Run from the repository root (PostgreSQL rows need a server; the test one will do):

    eval "$(.ci/pg-start)"                              # exports JINGBAN_TEST_PG_URL
    .venv/bin/python bench/bench_actions.py             # full run (a few minutes)
    .venv/bin/python bench/bench_actions.py --quick     # fewer cases, one repeat

What one run measures, on sichuan ``inpatient_reimbursement`` (open → accept → approve → pay →
complete, each action by its own actor for separation of duties):

- jingban's ``Services(Database(url)).cases`` on SQLite WAL with ``synchronous=FULL`` (the
  default), on SQLite with ``JINGBAN_SQLITE_SYNCHRONOUS=NORMAL``, and on PostgreSQL from one
  and from two client processes (each with its own cases);
- beside each, a bare baseline with raw ``sqlite3`` / ``psycopg`` doing the same reads and
  writes on the same schema (select the case row by number, update it under the version check,
  insert the audit row, commit; for open: counter upsert, insert case, insert audit), with row
  values prebuilt from the engine (so no engine work, no JSON, no hashing inside the timing);
  on SQLite also the rows the store's action effects write (notice counter, report facts and
  month tallies, exchange outbox), captured from one case taken through the store;
  on PostgreSQL in the same two round trips (autocommit; the update and the audit insert in one
  statement with a CTE);
- the durable-commit ceiling: commits per second of an empty transaction (SQLite writes
  nothing for it), of a one-row update with ``synchronous=FULL`` and NORMAL, raw
  ``os.fsync``; on PostgreSQL a one-row autocommit UPDATE and ``SELECT 1``;
- the engine alone: ``Engine.act`` on an in-memory ``Case`` against a bare ``transitions``
  trigger on a light model of a two-state Machine, and against a ``Machine(model=case)`` or
  ``add_model`` per case (time, and memory with tracemalloc);
- the resident size of one ``Case``;
- PostgreSQL round trips per action, counted from a libpq protocol trace.

Every backend run happens in fresh worker processes (``multiprocessing`` spawn) on a fresh
database: a new SQLite file in a temporary directory, or a PostgreSQL database
``jingban_bench_actions`` created and dropped on the server of ``--pg-url`` (default
$JINGBAN_BENCH_PG_URL, else $JINGBAN_TEST_PG_URL). Jingban and the baseline alternate within
each repeat; figures are the best and the median over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import time

import sqlalchemy
import transitions
from _actions_checks import (
    PG_DATABASE,
    count_round_trips,
    pg_ceilings,
    same_rows_check,
    sqlite_ceilings,
    wal_pages_per_action,
)
from _actions_common import ITEM, PHASES, REGION, STEPS, Timing, bare_engine, fmt, timing, yes
from _actions_engine import (
    catalog_pool,
    engine_bench,
    resident,
    resident_from_sqlite,
)
from _actions_runs import Backend, Run, run_clients
from _pg import pg_drop, pg_recreate, pg_version

# The targets of issue 4.
SQLITE_FULL_TARGET = 3_500  # actions/s, SQLite WAL synchronous=FULL
PG_ONE_TARGET = 2_000  # actions/s from one client
PG_TWO_FACTOR = 1.7  # two clients vs one
PG_ROUND_TRIPS = 2  # per action
ENGINE_FACTOR = 1.2  # Engine.act vs a bare transitions trigger
CASE_BYTES = 1_024  # a resident case


# -- the run ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500, help="cases per client and run")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per contender")
    parser.add_argument("--engine-cases", type=int, default=5_000, help="in-memory cases")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("JINGBAN_BENCH_PG_URL") or os.environ.get("JINGBAN_TEST_PG_URL"),
        help="a PostgreSQL server (SQLAlchemy URL); its database is not touched",
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--quick", action="store_true", help="200 cases, 1,000 in memory, 1 run")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.repeat, args.engine_cases = 200, 1, 1_000
    pg_url = None if args.no_pg else args.pg_url
    started = time.perf_counter()
    differ = same_rows_check()

    backends = [
        Backend("SQLite FULL", None, "FULL"),
        Backend("SQLite NORMAL", None, "NORMAL"),
    ]
    if pg_url:
        backends.append(Backend("PostgreSQL", pg_url))
    contenders: list[tuple[Backend, str, int]] = []
    for b in backends:
        clients = (1, 2) if b.base_url else (1,)
        for c in clients:
            contenders.append((b, "jingban", c))
            contenders.append((b, "bare", c))
    runs: dict[tuple[str, str, int], list[Run]] = {}
    try:
        for _ in range(args.repeat):
            for b, kind, clients in contenders:
                url = b.fresh()
                spec = {
                    "url": url,
                    "cases": args.cases,
                    "kind": kind,
                    "sync": b.sync,
                }
                run = run_clients(spec, clients, b.sync)
                runs.setdefault((b.name, kind, clients), []).append(run)
    finally:
        for b in backends:
            b.cleanup()

    pages = wal_pages_per_action(40)
    ceilings = sqlite_ceilings(2_000 if not args.quick else 500)
    pg_ceiling: dict[str, float] = {}
    trips: dict[str, dict[str, float]] = {}
    if pg_url:
        url = pg_recreate(pg_url, PG_DATABASE)
        try:
            pg_ceiling = pg_ceilings(url, 2_000 if not args.quick else 500)
        finally:
            pg_drop(pg_url, PG_DATABASE)
        trips = count_round_trips(pg_url, 20 if not args.quick else 5)
    eng = engine_bench(args.engine_cases, max(args.repeat, 3))

    # -- report ------------------------------------------------------------------------------
    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, SQLAlchemy "
        f"{sqlalchemy.__version__}, transitions {transitions.__version__}"
        + (f", PostgreSQL {pg_version(pg_url)} on loopback" if pg_url else ", no PostgreSQL")
    )
    print(
        f"{REGION}.{ITEM}: open, accept, approve, pay, complete; {args.cases:,} cases per client "
        f"and run ({args.cases * len(PHASES):,} actions), best/median of {args.repeat} runs"
    )
    print(
        "rows written by jingban and by the bare baseline for one case (cases and audit_events,"
        " SQLite): " + ("the same" if not differ else "DIFFER in " + ", ".join(differ))
    )
    print()
    head = ("contender", "backend", "clients", "act/s best", "median", "us/act", "x bare")
    widths = (38, 14, 7, 10, 8, 7, 6)
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    rates: dict[tuple[str, str, int], Timing] = {
        key: timing([r.rate for r in rs], higher_is_better=True) for key, rs in runs.items()
    }
    for b, kind, clients in contenders:
        key = (b.name, kind, clients)
        t = rates[key]
        bare = rates[(b.name, "bare", clients)]
        label = (
            "jingban CaseStore"
            if kind == "jingban"
            else ("bare sqlite3" if b.base_url is None else "bare psycopg")
        )
        cells = (
            label,
            b.name,
            str(clients),
            f"{t.best:,.0f}",
            f"{t.median:,.0f}",
            f"{1e6 / t.best:,.0f}",
            "" if kind == "bare" else f"{t.best / bare.best:.2f}",
        )
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    print("us/act: microseconds per action at the best rate (wall time, all clients); x bare:")
    print("the contender's best rate over the bare baseline's (below 1: slower than bare).")
    print()
    print("per action, microseconds (best run of each contender; one client)")
    print("  " + "contender".ljust(40) + "".join(p.rjust(9) for p in PHASES))
    for b, kind, clients in contenders:
        if clients != 1:
            continue
        rs = runs[(b.name, kind, clients)]
        best = max(rs, key=lambda r: r.rate)
        name = f"{kind}, {b.name}"
        print("  " + name.ljust(40) + "".join(f"{best.phase_us[p]:9,.0f}" for p in PHASES))
    syncs = {
        f"{b.name} {kind}": runs[(b.name, kind, 1)][0].synchronous
        for b in backends
        if b.base_url is None
        for kind in ("jingban", "bare")
    }
    print("  PRAGMA synchronous as seen by each SQLite contender (2 FULL, 1 NORMAL): " + str(syncs))
    print()
    print("durable-commit ceilings, commits per second")
    ceiling_rows = [
        ("SQLite empty BEGIN IMMEDIATE/COMMIT, FULL (writes nothing)", ceilings["empty FULL"]),
        ("SQLite one-row UPDATE commit, FULL", ceilings["one-row FULL"]),
        ("SQLite one-row UPDATE commit, NORMAL", ceilings["one-row NORMAL"]),
        ("os.pwrite 4 KiB + os.fsync", ceilings["fsync"]),
    ]
    if pg_ceiling:
        ceiling_rows += [
            ("PostgreSQL SELECT 1 (one round trip)", pg_ceiling["select 1"]),
            ("PostgreSQL one-row autocommit UPDATE (round trip + flush)", pg_ceiling["update"]),
        ]
    for label, value in ceiling_rows:
        print(f"  {label:<60}{value:10,.0f}")
    print()
    print("SQLite pages written to the WAL per action (40 cases, counted by checkpointing)")
    print("  " + "contender".ljust(24) + "".join(p.rjust(9) for p in (*PHASES, "actions")))
    for label, counted in pages.items():
        mean = sum(counted[a] for a, *_ in STEPS) / len(STEPS)
        cells = "".join(f"{counted[p]:9.1f}" for p in PHASES) + f"{mean:9.1f}"
        print("  " + label.ljust(24) + cells)
    if trips:
        print()
        print("PostgreSQL round trips per action (libpq trace: server ReadyForQuery messages)")
        print("  " + "contender".ljust(24) + "".join(p.rjust(9) for p in (*PHASES, "all")))
        for label, counted in trips.items():
            print("  " + label.ljust(24) + "".join(f"{counted[p]:9.2f}" for p in (*PHASES, "all")))
    print()
    print("the engine alone, microseconds per call (best / median)")
    for label, key in (
        ("Engine.open_case", "open_case"),
        *((f"Engine.act {a}", f"act {a}") for a, *_ in STEPS),
        ("Engine.act, mean of the four", "act mean"),
        ("bare trigger, 2-state Machine, light model", "bare trigger"),
        ("CompiledItem.fire (table step)", "CompiledItem.fire"),
        ("Machine(model=case) per case, per action", "Machine per case"),
        ("add_model per case (+remove), per action", "add_model per case"),
    ):
        t = eng[key]
        ratio = t.best / eng["bare trigger"].best
        print(f"  {label:<46}{t.best:8.2f} {t.median:8.2f}   x bare trigger {ratio:6.2f}")
    print(
        f"  compiled machines for {args.engine_cases:,} cases: {eng['machines']}; models "
        f"attached to it: {eng['models on the machine']}"
    )
    print(
        f"  memory per case (tracemalloc): Machine(model=case) "
        f"{eng['memory Machine per case'] / 1024:.1f} KB, add_model "
        f"{eng['memory add_model per case'] / 1024:.1f} KB, jingban Case after open "
        f"{eng['memory engine Case'] / 1024:.2f} KB"
    )
    engine = bare_engine()
    finished = eng["finished"][0]
    pool = catalog_pool(engine, finished)
    in_memory = resident(finished, {id(x) for x in pool})
    loaded = resident_from_sqlite(engine)
    loaded_pool = catalog_pool(engine, loaded)
    sizes = (
        ("completed, as the engine leaves it", in_memory),
        ("completed, as CaseStore.get loads it", resident(loaded, {id(x) for x in loaded_pool})),
        ("loaded, catalog strings shared", resident(loaded, set(), frozenset(pool))),
    )
    size_mem, size_db = sizes[0][1].total, sizes[1][1].total
    print()
    print("resident size of one Case (sys.getsizeof, recursive, each object counted once;")
    print("not counted: None, the empty tuple, bools, small ints, tzinfo, interned strings,")
    print("pooled material lists, objects the catalog or the compiled machine hold)")
    for label, size in sizes:
        print(f"  {label:<38}{size.total:6,} B  ({size.parts()})")

    # -- targets -----------------------------------------------------------------------------
    print()
    print("targets                                                       best     median  met b/m")
    checks: list[tuple[str, float, float, bool, bool]] = []
    full = rates[("SQLite FULL", "jingban", 1)]
    checks.append(
        (
            f"SQLite FULL actions/s >= {SQLITE_FULL_TARGET:,}",
            full.best,
            full.median,
            full.best >= SQLITE_FULL_TARGET,
            full.median >= SQLITE_FULL_TARGET,
        )
    )
    if pg_url:
        one = rates[("PostgreSQL", "jingban", 1)]
        two = rates[("PostgreSQL", "jingban", 2)]
        checks.append(
            (
                f"PostgreSQL 1 client actions/s >= {PG_ONE_TARGET:,}",
                one.best,
                one.median,
                one.best >= PG_ONE_TARGET,
                one.median >= PG_ONE_TARGET,
            )
        )
        checks.append(
            (
                f"PostgreSQL 2 clients >= {PG_TWO_FACTOR}x 1 client (ratio)",
                two.best / one.best,
                two.median / one.median,
                two.best / one.best >= PG_TWO_FACTOR,
                two.median / one.median >= PG_TWO_FACTOR,
            )
        )
        checks.append(
            (
                f"PostgreSQL 2 clients actions/s >= {PG_TWO_FACTOR * PG_ONE_TARGET:,.0f}",
                two.best,
                two.median,
                two.best >= PG_TWO_FACTOR * PG_ONE_TARGET,
                two.median >= PG_TWO_FACTOR * PG_ONE_TARGET,
            )
        )
        rt = trips["jingban"]["all"]
        rt_max = max(trips["jingban"][p] for p in PHASES)
        checks.append(
            (
                f"PostgreSQL round trips per action <= {PG_ROUND_TRIPS} (mean, worst)",
                rt,
                rt_max,
                rt <= PG_ROUND_TRIPS,
                rt_max <= PG_ROUND_TRIPS,
            )
        )
    act, bare = eng["act mean"], eng["bare trigger"]
    checks.append(
        (
            f"Engine.act <= {ENGINE_FACTOR}x bare trigger (ratio)",
            act.best / bare.best,
            act.median / bare.median,
            act.best / bare.best <= ENGINE_FACTOR,
            act.median / bare.median <= ENGINE_FACTOR,
        )
    )
    checks.append(
        (
            "one compiled Machine per item, no model per case",
            eng["machines"],
            eng["models on the machine"],
            eng["machines"] == 1 and eng["models on the machine"] == 0,
            eng["machines"] == 1 and eng["models on the machine"] == 0,
        )
    )
    checks.append(
        (
            f"resident case <= {CASE_BYTES:,} B (engine's, loaded)",
            size_mem,
            size_db,
            size_mem <= CASE_BYTES,
            size_db <= CASE_BYTES,
        )
    )
    for label, b, m, ok_b, ok_m in checks:
        print(f"  {label:<56}{fmt(b):>9}  {fmt(m):>9}  {yes(ok_b, ok_m)}")
    print("  (for the round trips and the resident case the two columns are mean/worst and")
    print("  engine/loaded rather than best/median)")
    print(f"\ntotal time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

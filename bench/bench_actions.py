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
import multiprocessing as mp
import os
import platform
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy
import transitions
from _actions_bare import (
    BareSQL,
    bare_act,
    bare_cycle,
    bare_open,
    bare_sqlite_connect,
    bare_template,
)
from _actions_common import (
    ITEM,
    PHASES,
    REGION,
    STEPS,
    Timing,
    bare_engine,
    fmt,
    jingban_cycle,
    jingban_store,
    pg_drop,
    pg_dsn,
    pg_recreate,
    pg_version,
    timing,
    yes,
)
from _actions_engine import (
    catalog_pool,
    engine_bench,
    resident,
    resident_from_sqlite,
)
from sqlalchemy import event
from sqlalchemy.engine import make_url

from jingban.services import Services
from jingban.storage import Database

PG_DATABASE = "jingban_bench_actions"

# The targets of issue 4.
SQLITE_FULL_TARGET = 3_500  # actions/s, SQLite WAL synchronous=FULL
PG_ONE_TARGET = 2_000  # actions/s from one client
PG_TWO_FACTOR = 1.7  # two clients vs one
PG_ROUND_TRIPS = 2  # per action
ENGINE_FACTOR = 1.2  # Engine.act vs a bare transitions trigger
CASE_BYTES = 1_024  # a resident case


# -- the bare baseline's prebuilt rows -------------------------------------------------------


# -- worker processes ---------------------------------------------------------------------


def worker(spec: dict[str, Any], barrier: Any, results: Any) -> None:
    """One client: prepare outside the timing, wait for the others, run, report."""
    try:
        results.put(_work(spec, barrier))
    except BaseException as exc:
        results.put({"error": f"{type(exc).__name__}: {exc}"})
        raise


def _work(spec: dict[str, Any], barrier: Any) -> dict[str, Any]:
    url, n, kind, client = spec["url"], spec["cases"], spec["kind"], spec["client"]
    dialect = make_url(url).get_backend_name()
    out: dict[str, Any] = {}
    if kind == "jingban":
        store = jingban_store(url)
        jingban_cycle(store, 3, time.perf_counter)  # warm: calendars, plans, prepared SQL
        if dialect == "sqlite":
            with store.db.engine.connect() as conn:
                out["synchronous"] = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        barrier.wait()
        start = time.perf_counter()
        out["phases"] = jingban_cycle(store, n, time.perf_counter)
    else:
        template = bare_template(dialect)
        sql = BareSQL(dialect, template)
        if dialect == "sqlite":
            conn = bare_sqlite_connect(make_url(url).database or "", spec["sync"])
            out["synchronous"] = conn.execute("PRAGMA synchronous").fetchone()[0]
        else:
            import psycopg

            conn = psycopg.connect(pg_dsn(url), autocommit=True)
        bare_cycle(conn, sql, template, 3, f"BW-{client}-")  # warm, as for jingban
        barrier.wait()
        start = time.perf_counter()
        out["phases"] = bare_cycle(conn, sql, template, n, f"BB-{client}-")
        conn.close()
    out["start"], out["end"] = start, time.perf_counter()
    return out


@contextmanager
def environment(**values: str | None) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass
class Run:
    """One timed run of one contender: actions per second overall and per phase."""

    rate: float
    phase_us: dict[str, float]
    synchronous: int | None = None


def run_clients(spec: dict[str, Any], clients: int, sync: str | None) -> Run:
    """Run ``clients`` worker processes at once; actions/s over the wall time of all."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(clients)
    results = ctx.Queue()
    procs = []
    with environment(JINGBAN_SQLITE_SYNCHRONOUS=sync):
        for client in range(clients):
            p = ctx.Process(target=worker, args=({**spec, "client": client}, barrier, results))
            p.start()
            procs.append(p)
    outs = [results.get(timeout=900) for _ in procs]
    for p in procs:
        p.join()
    errors = [o["error"] for o in outs if "error" in o]
    if errors:
        raise RuntimeError("worker failed: " + "; ".join(errors))
    n = spec["cases"]
    wall = max(o["end"] for o in outs) - min(o["start"] for o in outs)
    phase_us = {
        phase: statistics.mean(o["phases"][phase] for o in outs) / n * 1e6 for phase in PHASES
    }
    return Run(clients * n * len(PHASES) / wall, phase_us, outs[0].get("synchronous"))


# -- databases ----------------------------------------------------------------------------


class Backend:
    """A fresh database per run: a SQLite file or a PostgreSQL database."""

    def __init__(self, name: str, url: str | None, sync: str | None = None) -> None:
        self.name, self.base_url, self.sync = name, url, sync
        self.tmp: str | None = None

    def fresh(self) -> str:
        if self.base_url is None:  # SQLite
            self.cleanup()
            self.tmp = tempfile.mkdtemp(prefix="jingban-bench-")
            url = f"sqlite:///{os.path.join(self.tmp, 'bench.db')}"
        else:
            url = pg_recreate(self.base_url, PG_DATABASE)
        with environment(JINGBAN_SQLITE_SYNCHRONOUS=self.sync):
            Database(url).dispose()  # migrate
        return url

    def cleanup(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        if self.base_url is not None:
            pg_drop(self.base_url, PG_DATABASE)


# -- ceilings -----------------------------------------------------------------------------


def per_second(run: Callable[[], None], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        run()
    return n / (time.perf_counter() - t0)


def sqlite_ceilings(n: int) -> dict[str, float]:
    tmp = tempfile.mkdtemp(prefix="jingban-bench-")
    try:
        out: dict[str, float] = {}
        for sync in ("FULL", "NORMAL"):
            conn = bare_sqlite_connect(os.path.join(tmp, f"c-{sync}.db"), sync)
            conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
            conn.execute("INSERT INTO t VALUES (1, 0)")

            def empty(conn: sqlite3.Connection = conn) -> None:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("COMMIT")

            def one_row(conn: sqlite3.Connection = conn) -> None:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("UPDATE t SET x = x + 1 WHERE id = 1")
                conn.execute("COMMIT")

            one_row()
            out[f"empty {sync}"] = per_second(empty, n)
            out[f"one-row {sync}"] = per_second(one_row, n)
            conn.close()
        fd = os.open(os.path.join(tmp, "fsync"), os.O_WRONLY | os.O_CREAT)
        block = b"x" * 4096

        def fsync() -> None:
            os.pwrite(fd, block, 0)
            os.fsync(fd)

        out["fsync"] = per_second(fsync, n)
        os.close(fd)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def pg_ceilings(url: str, n: int) -> dict[str, float]:
    import psycopg

    with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS t (id int PRIMARY KEY, x int)")
        cur.execute("CREATE TABLE IF NOT EXISTS bench_ceiling (id int PRIMARY KEY, x int)")
        cur.execute("INSERT INTO bench_ceiling VALUES (1, 0) ON CONFLICT DO NOTHING")
        for _ in range(10):
            cur.execute("SELECT 1")
            cur.execute("UPDATE bench_ceiling SET x = x + 1 WHERE id = %s", (1,))
        out = {
            "select 1": per_second(lambda: cur.execute("SELECT 1"), n),
            "update": per_second(
                lambda: cur.execute("UPDATE bench_ceiling SET x = x + 1 WHERE id = %s", (1,)), n
            ),
        }
        cur.execute("DROP TABLE bench_ceiling")
        return out


# -- round trips --------------------------------------------------------------------------


class RoundTrips:
    """Counts request/response cycles on every traced libpq connection: a libpq protocol
    trace (PQtrace) logs each message; every cycle ends with the server's ReadyForQuery."""

    def __init__(self, tmp: str) -> None:
        self.tmp = tmp
        self.traced: list[tuple[Any, str]] = []

    def attach(self, pgconn: Any) -> None:
        path = os.path.join(self.tmp, f"trace-{len(self.traced)}.txt")
        self._file = open(path, "a")  # noqa: SIM115 - kept open for libpq
        pgconn.trace(self._file.fileno())
        self.traced.append((pgconn, path))

    def count(self) -> int:
        """Cycles so far (flushes each trace by stopping and restarting it)."""
        total = 0
        for pgconn, path in self.traced:
            pgconn.untrace()
            with open(path) as f:
                total += sum(1 for line in f if re.search(r"\tB\t\d+\tReadyForQuery", line))
            pgconn.trace(os.open(path, os.O_WRONLY | os.O_APPEND))
        return total


def count_round_trips(base_url: str, n: int) -> dict[str, dict[str, float]]:
    """PostgreSQL round trips per action for jingban and the baseline: every connection
    either of the store's engines opens (the main pool and the fast path's own) is traced."""
    import psycopg

    out: dict[str, dict[str, float]] = {}
    tmp = tempfile.mkdtemp(prefix="jingban-bench-")
    try:
        for label in ("jingban",):
            url = pg_recreate(base_url, PG_DATABASE)
            Database(url).dispose()
            store = jingban_store(url)
            trips = RoundTrips(tmp)
            for engine in {store.db.engine, store._fast_engine}:
                engine.dispose()
                event.listen(
                    engine, "connect", lambda dbapi, _rec, trips=trips: trips.attach(dbapi.pgconn)
                )
            # Warm: connect, and pass psycopg's prepare threshold (the 5th execution of a
            # statement on a connection prepares it: one extra round trip, once per statement
            # and connection; the pool alternates between its two connections).
            jingban_cycle(store, 12, time.perf_counter)
            before = trips.count()
            last = [0.0]

            def clock(trips: RoundTrips = trips, last: list[float] = last) -> float:
                last[0] = trips.count()
                return last[0]

            phases = jingban_cycle(store, n, clock)
            counted: dict[str, float] = {phase: value / n for phase, value in phases.items()}
            counted["all"] = (last[0] - before) / n / len(PHASES)
            out[label] = counted
            store.db.dispose()
        url = pg_recreate(base_url, PG_DATABASE)
        Database(url).dispose()
        template = bare_template("postgresql")
        sql = BareSQL("postgresql", template)
        conn = psycopg.connect(pg_dsn(url), autocommit=True)
        trips = RoundTrips(tmp)
        trips.attach(conn.pgconn)
        counted = {}
        warm = bare_open(conn, sql, template, 6, "RW-")  # past the prepare threshold
        for step in template.steps:
            bare_act(conn, sql, step, warm)
        before = trips.count()
        numbers = bare_open(conn, sql, template, n, "RT-")
        counted["open"] = (trips.count() - before) / n
        for (action, *_), step in zip(STEPS, template.steps, strict=True):
            mark = trips.count()
            bare_act(conn, sql, step, numbers)
            counted[action] = (trips.count() - mark) / n
        counted["all"] = (trips.count() - before) / n / len(PHASES)
        out["bare psycopg"] = counted
        conn.close()
        return out
    finally:
        pg_drop(base_url, PG_DATABASE)
        shutil.rmtree(tmp, ignore_errors=True)


def same_rows_check() -> list[str]:
    """Columns where the rows jingban wrote and the baseline wrote for one case taken through
    the cycle differ, on SQLite (beyond ids, case numbers, query code and hashes)."""
    tmp = tempfile.mkdtemp(prefix="jingban-bench-")
    try:
        path = os.path.join(tmp, "same.db")
        db = Database(f"sqlite:///{path}")
        jingban_cycle(Services(db).cases, 1, time.perf_counter)
        db.dispose()
        template = bare_template("sqlite")
        conn = bare_sqlite_connect(path, "NORMAL")
        bare_cycle(conn, BareSQL("sqlite", template), template, 1, "SAME-")
        conn.row_factory = sqlite3.Row
        ignore = {"id", "case_no", "query_hash", "audit_head", "hash", "prev_hash"}
        differ = []
        for table, order in (("cases", "id"), ("audit_events", "seq")):
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY case_no, {order}").fetchall()
            ours = [r for r in rows if not r["case_no"].startswith("SAME-")]
            bare = [r for r in rows if r["case_no"].startswith("SAME-")]
            if len(ours) != len(bare):
                differ.append(f"{table}: {len(ours)} rows vs {len(bare)}")
                continue
            for row, other in zip(ours, bare, strict=True):
                a, b = dict(row), dict(other)
                differ += [f"{table}.{k}" for k in a if k not in ignore and a[k] != b[k]]
        conn.close()
        return sorted(set(differ))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- the engine alone ---------------------------------------------------------------------


# -- resident size ------------------------------------------------------------------------


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
    contenders: list[tuple[Backend, str, str | None, int]] = []
    for b in backends:
        clients = (1, 2) if b.base_url else (1,)
        for c in clients:
            contenders.append((b, "jingban", None, c))
            contenders.append((b, "bare", None, c))
    runs: dict[tuple[str, str, str | None, int], list[Run]] = {}
    try:
        for _ in range(args.repeat):
            for b, kind, experiment, clients in contenders:
                url = b.fresh()
                spec = {
                    "url": url,
                    "cases": args.cases,
                    "kind": kind,
                    "experiment": experiment,
                    "sync": b.sync,
                }
                run = run_clients(spec, clients, b.sync)
                runs.setdefault((b.name, kind, experiment, clients), []).append(run)
    finally:
        for b in backends:
            b.cleanup()

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
    rates: dict[tuple[str, str, str | None, int], Timing] = {
        key: timing([r.rate for r in rs], higher_is_better=True) for key, rs in runs.items()
    }
    for b, kind, experiment, clients in contenders:
        key = (b.name, kind, experiment, clients)
        t = rates[key]
        bare = rates[(b.name, "bare", None, clients)]
        label = {
            ("jingban", None): "jingban CaseStore",
            ("bare", None): "bare sqlite3" if b.base_url is None else "bare psycopg",
        }[(kind, experiment)]
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
    for b, kind, experiment, clients in contenders:
        if clients != 1:
            continue
        rs = runs[(b.name, kind, experiment, clients)]
        best = max(rs, key=lambda r: r.rate)
        name = f"{kind}{' (' + experiment + ')' if experiment else ''}, {b.name}"
        print("  " + name.ljust(40) + "".join(f"{best.phase_us[p]:9,.0f}" for p in PHASES))
    syncs = {
        f"{b.name} {kind}": runs[(b.name, kind, None, 1)][0].synchronous
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
        ("CompiledItem.fire (shared machine)", "CompiledItem.fire"),
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
    print("not counted: None, bools, small ints, tzinfo, interned strings, objects the")
    print("catalog or the compiled machine hold)")
    for label, size in sizes:
        print(f"  {label:<38}{size.total:6,} B  ({size.parts()})")

    # -- targets -----------------------------------------------------------------------------
    print()
    print("targets                                                       best     median  met b/m")
    checks: list[tuple[str, float, float, bool, bool]] = []
    full = rates[("SQLite FULL", "jingban", None, 1)]
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
        one = rates[("PostgreSQL", "jingban", None, 1)]
        two = rates[("PostgreSQL", "jingban", None, 2)]
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

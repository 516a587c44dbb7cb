"""Checks of the case-action benchmark beside the timed runs: durable-commit ceilings of the
machine, PostgreSQL round trips counted from a libpq trace, and that jingban and the bare
baseline write the same rows."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from typing import Any

from _actions_bare import (
    BareSQL,
    bare_act,
    bare_cycle,
    bare_open,
    bare_sqlite_connect,
    bare_template,
)
from _actions_common import PHASES, STEPS, jingban_cycle, jingban_store
from _pg import pg_drop, pg_dsn, pg_recreate
from sqlalchemy import event

from jingban.services import Services
from jingban.storage import Database

PG_DATABASE = "jingban_bench_actions"


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
    """PostgreSQL round trips per action for jingban and the baseline, on a database
    ``PG_DATABASE`` made afresh on the server of ``base_url``: every connection either of the
    store's engines opens (the main pool and the fast path's own) is traced."""
    import psycopg

    out: dict[str, dict[str, float]] = {}
    tmp = tempfile.mkdtemp(prefix="jingban-bench-")
    try:
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
        out["jingban"] = counted
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


class WalFrames:
    """A "clock" counting the frames (pages) written to a SQLite database's WAL: each call
    reads the frames the WAL holds and checkpoints them away (from its own connection).
    Phases must stay under the auto-checkpoint's 1,000 frames, or some would go uncounted."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.total = 0

    def __call__(self) -> float:
        busy, frames, _ = self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        busy |= self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            raise RuntimeError("the WAL could not be checkpointed: a connection is busy")
        self.total += max(frames, 0)
        return float(self.total)


def wal_pages_per_action(n: int) -> dict[str, dict[str, float]]:
    """Pages written to the WAL per action, per phase, by jingban and by the bare baseline on
    SQLite (``n`` cases each): the write amplification every durable commit pays for, counted
    rather than timed."""
    tmp = tempfile.mkdtemp(prefix="jingban-bench-")
    out: dict[str, dict[str, float]] = {}
    try:
        ours, bare = os.path.join(tmp, "ours.db"), os.path.join(tmp, "bare.db")
        db = Database(f"sqlite:///{ours}")
        clock = WalFrames(ours)
        clock()
        phases = jingban_cycle(Services(db).cases, n, clock)
        db.dispose()
        out["jingban"] = {p: v / n for p, v in phases.items()}
        Database(f"sqlite:///{bare}").dispose()
        template = bare_template("sqlite")
        conn = bare_sqlite_connect(bare, "FULL")
        clock = WalFrames(bare)
        clock()
        phases = bare_cycle(conn, BareSQL("sqlite", template), template, n, "WAL-", clock)
        conn.close()
        out["bare sqlite3"] = {p: v / n for p, v in phases.items()}
        return out
    finally:
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
        ignore = {"id", "case_no", "query_hash", "audit_head", "hash", "prev_hash", "digest"}
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

"""The timed runs of the case-action benchmark: each contender in fresh ``spawn`` worker
processes (one per client, started together behind a barrier) on a fresh database."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from _actions_bare import BareSQL, bare_cycle, bare_sqlite_connect, bare_template
from _actions_checks import PG_DATABASE
from _actions_common import PHASES, jingban_cycle, jingban_store
from _pg import pg_drop, pg_dsn, pg_recreate
from sqlalchemy.engine import make_url

from jingban.storage import Database

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

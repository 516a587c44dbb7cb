"""Bytes stored per completed case on SQLite: 500 cases (by default) through open → accept →
approve → pay → complete, as `bench_actions.py` takes them (`_actions_common.jingban_cycle`:
sichuan ``inpatient_reimbursement``, every row the product writes — the case, its audit
records, the deadline scan's queue, the counters, the report facts and monthly sums, the
exchange outbox and whatever else an action's effects insert).

The database is a fresh file built by the product's own migrations, in WAL with
``synchronous=FULL``. The figure is the file's growth over the cycle, each end measured after
``PRAGMA wal_checkpoint(TRUNCATE)`` (so every page is in the main file), divided by the
number of cases. The breakdown per table and index comes from SQLite's ``dbstat`` virtual
table (pages and payload bytes of each b-tree), before and after; and, for the two widest
tables, the average stored bytes of each column per case (``length()`` of its value as
stored: text in bytes, blobs in bytes, numbers as their text).

    .venv/bin/python bench/bench_storage.py [--cases 500] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from _actions_common import jingban_cycle, jingban_store
from _actions_runs import environment

from jingban.storage import Database

TARGET = 2000.0
_WIDE = ("cases", "audit_events", "exchange_events", "report_facts")


def checkpointed_size(path: Path) -> int:
    """The database file's size once its WAL is checkpointed into it and truncated."""
    conn = sqlite3.connect(path)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RuntimeError("the checkpoint could not finish")
    finally:
        conn.close()
    return path.stat().st_size


def btrees(path: Path) -> dict[str, tuple[int, int, str]]:
    """Each b-tree's name → (bytes of its pages, bytes of payload, its table)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT d.name, sum(d.pgsize), sum(d.payload), coalesce(m.tbl_name, d.name) "
            "FROM dbstat d LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY d.name"
        ).fetchall()
    finally:
        conn.close()
    return {name: (int(size), int(payload), table) for name, size, payload, table in rows}


def column_bytes(path: Path, table: str) -> list[tuple[str, int]]:
    """Each column of ``table`` → the total ``length()`` of its stored values."""
    conn = sqlite3.connect(path)
    try:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        if not columns:
            return []
        sums = conn.execute(
            "SELECT "
            + ", ".join(f"coalesce(sum(length({c})), 0)" for c in columns)
            + f" FROM {table}"
        ).fetchone()
    finally:
        conn.close()
    return list(zip(columns, (int(s) for s in sums), strict=True))


def row_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        return {n: conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}
    finally:
        conn.close()


def measure(cases: int, keep: str | None) -> None:
    tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="jingban-storage-"))
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "bench.db"
    for suffix in ("", "-wal", "-shm", ".key"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    try:
        with environment(JINGBAN_SQLITE_SYNCHRONOUS="FULL"):
            Database(url).dispose()  # the product's migrations
            before_size = checkpointed_size(path)
            before = btrees(path)
            counts_before = row_counts(path)
            store = jingban_store(url)
            t0 = time.perf_counter()
            jingban_cycle(store, cases, time.perf_counter)
            seconds = time.perf_counter() - t0
            store.db.dispose()
        after_size = checkpointed_size(path)
        after = btrees(path)
        counts_after = row_counts(path)
        report(cases, seconds, before_size, after_size, before, after, counts_before, counts_after)
        print()
        print(f"stored bytes per case by column (sum of length(), {cases} cases)")
        for table in _WIDE:
            columns = column_bytes(path, table)
            total = sum(b for _, b in columns)
            print(f"  {table}: {total / cases:,.0f} B per case")
            for name, size in sorted(columns, key=lambda c: -c[1]):
                if size:
                    print(f"    {name:<24} {size / cases:>8.1f}")
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def report(
    cases: int,
    seconds: float,
    before_size: int,
    after_size: int,
    before: dict[str, tuple[int, int, str]],
    after: dict[str, tuple[int, int, str]],
    counts_before: dict[str, int],
    counts_after: dict[str, int],
) -> None:
    per_case = (after_size - before_size) / cases
    print(f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}")
    print(
        f"{cases} cases through open, accept, approve, pay, complete in {seconds:.1f} s; "
        f"file {before_size:,} -> {after_size:,} bytes after TRUNCATE checkpoints"
    )
    print(
        f"bytes per completed case: {per_case:,.0f}  (target <= {TARGET:,.0f}: "
        f"{'met' if per_case <= TARGET else 'NOT met'})"
    )
    print()
    grown: dict[str, list[tuple[str, float, float]]] = {}
    for name, (size, payload, table) in after.items():
        size0, payload0, _ = before.get(name, (0, 0, table))
        if size != size0:
            grown.setdefault(table, []).append(
                (name, (size - size0) / cases, (payload - payload0) / cases)
            )
    print("growth per case by b-tree (dbstat: pages; payload = bytes of records)")
    print(f"  {'table / index':<44} {'rows':>6} {'pages B':>9} {'payload B':>10}")
    tables = sorted(grown, key=lambda t: -sum(g[1] for g in grown[t]))
    for table in tables:
        rows = (counts_after.get(table, 0) - counts_before.get(table, 0)) / cases
        total = sum(g[1] for g in grown[table])
        print(f"  {table:<44} {rows:>6.1f} {total:>9,.0f}")
        for name, size, payload in sorted(grown[table], key=lambda g: -g[1]):
            label = "(rows)" if name == table else name
            print(f"    {label:<42} {'':>6} {size:>9,.0f} {payload:>10,.0f}")
    rest = per_case - sum(g[1] for t in grown.values() for g in t)
    print(f"  {'other pages (free list, schema)':<44} {'':>6} {rest:>9,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--keep", help="keep the database in this directory")
    args = parser.parse_args()
    os.environ.pop("JINGBAN_DATABASE_URL", None)
    measure(args.cases, args.keep)


if __name__ == "__main__":
    main()

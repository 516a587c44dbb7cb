"""Real database faults for the tests: a second process holding SQLite's write lock, a SQLite
database that cannot grow (a real SQLITE_FULL), PostgreSQL errors raised by the server itself,
and PostgreSQL backends terminated as a restart terminates them.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text

_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()  # until the test closes our standard input
conn.execute("ROLLBACK")
"""


@contextlib.contextmanager
def sqlite_write_lock(url: str) -> Iterator[None]:
    """Another process holds the write lock of the SQLite database at ``url`` (BEGIN
    IMMEDIATE) until the block ends; the block starts once the lock is held."""
    path = make_url(url).database
    assert path
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def cap_sqlite_size(engine: Engine) -> None:
    """Make every new connection of ``engine`` (the pool is emptied) refuse to grow the
    database past its present size: SQLite then answers SQLITE_FULL, as on a full disk."""
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()

    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {int(pages)}")

    event.listen(engine, "connect", cap)
    engine.dispose()


def pg_raise_on_insert(url: str, table: str, sqlstate: str) -> None:
    """The PostgreSQL server at ``url`` refuses every insert into ``table`` with ``sqlstate``
    (``disk_full`` is what a full disk raises; ``lock_not_available`` a lock timeout)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION jingban_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION 'test fault' USING ERRCODE = '{sqlstate}'; END $$"
            )
        )
        conn.execute(
            text(
                f"CREATE TRIGGER jingban_test_fault BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION jingban_test_fault()"
            )
        )
    engine.dispose()


def pg_terminate_backends(url: str) -> int:
    """Terminate every other backend of the database at ``url``, as a server restart does
    to its connections, and wait until they are gone; returns how many were terminated."""
    others = "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    total = 0
    with engine.connect() as conn:
        for _ in range(50):
            # pg_terminate_backend(pid, timeout) returns once the backend has exited.
            ended = f"SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity {others}"
            total += conn.execute(text(ended)).scalar_one()
            if not conn.execute(text(f"SELECT pid FROM pg_stat_activity {others}")).all():
                break
            time.sleep(0.1)
        else:
            raise AssertionError("backends of the test database did not end")
    engine.dispose()
    return int(total)

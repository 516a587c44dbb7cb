"""Writers of one SQLite file in one process queue on a lock, not in SQLite's busy handler.

SQLite lets one writer in at a time. A second ``BEGIN IMMEDIATE`` that finds the write lock
taken does not wait for it to be released: its busy handler sleeps and tries again, in
steps that grow to 100 ms, so under a burst of concurrent actions a request can sleep long
after the lock was free (the HTTP benchmark saw p99 above a second with 16 clients). The
gate is a lock per database file and process, taken before ``BEGIN IMMEDIATE`` and given
back after ``COMMIT`` or ``ROLLBACK``: a waiting writer wakes as soon as the one before it
is done. Other processes (a second worker, the CLI) still meet at SQLite's own lock, with
its busy timeout.

Promises: `gate` returns the same lock for every URL naming one file (None for PostgreSQL
and for in-memory databases); the lock is re-entrant, so a thread that already writes may
open a nested write as before (SQLite then answers it as it always did); a writer that
cannot get the gate within the busy timeout fails as a busy database does, nothing written.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url

__all__ = ["busy_error", "gate", "held"]

_GATES: dict[str, threading.RLock] = {}
_MAKING = threading.Lock()


def gate(url: str) -> threading.RLock | None:
    """The write gate of the SQLite file ``url`` names, or None where there is none."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    key = os.path.realpath(parsed.database)
    found = _GATES.get(key)
    if found is None:
        with _MAKING:
            found = _GATES.setdefault(key, threading.RLock())
    return found


def busy_error() -> sqlite3.OperationalError:
    """The error SQLite itself raises when its busy timeout runs out (SQLITE_BUSY)."""
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = sqlite3.SQLITE_BUSY
    error.sqlite_errorname = "SQLITE_BUSY"
    return error


@contextmanager
def held(
    lock: threading.RLock | None, seconds: float, busy: Callable[[], Exception] = busy_error
) -> Iterator[None]:
    """Hold ``lock`` (when there is one) for the block; raises ``busy()`` — by default
    SQLite's own ``database is locked``, which `jingban.storage.driver_errors` types as a
    busy database — when it is not free within ``seconds``."""
    if lock is None:
        yield
        return
    if not lock.acquire(timeout=max(seconds, 0.0)):
        raise busy()
    try:
        yield
    finally:
        lock.release()

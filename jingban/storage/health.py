"""What readiness asks of the database: is it reachable, is its schema the packaged head,
and does some process hold the scheduler's leader lock — each answered without writing.

The leader lock's identity lives here, below the scheduler that takes it
(`jingban.scheduler.leader`), so the API can tell whether a leader exists without importing
the scheduler: on PostgreSQL the session advisory lock `ADVISORY_KEY` (seen in ``pg_locks``
of the current database), on SQLite the ``flock`` on `scheduler_lock_path` (probed with a
shared, non-blocking lock released at once; a leader electing itself in that instant waits
for its next election round).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from jingban.storage.database import Database

__all__ = ["ADVISORY_KEY", "leader_present", "reachable", "scheduler_lock_path", "schema_current"]

#: pg_advisory_lock key of the scheduler leader: "jingban scheduler" folded into a bigint.
ADVISORY_KEY = 0x6A696E6762616E01


def scheduler_lock_path(url: str) -> Path:
    """The file whose exclusive ``flock`` makes a process the leader on a SQLite database."""
    database = make_url(url).database or "jingban.db"
    return Path(f"{database}.scheduler.lock")


def reachable(db: Database) -> bool:
    """Whether one ``SELECT 1`` succeeds on the database (any failure: False)."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # readiness reports, it does not raise
        return False
    return True


def schema_current(db: Database) -> bool:
    """Whether the database's schema is at the packaged head revision (False when it is
    behind, ahead, empty or unreadable)."""
    from jingban.storage.migrate import is_current

    try:
        return is_current(db.engine)
    except Exception:  # readiness reports, it does not raise
        return False


def leader_present(db: Database) -> bool:
    """Whether some process holds the scheduler's leader lock on this database now."""
    if db.engine.dialect.name == "postgresql":
        try:
            with db.engine.connect() as conn:
                held = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                        " WHERE l.locktype = 'advisory' AND l.granted"
                        " AND d.datname = current_database()"
                        " AND l.classid = (:k >> 32) AND l.objid = (:k & 4294967295)"
                    ),
                    {"k": ADVISORY_KEY},
                ).scalar()
        except Exception:  # readiness reports, it does not raise
            return False
        return bool(held)
    path = scheduler_lock_path(db.url)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False  # no election ever ran beside this file
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)

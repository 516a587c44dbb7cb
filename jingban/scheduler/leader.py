"""Leader election: exactly one scheduler scans, however many server processes run.

PostgreSQL: a session advisory lock held on a dedicated connection; if the leader dies its
connection closes and the lock is free for a standby. SQLite (one machine): an exclusive
``flock`` on a file beside the database, released by the kernel when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

# pg_advisory_lock key and lock file: defined with the readiness probe that looks for them.
from jingban.storage.health import ADVISORY_KEY, scheduler_lock_path


class Leadership(Protocol):
    def acquire(self) -> bool:
        """Try to become (or stay) the leader without waiting; True when leading."""

    def still_leading(self) -> bool:
        """Whether the lock is still held (the connection or file is alive)."""

    def release(self) -> None: ...


class AdvisoryLock:
    """Leadership through ``pg_try_advisory_lock`` on one held connection."""

    def __init__(self, engine: Engine, key: int = ADVISORY_KEY) -> None:
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if self._conn is not None and self.still_leading():
            return True
        self.release()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def still_leading(self) -> bool:
        if self._conn is None:
            return False
        try:
            held = self._conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND objid = (:k & 4294967295)"
                ),
                {"k": self.key},
            ).scalar()
        except Exception:
            self._conn = None
            return False
        return bool(held)

    def release(self) -> None:
        if self._conn is not None:
            # If the connection is gone, the lock went with it.
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None


class FileLock:
    """Leadership through an exclusive, non-blocking ``flock`` on ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_leading(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def leadership_for(engine: Engine) -> Leadership:
    """The election that fits the database behind ``engine``."""
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(engine)
    return FileLock(scheduler_lock_path(str(engine.url)))

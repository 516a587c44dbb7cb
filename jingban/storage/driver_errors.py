"""The database drivers' failures as typed errors: busy, disk full, unavailable.

`database_error` reads an exception raised by SQLite (`sqlite3`), by PostgreSQL (`psycopg`)
or by SQLAlchemy wrapping either, and answers the `jingban.errors` error a clerk sees:

- `DatabaseBusy`: another writer held the lock past the wait (SQLITE_BUSY, SQLITE_LOCKED;
  PostgreSQL lock and statement timeouts, serialization failures, deadlocks, too many
  connections; SQLAlchemy's pool timeout);
- `DiskFull`: SQLITE_FULL, PostgreSQL 53100 — never told as "busy";
- `DatabaseUnavailable`: the server restarting or unreachable, a disk that fails to read or
  write, a file that cannot be opened.

Anything else (a constraint, a syntax error: a bug, not the database's state) answers None,
and stays a bug for the caller. The module imports no driver: it looks for the ones loaded.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jingban.errors import DatabaseBusy, DatabaseUnavailable, DiskFull

BUSY_RETRY_SECONDS = 2
"""Retry-After of a busy answer: the lock is usually free again within a moment."""
FULL_RETRY_SECONDS = 300
"""Retry-After of a full disk: it needs an administrator, not a second try."""

BUSY_MESSAGE = "数据库繁忙 (其他操作正占用写锁)，本次未保存，请稍后重试"
FULL_MESSAGE = "数据库所在磁盘已满，本次未保存；请通知系统管理员清理磁盘空间后重试"
UNAVAILABLE_MESSAGE = "数据库暂时无法访问 (可能正在重启或连接中断)，本次未保存，请稍后重试"

# SQLite primary result codes (https://sqlite.org/rescode.html).
_SQLITE_BUSY = {5, 6, 15}  # BUSY, LOCKED, PROTOCOL (a WAL lock race)
_SQLITE_FULL = 13
_SQLITE_UNAVAILABLE = {8, 10, 14}  # READONLY, IOERR, CANTOPEN

# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_PG_BUSY = {"40001", "40P01", "53300", "55P03", "57014"}
_PG_FULL = "53100"
_PG_UNAVAILABLE_CLASSES = ("08", "57P", "53")  # connection, shutdown, resources


def database_error(exc: BaseException) -> DatabaseUnavailable | None:
    """The typed error for a driver's failure ``exc``, or None when it is not one of the
    database's state (see the module docstring). The typed error keeps the driver's text in
    its ``detail`` attribute, for logs."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None:
        if isinstance(exc, sqlalchemy_exc.TimeoutError):  # no pooled connection came free
            return _typed(DatabaseBusy, BUSY_MESSAGE, BUSY_RETRY_SECONDS, exc)
        if isinstance(exc, sqlalchemy_exc.DBAPIError) and exc.orig is not None:
            found = database_error(exc.orig)
            if found is None and exc.connection_invalidated:
                found = _typed(DatabaseUnavailable, UNAVAILABLE_MESSAGE, 5, exc)
            return found
    if isinstance(exc, sqlite3.Error):
        return _sqlite(exc)
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(exc, psycopg.Error):
        return _postgresql(exc, psycopg)
    return None


def _sqlite(exc: sqlite3.Error) -> DatabaseUnavailable | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # raised by the module itself, not by SQLite
        return None
    primary = code & 0xFF
    if primary in _SQLITE_BUSY:
        return _typed(DatabaseBusy, BUSY_MESSAGE, BUSY_RETRY_SECONDS, exc)
    if primary == _SQLITE_FULL:
        return _typed(DiskFull, FULL_MESSAGE, FULL_RETRY_SECONDS, exc)
    if primary in _SQLITE_UNAVAILABLE:
        return _typed(DatabaseUnavailable, UNAVAILABLE_MESSAGE, 5, exc)
    return None


def _postgresql(exc: Exception, psycopg: Any) -> DatabaseUnavailable | None:
    state = getattr(exc, "sqlstate", None)
    if state == _PG_FULL:
        return _typed(DiskFull, FULL_MESSAGE, FULL_RETRY_SECONDS, exc)
    if state in _PG_BUSY:
        return _typed(DatabaseBusy, BUSY_MESSAGE, BUSY_RETRY_SECONDS, exc)
    if state is not None and state.startswith(_PG_UNAVAILABLE_CLASSES):
        return _typed(DatabaseUnavailable, UNAVAILABLE_MESSAGE, 5, exc)
    # No SQLSTATE: the client lost the connection (closed, reset, server gone).
    if state is None and isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return _typed(DatabaseUnavailable, UNAVAILABLE_MESSAGE, 5, exc)
    return None


def _typed(
    kind: type[DatabaseUnavailable], message: str, retry_after: int, exc: BaseException
) -> DatabaseUnavailable:
    text = str(exc).strip()
    return kind(message, retry_after, text.splitlines()[0] if text else type(exc).__name__)


def driver_error_types() -> tuple[type[Exception], ...]:
    """The exception classes `database_error` may recognise, of the drivers loaded now
    (for exception handlers; SQLAlchemy's and psycopg's only when they are imported)."""
    kinds: list[type[Exception]] = [sqlite3.Error]
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None:
        kinds += [sqlalchemy_exc.DBAPIError, sqlalchemy_exc.TimeoutError]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        kinds.append(psycopg.Error)
    return tuple(kinds)


@contextmanager
def typed_driver_errors() -> Iterator[None]:
    """Raise a driver's failure inside the block as its typed error (`database_error`);
    other exceptions pass unchanged."""
    try:
        yield
    except Exception as exc:
        typed = database_error(exc)
        if typed is None:
            raise
        raise typed from exc

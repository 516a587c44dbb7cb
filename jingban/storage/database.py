"""Database connection: embedded SQLite by default, PostgreSQL through JINGBAN_DATABASE_URL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed action survives a power cut),
a busy timeout, and every transaction opened with ``BEGIN IMMEDIATE`` so two writers queue
instead of failing halfway; writers of one process queue on its write gate
(`jingban.storage.write_gate`) before that. The schema is created and migrated (Alembic) on
first use.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError
from sqlalchemy.pool import ConnectionPoolEntry

from jingban.errors import BadInput, DatabaseDamaged, NotAllowed
from jingban.settings import settings
from jingban.storage.write_gate import busy_error, gate, held

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def database_url(url: str | None = None) -> str:
    """The database URL in force: ``url``, else the `settings` one ($JINGBAN_DATABASE_URL,
    else ./jingban.db)."""
    return url or settings().database_url


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # FULL by default: a committed action survives a power cut. Benchmarks may compare NORMAL.
    config = settings()
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={config.sqlite_synchronous}")
    cursor.execute(f"PRAGMA busy_timeout={int(config.sqlite_busy_seconds * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front so two writers queue instead of one failing
    # halfway; readers begin deferred and never block (WAL).
    write = conn.get_execution_options().get("jingban_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


SQLITE_POOL_SIZE = 40
"""Connections a SQLite file's pool keeps open: the worker threads a server runs requests
in at once (anyio's default limit), each reading with its own connection."""


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for ``url`` (see `database_url`); raises `BadInput` for a bad URL.

    A PostgreSQL engine pings each connection it checks out (``pool_pre_ping``: one extra
    round trip per checkout, about as long as a one-row read), so reads, reports and the
    scheduler run on live connections after a server restart; the action path does not pay
    it (see `Database.autocommit_engine`)."""
    url = database_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise BadInput(f"数据库地址无效: {url}") from exc
    if parsed.get_backend_name() == "sqlite":
        # LIFO: reuse the most recent connection, whose page cache is warm. A file's pool
        # keeps as many connections as the server's worker threads may use at once, so a
        # busy office does not open and close one (and set its pragmas) per request.
        sized = (
            {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE}
            if parsed.database not in (None, "", ":memory:")
            else {}
        )
        engine = create_engine(
            url,
            connect_args={"timeout": settings().sqlite_busy_seconds},
            pool_use_lifo=True,
            **sized,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        from jingban.storage.models import declare_postgresql_where

        declare_postgresql_where()  # the tables then compile and compare as on PostgreSQL
        return create_engine(url, pool_pre_ping=True)
    raise BadInput(f"不支持的数据库: {parsed.get_backend_name()} (支持 sqlite 和 postgresql)")


def _gate_busy() -> Exception:
    from sqlalchemy.exc import OperationalError

    return OperationalError("BEGIN IMMEDIATE", None, busy_error())


_DAMAGE = ("file is not a database", "database disk image is malformed", "file is encrypted")


def damage_of(exc: BaseException) -> DatabaseDamaged | None:
    """The `DatabaseDamaged` a driver error means, or None when it means something else
    (a lock, a full disk, a lost connection: those are the caller's to report)."""
    original = getattr(exc, "orig", exc)
    text = str(original)
    if isinstance(original, sqlite3.DatabaseError) and any(m in text for m in _DAMAGE):
        return DatabaseDamaged(
            f"数据库文件已损坏或不是 jingban 的数据库 ({text})；请从备份恢复，"
            "或用 JINGBAN_DATABASE_URL 指向正确的数据库"
        )
    return None


def sqlite_file_exists(url: str) -> bool:
    """Whether a SQLite URL names a database file that already exists (other URLs: True)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True
    database = parsed.database or ""
    return database not in ("", ":memory:") and Path(database).exists()


class Database:
    """An engine and the migrations that bring its schema up to date. The stores use Core
    connections (`write`, ``engine.connect()``); the ORM session factory (`sessions`,
    `transaction`) is built, and `sqlalchemy.orm` imported, only when first asked for."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = database_url(url)
        self.engine = make_engine(self.url)
        #: SQLite: the lock this process's writers of the file queue on (None otherwise).
        self.write_gate = gate(self.url)
        self._autocommit: Engine | None = None
        if migrate:
            try:
                self.upgrade()
            except DatabaseError as exc:
                damaged = damage_of(exc)
                if damaged is None:
                    raise
                self.engine.dispose()
                raise damaged from None

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """An ORM session factory on the engine (imports `sqlalchemy.orm`)."""
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    def autocommit_engine(self) -> Engine:
        """A second engine on the same database whose connections run in autocommit, for
        single-statement writes (PostgreSQL's action path); its pool is its own, with no
        pre-ping: the action path replaces a connection the server closed itself, without
        a round trip (`jingban.storage._reconnect`). Connections are recycled after 30
        minutes."""
        if self._autocommit is None:
            self._autocommit = create_engine(
                self.url, isolation_level="AUTOCOMMIT", pool_recycle=1800
            )
        return self._autocommit

    def upgrade(self) -> None:
        """Apply every pending migration (idempotent; Alembic is imported only when one is
        pending)."""
        from jingban.storage.migrate import ensure_current

        ensure_current(self.engine)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in one write transaction (on SQLite: BEGIN IMMEDIATE, after the
        write gate), committed on success and rolled back on any error."""
        with (
            held(self.write_gate, settings().sqlite_busy_seconds, _gate_busy),
            self.engine.connect() as conn,
        ):
            conn = conn.execution_options(jingban_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        from sqlalchemy.orm import Session

        with self.write() as conn, Session(bind=conn, expire_on_commit=False) as session:
            yield session
            session.flush()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._autocommit is not None:
            self._autocommit.dispose()


def hold_server_lock(url: str) -> IO[str] | None:
    """For a SQLite URL, take the lock that only one server process may hold on that
    database file (``<file>-serve.lock``, released when the process ends) and return its
    open file, to be kept for the server's lifetime; None for other databases.

    Raises `NotAllowed` naming the process that holds it: two servers on one SQLite file
    would contend for its single write lock, so the second refuses to start."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    import fcntl

    path = Path(f"{database}-serve.lock")
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise NotAllowed(
            f"另一个 jingban serve (进程 {holder}) 已在使用数据库文件 {database}；"
            "嵌入式 SQLite 只能由一个服务进程使用，请先停止它，"
            "或改用 PostgreSQL (JINGBAN_DATABASE_URL) 运行多个服务进程"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle

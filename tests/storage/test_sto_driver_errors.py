"""Every driver's failure is told as a typed error: raw DBAPI and SQLAlchemy-wrapped, SQLite
and PostgreSQL; a full disk is never "busy"; a bug stays a bug. The errors are the servers'
own: a real lock held by another process, a database that may not grow, SQLSTATEs raised by
PostgreSQL itself, a terminated backend.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from db_faults import sqlite_write_lock
from sqlalchemy import create_engine, exc, text
from storage_support import OPEN
from support import at, fresh_pg_url

from jingban.engine import Engine
from jingban.errors import DatabaseBusy, DatabaseUnavailable, DiskFull, http_status
from jingban.storage import CaseStore, Database
from jingban.storage.driver_errors import database_error


def _caught(fn) -> BaseException:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception) as caught:
        fn()
    return caught.value


def test_sqlite_lock_past_the_timeout_is_busy(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    raw = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
    with sqlite_write_lock(f"sqlite:///{path}"):
        for error in (
            _caught(lambda: raw.execute("BEGIN IMMEDIATE")),
            _caught(lambda: engine.connect().exec_driver_sql("INSERT INTO t VALUES (1)")),
        ):
            typed = database_error(error)
            assert isinstance(typed, DatabaseBusy), error
            assert http_status(typed) == (503, "busy") and typed.exit_code == 5
            assert "繁忙" in typed.message and typed.retry_after > 0
    engine.dispose()


def test_sqlite_full_is_disk_full_never_busy(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "j.db", isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    error = _caught(lambda: [conn.execute("INSERT INTO t VALUES (?)", ("x" * 5000,))])
    typed = database_error(error)
    assert isinstance(typed, DiskFull), error
    assert http_status(typed) == (503, "disk_full") and typed.exit_code == 6
    assert "磁盘已满" in typed.message and "繁忙" not in typed.message


def test_sqlite_bugs_are_not_the_databases_state(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "j.db")
    assert database_error(_caught(lambda: conn.execute("SELECT * FROM missing"))) is None
    conn.execute("CREATE TABLE t (x UNIQUE)")
    conn.execute("INSERT INTO t VALUES (1)")
    assert database_error(_caught(lambda: conn.execute("INSERT INTO t VALUES (1)"))) is None
    assert database_error(ValueError("not a driver's")) is None


@pytest.mark.parametrize(
    ("sqlstate", "kind", "code"),
    [
        ("disk_full", DiskFull, "disk_full"),
        ("lock_not_available", DatabaseBusy, "busy"),
        ("query_canceled", DatabaseBusy, "busy"),
        ("serialization_failure", DatabaseBusy, "busy"),
        ("too_many_connections", DatabaseBusy, "busy"),
        ("admin_shutdown", DatabaseUnavailable, "unavailable"),
    ],
)
def test_postgresql_states_raw_and_wrapped(
    sqlstate: str, kind: type[DatabaseUnavailable], code: str
) -> None:
    url = fresh_pg_url()
    statement = f"DO $$ BEGIN RAISE EXCEPTION 'fault' USING ERRCODE = '{sqlstate}'; END $$"
    engine = create_engine(url)
    with engine.connect() as conn:
        wrapped = _caught(lambda: conn.execute(text(statement)))
    assert isinstance(wrapped, exc.DBAPIError)
    raw = engine.raw_connection()
    try:
        bare = _caught(lambda: raw.cursor().execute(statement))
    finally:
        raw.close()
    engine.dispose()
    assert isinstance(bare, psycopg.Error)
    for error in (wrapped, bare):
        typed = database_error(error)
        assert type(typed) is kind, (error, typed)
        assert http_status(typed) == (503, code)
    assert database_error(_caught(lambda: _syntax_error(url))) is None


def _syntax_error(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELEC 1"))
    finally:
        engine.dispose()


def test_a_terminated_postgresql_connection_is_unavailable() -> None:
    url = fresh_pg_url()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        pid = c.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        with psycopg.connect(
            url.replace("postgresql+psycopg", "postgresql"), autocommit=True
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        error = _caught(lambda: c.execute("SELECT 1"))
    typed = database_error(error)
    assert type(typed) is DatabaseUnavailable, error
    assert "无法访问" in typed.message and "繁忙" not in typed.message


def test_the_action_path_raises_the_typed_error(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`CaseStore`'s raw cursors raise `DatabaseBusy`, not the driver's error."""
    monkeypatch.setenv("JINGBAN_SQLITE_BUSY_SECONDS", "0.2")
    db = Database(f"sqlite:///{tmp_path / 'j.db'}")
    store = CaseStore(db, engine)
    now = at("2026-03-02 10:00")
    case = store.open(
        now=now, region="kashgar", item="inpatient_reimbursement", all_materials=True, **OPEN
    ).case
    with sqlite_write_lock(db.url), pytest.raises(DatabaseBusy):
        store.act(case.case_no, "accept", actor="clerk-li", role="clerk", now=now)
    assert store.get(case.case_no).version == case.version
    db.dispose()

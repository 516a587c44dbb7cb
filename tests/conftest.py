"""Shared fixtures: real databases (a SQLite file, a PostgreSQL server) and the services.

PostgreSQL: the tests use the server named by $JINGBAN_TEST_PG_URL (`.ci/pg-start` starts
one and prints it). Where none is reachable they skip with a message, except when
$JINGBAN_REQUIRE_PG is set (as in CI), where they fail.

Property tests (hypothesis) run derandomized by default, so a run is repeatable and a landing
is not decided by the examples one run happened to draw; `JINGBAN_HYPOTHESIS=explore` draws
fresh random examples, many more of them, to hunt for new counterexamples.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import settings
from run_log import RUN_LOG, install, leaks
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import PG_ENV, fresh_pg_url

from jingban.calendar import WorkCalendar
from jingban.engine import Engine
from jingban.storage import CaseStore, Database
from jingban.storage.memory import MemoryCaseStore
from jingban.workflows import load_catalog

UTC = dt.UTC

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", max_examples=1000)
settings.load_profile(os.environ.get("JINGBAN_HYPOTHESIS", "repeatable"))


_PRIVATE_DB: dict[str, str] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Give this test session a PostgreSQL database of its own (``<name>_<pid>`` on the
    server of $JINGBAN_TEST_PG_URL) and point the variable at it, so concurrent sessions —
    two developers' runs, or a run beside CI — never drop each other's schema. A server key
    file of the session's own (unless one is set) keeps PostgreSQL tests from creating one
    in the working directory; so does a directory of its own for attached material files."""
    if not os.environ.get("JINGBAN_SECRET_KEY_FILE"):
        keys = tempfile.mkdtemp(prefix="jingban-keys-")
        os.environ["JINGBAN_SECRET_KEY_FILE"] = os.path.join(keys, "jingban.key")
    if not os.environ.get("JINGBAN_ATTACHMENTS_DIR"):  # likewise for kept material files
        os.environ["JINGBAN_ATTACHMENTS_DIR"] = tempfile.mkdtemp(prefix="jingban-files-")
    # Every line jingban logs in this process, scanned for personal data when the run ends.
    install(Path(tempfile.mkdtemp(prefix="jingban-run-log-")) / "run.log")
    url = os.environ.get(PG_ENV)
    if not url or "_PRIVATE_" in os.environ.get("JINGBAN_TEST_PG_PRIVATE", ""):
        return
    parsed = make_url(url)
    private = f"{parsed.database}_{os.getpid()}"
    try:
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{private}"'))
            conn.execute(text(f'CREATE DATABASE "{private}"'))
        admin.dispose()
    except Exception:  # unreachable: the tests that need it skip or fail with the reason
        return
    _PRIVATE_DB.update(original=url, name=private)
    os.environ[PG_ENV] = parsed.set(database=private).render_as_string(hide_password=False)
    os.environ["JINGBAN_TEST_PG_PRIVATE"] = "_PRIVATE_"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _scan_run_log(session)
    if not _PRIVATE_DB:
        return
    parsed = make_url(_PRIVATE_DB["original"])
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_PRIVATE_DB["name"]}" WITH (FORCE)'))
    finally:
        admin.dispose()
    os.environ[PG_ENV] = _PRIVATE_DB["original"]


def _scan_run_log(session: pytest.Session) -> None:
    """Fail the run when a line jingban logged during it holds a full identity number, a
    mobile number or an account number (`run_log.leaks`)."""
    path = RUN_LOG.get("path")
    if not isinstance(path, Path) or not path.exists():
        return
    handler = RUN_LOG.get("handler")
    if isinstance(handler, logging.Handler):
        handler.flush()
    found = leaks(path.read_text(encoding="utf-8"))
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"日志中出现未脱敏的个人信息 ({len(found)} 行，见 {path}):", *found[:5]]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A URL of an empty database: a SQLite file, then a PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jingban.db'}"
    return fresh_pg_url()


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


@cache
def _calendar(region: str) -> WorkCalendar:
    return WorkCalendar.for_region(region)


@pytest.fixture(scope="session")
def engine() -> Engine:
    """An engine on the packaged catalog and calendars (no imported notices)."""
    return Engine(load_catalog(), _calendar)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, engine: Engine, tmp_path):  # type: ignore[no-untyped-def]
    """A case store of each kind, empty: the contract suite runs against all three."""
    if request.param == "memory":
        yield MemoryCaseStore(engine)
        return
    url = f"sqlite:///{tmp_path / 'jingban.db'}" if request.param == "sqlite" else fresh_pg_url()
    db = Database(url)
    yield CaseStore(db, engine)
    db.dispose()


Clock = Callable[[str], dt.datetime]

"""Each module that reads a setting follows it: a variable set for one test changes what the
database, the accounts, the public query limiter, the services and the scheduler do, on a
real SQLite file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from jingban.api.public import _ClientLimiter
from jingban.errors import RateLimited
from jingban.scheduler.runner import SchedulerService
from jingban.services import Services
from jingban.storage import Database
from jingban.storage import accounts as accounts_module
from jingban.storage.accounts import AccountStore, AuthenticationFailed

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'jingban.db'}")
    yield database
    database.dispose()


def test_sqlite_pragmas_follow_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINGBAN_SQLITE_SYNCHRONOUS", "NORMAL")
    monkeypatch.setenv("JINGBAN_SQLITE_BUSY_SECONDS", "2.5")
    database = Database(f"sqlite:///{tmp_path / 'normal.db'}")
    try:
        with database.engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 1  # NORMAL
            assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 2500
    finally:
        database.dispose()
    monkeypatch.delenv("JINGBAN_SQLITE_SYNCHRONOUS")
    monkeypatch.delenv("JINGBAN_SQLITE_BUSY_SECONDS")
    database = Database(f"sqlite:///{tmp_path / 'full.db'}")
    try:
        with database.engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
            assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 10000
    finally:
        database.dispose()


def test_the_database_url_setting_names_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'named.db'}"
    monkeypatch.setenv("JINGBAN_DATABASE_URL", url)
    database = Database()
    try:
        assert database.url == url
        assert (tmp_path / "named.db").exists()
    finally:
        database.dispose()


def test_login_lock_and_token_lifetime_follow_the_settings(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(accounts_module, "_HASHER", cheap)
    monkeypatch.setenv("JINGBAN_LOGIN_FAILURES", "2")
    monkeypatch.setenv("JINGBAN_FAILURE_WINDOW_MINUTES", "5")
    monkeypatch.setenv("JINGBAN_TOKEN_HOURS", "1.5")
    store = AccountStore(db)
    store.add_user("li", role="clerk", password="Right-Pass-1", now=NOW, region="kashgar")
    _user, _token, expires = store.authenticate("li", "Right-Pass-1", now=NOW)
    assert expires == NOW + dt.timedelta(hours=1, minutes=30)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            store.authenticate("li", "wrong", now=NOW)
    with pytest.raises(RateLimited) as locked:
        store.authenticate("li", "Right-Pass-1", now=NOW)
    assert locked.value.retry_after == 5 * 60 + 1
    # five minutes on, the window has passed
    store.authenticate("li", "Right-Pass-1", now=NOW + dt.timedelta(minutes=5, seconds=1))


def test_the_public_query_limiter_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JINGBAN_PROGRESS_REQUESTS", "2")
    monkeypatch.setenv("JINGBAN_PROGRESS_WINDOW_SECONDS", "90")
    limiter = _ClientLimiter()
    limiter.hit("198.51.100.7")
    limiter.hit("198.51.100.7")
    with pytest.raises(RateLimited) as limited:
        limiter.hit("198.51.100.7")
    assert limited.value.retry_after == 90
    limiter.hit("198.51.100.8")  # another address has its own count


def test_services_and_scheduler_follow_the_settings(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINGBAN_CALENDAR_TTL_SECONDS", "5")
    monkeypatch.setenv("JINGBAN_SCAN_SECONDS", "120")
    monkeypatch.setenv("JINGBAN_DELIVER_SECONDS", "45")
    monkeypatch.setenv("JINGBAN_ELECT_SECONDS", "7")
    monkeypatch.setenv("JINGBAN_DIGEST_AT", "08:45")
    services = Services(db)
    assert services.calendar_ttl_seconds == 5
    service = SchedulerService(services, node="test")
    assert (service.scan_seconds, service.deliver_seconds, service.elect_seconds) == (120, 45, 7)
    assert service.digest_at == dt.time(8, 45)
    given = SchedulerService(services, scan_seconds=10, digest_at=dt.time(9, 0), node="test")
    assert (given.scan_seconds, given.digest_at) == (10, dt.time(9, 0))

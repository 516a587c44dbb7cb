"""Helpers every test directory shares: instants in Beijing time, identity numbers computed
from the standard (independently of the code under test), and the PostgreSQL test server.

`tests/` is on the import path (pytest's ``pythonpath``), so any test module may
``from support import …``.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from jingban.calendar import BEIJING

PG_ENV = "JINGBAN_TEST_PG_URL"


@cache
def _pg_problem() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        return f'no PostgreSQL server: set {PG_ENV} (eval "$(.ci/pg-start)")'
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"PostgreSQL at {url} unreachable: {exc}"
    return None


def require_pg() -> str:
    """The PostgreSQL URL for tests; skips (or fails under JINGBAN_REQUIRE_PG) without one."""
    problem = _pg_problem()
    if problem:
        if os.environ.get("JINGBAN_REQUIRE_PG"):
            pytest.fail(problem)
        pytest.skip(problem)
    return os.environ[PG_ENV]


def fresh_pg_url() -> str:
    """The test server's URL with an empty public schema."""
    url = require_pg()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def at(text_: str) -> dt.datetime:
    """An aware instant from 'YYYY-MM-DD HH:MM[:SS]' in Beijing time."""
    return dt.datetime.fromisoformat(text_).replace(tzinfo=BEIJING)


def gb11643(body17: str) -> str:
    """A full 18-character citizen identity number for 17 digits, from the standard itself
    (weights 2^(17-i) mod 11, check (12 - sum mod 11) mod 11, 10 written X)."""
    assert len(body17) == 17 and body17.isdigit()
    value = (12 - sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body17)) % 11) % 11
    return body17 + ("X" if value == 10 else str(value))


NOTICE_2027 = Path(__file__).parent / "calendar" / "notices" / "national-2027.toml"


def notice_2027_text() -> str:
    """The invented 2027 national notice the tests import (number 国办发明电〔2026〕99号)."""
    return NOTICE_2027.read_text(encoding="utf-8")


def parent_revision(revision: str) -> str:
    """The revision just below ``revision`` in the migration chain: a test of one revision
    goes down to it (and so only takes away that revision and those above it)."""
    from alembic.script import ScriptDirectory

    from jingban.storage.migrate import alembic_config

    config = alembic_config(create_engine("sqlite://"))
    down = ScriptDirectory.from_config(config).get_revision(revision).down_revision
    assert isinstance(down, str)
    return down

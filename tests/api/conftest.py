"""Fixtures of the API tests: the app on SQLite and PostgreSQL (see `api_support`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import Api, make_api, use_cheap_hashes

from jingban.api import public


@pytest.fixture(autouse=True)
def _fresh_client_limiter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The public query's per-address limiter lives in the module (one per process); give
    every test its own so tests do not eat each other's allowance."""
    monkeypatch.setattr(public, "_limiter", public._ClientLimiter())


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashes(monkeypatch)


@pytest.fixture
def api(db_url: str, cheap_hashes: None) -> Iterator[Api]:
    """The API on an empty SQLite database, then on an empty PostgreSQL one."""
    yield from make_api(db_url)


@pytest.fixture
def sqlite_api(tmp_path: Any, cheap_hashes: None) -> Iterator[Api]:
    """The API on an empty SQLite database only (for tests whose subject is not storage)."""
    yield from make_api(f"sqlite:///{tmp_path / 'jingban.db'}")

"""Fixtures of the materials tests: the API over SQLite and PostgreSQL, as the API tests
build it (`tests/api/api_support.py`), and the console served to a real Chromium, as the
console tests do (`tests/console/console_support.py`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "console"))

from api_support import Api, make_api, use_cheap_hashes
from console_support import browser, page, server

__all__ = ["browser", "page", "server"]


@pytest.fixture
def api(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The API on an empty SQLite database, then on an empty PostgreSQL one."""
    use_cheap_hashes(monkeypatch)
    yield from make_api(db_url)

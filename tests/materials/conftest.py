"""Fixtures of the materials tests: the API over SQLite and PostgreSQL, as the API tests
build it (`tests/api/api_support.py`). The console's browser test of material files is
`tests/console/test_console_materials.py`, beside the browser it shares."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_support import Api, make_api, use_cheap_hashes


@pytest.fixture
def api(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The API on an empty SQLite database, then on an empty PostgreSQL one."""
    use_cheap_hashes(monkeypatch)
    yield from make_api(db_url)

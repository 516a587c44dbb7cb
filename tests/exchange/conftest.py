"""Fixtures of the exchange tests: code data in a data directory of the test's own, no proxy
between the push worker and the loopback platform."""

from __future__ import annotations

from pathlib import Path

import pytest
from exchange_support import write_codes

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _exchange_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    data = tmp_path / "data"
    write_codes(data)
    monkeypatch.setenv("JINGBAN_DATA_DIR", str(data))
    return data

"""Shared helpers of the workflow tests: expected tables, fixture and seed locations."""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURES = HERE / "fixtures"
SNAPSHOTS = HERE / "snapshots"
REGIONS = ("sichuan", "bingtuan", "tacheng", "kashgar", "shawan")
ITEM_COUNTS = {"sichuan": 40, "bingtuan": 28, "tacheng": 28, "kashgar": 28, "shawan": 31}


@functools.cache
def expected(region: str) -> dict[str, Any]:
    """The independent expected table ``EXPECTED`` of tests/workflows/expected_<region>.py."""
    path = HERE / f"expected_{region}.py"
    spec = importlib.util.spec_from_file_location(f"expected_{region}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXPECTED


def seeds_dir() -> Path:
    """Where the source documents live: $JINGBAN_SEEDS, else ../shared/seeds from the repo."""
    override = os.environ.get("JINGBAN_SEEDS")
    return Path(override) if override else REPO.parent / "shared" / "seeds"

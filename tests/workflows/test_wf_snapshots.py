"""Golden snapshots of each region's compiled catalog: a data edit shows its behavioural diff.

Regenerate after an intended change, then review the diff of tests/workflows/snapshots/:

    JINGBAN_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/workflows/test_wf_snapshots.py
"""

from __future__ import annotations

import difflib
import json
import os
from typing import Any

import pytest
from workflow_support import REGIONS, SNAPSHOTS

from jingban.workflows import load_catalog
from jingban.workflows.export import region_snapshot

UPDATE = os.environ.get("JINGBAN_UPDATE_SNAPSHOTS") == "1"


def _dump(value: Any, depth: int = 0) -> str:
    """JSON with short scalar-only lists and tables on one line, so diffs stay readable."""
    flat = json.dumps(value, ensure_ascii=False)
    leaves = value.values() if isinstance(value, dict) else value
    is_container = isinstance(value, dict | list)
    if not is_container or (
        len(flat) + 2 * depth <= 100 and not any(isinstance(v, dict | list) for v in leaves)
    ):
        return flat
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        body = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, depth + 1)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(body) + f"\n{pad}}}"
    body = [f"{inner}{_dump(v, depth + 1)}" for v in value]
    return "[\n" + ",\n".join(body) + f"\n{pad}]"


def _render(region: str) -> str:
    return _dump(region_snapshot(load_catalog().region(region))) + "\n"


@pytest.mark.parametrize("region", REGIONS)
def test_region_matches_its_snapshot(region: str) -> None:
    path = SNAPSHOTS / f"{region}.json"
    current = _render(region)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(current, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path.name} is missing; run with JINGBAN_UPDATE_SNAPSHOTS=1 to create it")
    golden = path.read_text(encoding="utf-8")
    if golden != current:
        diff = "".join(
            difflib.unified_diff(
                golden.splitlines(keepends=True),
                current.splitlines(keepends=True),
                f"snapshots/{path.name}",
                "current catalog",
                n=2,
            )
        )
        pytest.fail(
            f"{region}: the compiled catalog differs from its snapshot "
            f"(JINGBAN_UPDATE_SNAPSHOTS=1 regenerates it after review):\n{diff[:6000]}"
        )


def test_snapshots_are_valid_json_for_every_region() -> None:
    for region in REGIONS:
        data = json.loads((SNAPSHOTS / f"{region}.json").read_text(encoding="utf-8"))
        assert data["region"] == region
        assert len(data["items"]) == len(load_catalog().region(region).items)

"""The committed JSON Schemas (docs/*.schema.json) are what the models generate, and describe
the real files: every field the packaged catalogs use is in the catalog schema."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from workflow_support import REPO

from jingban.schemas import schema_texts


def test_committed_schemas_equal_the_generated_ones() -> None:
    for name, text in schema_texts().items():
        committed = (REPO / "docs" / name).read_text(encoding="utf-8")
        assert committed == text, f"docs/{name} is stale: run `make schema`"


def _keys(schema: dict[str, Any], ref: str) -> set[str]:
    return set(schema["$defs"][ref]["properties"])


def test_catalog_schema_covers_every_field_the_packaged_files_use() -> None:
    schema = json.loads(schema_texts()["catalog.schema.json"])
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"region", "items"}
    item_fields = _keys(schema, "ItemSpec")
    nested = {
        "materials": _keys(schema, "MaterialSpec"),
        "variants": _keys(schema, "VariantSpec"),
        "applicant_types": _keys(schema, "ApplicantTypeSpec"),
        "stage_limits": _keys(schema, "StageLimitSpec"),
    }
    for path in sorted((REPO / "jingban" / "workflows" / "data").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert set(data["region"]) <= _keys(schema, "RegionHead"), path.name
        for item in data["items"]:
            assert set(item) <= item_fields, (path.name, item["key"])
            for name, allowed in nested.items():
                for entry in item.get(name, []):
                    assert set(entry) <= allowed, (path.name, item["key"], name)
    units = schema["$defs"]["LimitSpec"]["properties"]["unit"]["enum"]
    assert units == ["working_days", "natural_days", "months", "instant"]
    stages = schema["$defs"]["ItemSpec"]["properties"]["stages"]["items"]["enum"]
    assert "受理" in stages and "拨付" in stages


def test_registry_schema_lists_the_entry_fields() -> None:
    schema = json.loads(schema_texts()["regions.schema.json"])
    entry = schema["$defs"]["RegionEntry"]
    assert set(entry["required"]) == {"name", "code", "overlay", "hours"}
    assert entry["properties"]["code"]["pattern"] == "^[A-Z]{2}$"
    assert entry["properties"]["overlay"]["enum"] == ["national", "xinjiang"]
    assert entry["additionalProperties"] is False

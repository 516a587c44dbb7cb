"""JSON Schemas of the data files an administrator edits, for editors (``make schema``).

``python -m jingban.schemas [DIR]`` writes them to ``DIR`` (default ``docs``):
``catalog.schema.json`` for the region catalogs (jingban/workflows/data/*.toml) and
``regions.schema.json`` for the region registry (jingban/calendar/data/regions.toml),
``retention.schema.json`` for the retention terms
(jingban/workflows/data/archives/retention.toml). A test
checks that the committed files equal what the models generate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jingban.calendar.regions import RegistryFile
from jingban.datafile import json_schema
from jingban.workflows import catalog_json_schema
from jingban.workflows.retention import retention_json_schema


def schema_texts() -> dict[str, str]:
    """File name → text of every generated schema (stable order, final newline)."""
    schemas = {
        "catalog.schema.json": catalog_json_schema(),
        "regions.schema.json": json_schema(RegistryFile, "jingban 地区登记表 / region registry"),
        "retention.schema.json": retention_json_schema(),
    }
    return {name: json.dumps(s, ensure_ascii=False, indent=2) + "\n" for name, s in schemas.items()}


def main(argv: list[str]) -> None:
    """Write the schemas to the directory ``argv[0]`` (default ``docs``)."""
    target = Path(argv[0] if argv else "docs")
    for name, text in schema_texts().items():
        (target / name).write_text(text, encoding="utf-8")
        print(f"wrote {target / name}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The canonical encoding of item definitions: an exact round trip for every item of every
region, stable bytes, and a digest that follows the definition, not Python's ``repr``."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from jingban.workflows import CatalogError, Item, Limit, Material, load_catalog
from jingban.workflows.definition import (
    DEFINITION_FORMAT,
    canonical_json,
    decode,
    digest,
    encode,
    from_json,
)

ITEMS = [item for region in load_catalog().regions.values() for item in region.items]


def test_every_item_of_every_region_round_trips_exactly() -> None:
    assert len(ITEMS) == 155
    for item in ITEMS:
        data = encode(item)
        back = decode(data)
        assert back == item, item.key
        assert hash(back) == hash(item)
        # Through the stored text as well: plain JSON types only.
        assert from_json(canonical_json(item).decode("utf-8")) == item
        assert digest(back) == digest(item)


def test_the_canonical_bytes_are_sorted_compact_utf8_json() -> None:
    item = load_catalog().item("kashgar", "inpatient_reimbursement")
    raw = canonical_json(item)
    text = raw.decode("utf-8")
    assert text == json.dumps(
        json.loads(text), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert item.name in text  # Chinese as is, not \\u escapes
    assert json.loads(text)["format"] == DEFINITION_FORMAT
    assert digest(item) == hashlib.sha256(raw).hexdigest()[:16]


def test_the_digest_changes_with_any_part_of_the_definition_and_not_with_repr() -> None:
    item = load_catalog().item("sichuan", "inpatient_reimbursement")
    edits = [
        dataclasses.replace(item, promised=Limit(item.promised.value + 1, item.promised.unit)),
        dataclasses.replace(item, materials=(*item.materials, Material("新增材料"))),
        dataclasses.replace(item, stages=(*item.stages[:-1], "拨付", item.stages[-1])),
        dataclasses.replace(item, notes=(*item.notes, "备注")),
    ]
    versions = {digest(item), *(digest(edited) for edited in edits)}
    assert len(versions) == 1 + len(edits)
    legacy = hashlib.sha256(repr(item).encode("utf-8")).hexdigest()[:16]
    assert digest(item) != legacy
    # Equal definitions built separately have one version.
    assert digest(decode(encode(item))) == digest(item)


def test_damaged_or_unknown_stored_definitions_are_catalog_errors() -> None:
    item: Item = ITEMS[0]
    data = encode(item)
    with pytest.raises(CatalogError, match="格式版本"):
        decode({**data, "format": 99})
    broken = dict(data)
    del broken["stages"]
    with pytest.raises(CatalogError, match="不完整"):
        decode(broken)
    with pytest.raises(CatalogError, match="JSON"):
        from_json("{not json")


def test_diff_lists_each_changed_leaf_with_its_path_and_label() -> None:
    from jingban.workflows.definition_diff import diff

    item = load_catalog().item("sichuan", "inpatient_reimbursement")
    edited = dataclasses.replace(
        item,
        promised=Limit(item.promised.value - 1, item.promised.unit),
        stages=(*item.stages[:-1], "拨付", item.stages[-1]),
        materials=(
            dataclasses.replace(item.materials[0], required=not item.materials[0].required),
            *item.materials[1:],
        ),
    )
    changes = {c.path: c for c in diff(item, edited)}
    assert set(changes) == {"promised.value", "stages", "materials[0].required"}
    assert changes["promised.value"].label == "承诺时限 数值"
    assert changes["stages"].new == list(edited.stages)
    assert changes["materials[0].required"].label == "申请材料 第1项 必需"
    assert diff(item, decode(encode(item))) == []

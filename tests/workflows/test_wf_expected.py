"""Every item of every region against the independent expected tables: name, code, limits
(all variants) and chain; item counts and order per region."""

from __future__ import annotations

import pytest
from workflow_support import ITEM_COUNTS, REGIONS, expected

from jingban.workflows import Item, Limit, load_catalog


def _limit(limit: Limit) -> tuple[int, str]:
    return (limit.value, limit.unit)


def _row(item: Item) -> tuple:
    variants = tuple(
        (dict(v.when), _limit(v.statutory), _limit(v.promised), v.stages) for v in item.variants
    )
    return (
        item.seq,
        item.name,
        item.code,
        _limit(item.statutory),
        _limit(item.promised),
        item.stages,
        variants,
    )


CASES = [(region, key) for region in REGIONS for key in expected(region)]


@pytest.mark.parametrize(("region", "key"), CASES, ids=[f"{r}.{k}" for r, k in CASES])
def test_item_matches_expected_table(region: str, key: str) -> None:
    item = load_catalog().item(region, key)
    want = expected(region)[key]
    assert _row(item) == (*want[:6], tuple(want[6]))


@pytest.mark.parametrize("region", REGIONS)
def test_region_lists_exactly_the_expected_items_in_order(region: str) -> None:
    found = load_catalog().region(region)
    assert len(found.items) == ITEM_COUNTS[region]
    want = sorted(expected(region), key=lambda key: expected(region)[key][0])
    assert [item.key for item in found.items] == want
    assert [item.seq for item in found.items] == list(range(1, ITEM_COUNTS[region] + 1))


def test_catalog_has_the_five_regions_in_order() -> None:
    assert tuple(load_catalog().regions) == REGIONS
    assert sum(len(r.items) for r in load_catalog().regions.values()) == 155


def test_same_service_has_same_key_everywhere() -> None:
    names: dict[str, set[str]] = {}
    for region in load_catalog().regions.values():
        for item in region.items:
            names.setdefault(item.key, set()).add(region.key)
    assert names["inpatient_reimbursement"] == set(REGIONS)

"""The catalog's rules for the auditor: an item's one completer (``completed_by``, with its
default) and the region's extension rule (``[region.extensions]``), validated with the file;
an item that names no completer keeps the definition (and version) it had."""

from __future__ import annotations

from pathlib import Path

import pytest
from workflow_support import FIXTURES

from jingban.workflows import CatalogError, load_catalog, load_region
from jingban.workflows.definition import decode, digest, encode
from jingban.workflows.model import Region
from jingban.workflows.responsibility import waiting_for

GOOD = (FIXTURES / "good.toml").read_text(encoding="utf-8")
FIRST_ITEM = 'stages = ["申请", "受理", "审核", "办结"]\n'


def _region(tmp_path: Path, text: str) -> Region:
    path = tmp_path / "good.toml"
    path.write_text(text, encoding="utf-8")
    return load_region(path)


def test_the_completer_defaults_to_the_role_of_the_last_stage_before_completion() -> None:
    catalog = load_catalog()
    assert catalog.item("sichuan", "inpatient_reimbursement").completer == "payer"
    assert catalog.item("kashgar", "inpatient_reimbursement").completer == "reviewer"
    assert catalog.item("kashgar", "relocated_retiree_filing").completer == "clerk"
    assert all(i.completed_by is None for r in catalog.regions.values() for i in r.items)


def test_completed_by_names_the_completer_and_is_validated(tmp_path: Path) -> None:
    named = GOOD.replace(FIRST_ITEM, FIRST_ITEM + 'completed_by = "clerk"\n', 1)
    item = _region(tmp_path, named).item("unit_registration")
    assert (item.completed_by, item.completer) == ("clerk", "clerk")
    assert decode(encode(item)) == item
    with pytest.raises(CatalogError) as raised:
        _region(tmp_path, GOOD.replace(FIRST_ITEM, FIRST_ITEM + 'completed_by = "admin"\n', 1))
    assert "completed_by" in raised.value.message


def test_an_item_naming_no_completer_keeps_its_definition_and_version() -> None:
    item = load_catalog().item("sichuan", "inpatient_reimbursement")
    assert "completed_by" not in encode(item)
    assert digest(item) == digest(decode(encode(item)))


def test_the_region_s_extension_rule_has_a_default_and_is_validated(tmp_path: Path) -> None:
    region = _region(tmp_path, GOOD)
    assert (region.extensions.max_count, region.extensions.max_working_days) == (1, 10)
    head_end = GOOD.index("\n[[items]]")
    more = GOOD[:head_end] + "\n\n[region.extensions]\nmax_count = 2\nmax_working_days = 15\n"
    region = _region(tmp_path, more + GOOD[head_end:])
    assert (region.extensions.max_count, region.extensions.max_working_days) == (2, 15)
    with pytest.raises(CatalogError, match="max_working_days"):
        bad = GOOD[:head_end] + "\n\n[region.extensions]\nmax_working_days = 0\n"
        _region(tmp_path, bad + GOOD[head_end:])


@pytest.mark.parametrize("key", ["sichuan", "shawan"])
def test_the_reviewer_waits_for_no_case_waiting_for_payment(key: str) -> None:
    region = load_catalog().region(key)
    paying = {i.key for i in region.items if i.has_payment}
    reviewer, payer = waiting_for(region, "reviewer"), waiting_for(region, "payer")
    reviewed = reviewer.get("reviewed") or frozenset()
    assert paying and not (paying & reviewed)
    assert paying <= (payer["reviewed"] or frozenset()) and paying <= (payer["paid"] or set())
    clerk = waiting_for(region, "clerk")
    assert clerk["submitted"] is None and clerk["supplement_requested"] is None
    assert "submitted" not in reviewer and "accepted" not in payer
    assert waiting_for(region, "supervisor") == {}
    # Compiled items answer alike, one chain each.
    from jingban.workflows import compile_item

    compiled = [compile_item(i) for i in region.items]
    assert waiting_for(compiled, "payer")["paid"] == payer["paid"]

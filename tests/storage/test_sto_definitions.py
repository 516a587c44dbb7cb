"""Pinned definitions on every store (memory, SQLite, PostgreSQL): a case keeps the item
definition it opened under through a catalog edit, found again by its version (from the
table, in a fresh process too); new cases take the edit; a supervisor moves an open case to
the newer definition with one audited, verifiable record."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import text
from storage_support import OPEN, at

from jingban.engine import Engine, WrongRole
from jingban.errors import BadInput, NotAllowed, NotFound
from jingban.storage import CaseStore
from jingban.storage.memory import MemoryCaseStore
from jingban.workflows import Catalog, FrozenMap, Limit, Material

REGION, KEY = "kashgar", "inpatient_reimbursement"
SUPERVISOR = {"actor": "supervisor-chen", "role": "supervisor"}
NEW_MATERIAL = "新增: 银行卡复印件"


def edited(catalog: Catalog) -> Catalog:
    """``catalog`` with the item's promise cut to 10 working days and a material added."""
    region = catalog.region(REGION)
    old = region.item(KEY)
    new = dataclasses.replace(
        old,
        promised=Limit(10, "working_days"),
        materials=(*old.materials, Material(NEW_MATERIAL)),
    )
    items = tuple(new if i.key == KEY else i for i in region.items)
    regions = dict(catalog.regions)
    regions[REGION] = dataclasses.replace(region, items=items)
    return Catalog(FrozenMap(regions))


def after_edit(store: Any, engine: Engine) -> Any:
    """The same store's data as a process started after the catalog edit sees it."""
    new_engine = Engine(edited(engine.catalog), engine.calendars)
    if isinstance(store, MemoryCaseStore):
        store.engine = new_engine.with_definitions(store._definition)
        return store
    return CaseStore(store.db, new_engine)


def _open(store: Any, when: str = "2026-03-02 10:00") -> str:
    return store.open(
        now=at(when), region=REGION, item=KEY, all_materials=True, **OPEN
    ).case.case_no


def _migrate(store: Any, number: str, **fields: Any):
    return store.migrate(
        number, **{**SUPERVISOR, "now": at("2026-03-03 09:00"), "reason": "目录修订", **fields}
    )


def test_an_open_case_keeps_its_definition_and_new_cases_take_the_edit(
    store: Any, engine: Engine
) -> None:
    before = _open(store)
    old_item = engine.catalog.item(REGION, KEY)
    later = after_edit(store, engine)
    case = later.get(before)
    assert later.engine.item_of(case) == old_item  # found by its version
    assert later.engine.item_of(case).promised == Limit(20, "working_days")
    # The edit's new material is not asked of the case opened before it.
    accepted = later.act(
        before, "accept", actor="clerk-li", role="clerk", now=at("2026-03-02 11:00")
    )
    assert accepted.case.state == "accepted"
    # A calendar-style recomputation leaves its dues where they were.
    if hasattr(later, "recalculate_case"):
        assert later.recalculate_case(before, at("2026-03-02 12:00"), "测试") is False
    new = later.get(_open(later))
    assert new.item_version != case.item_version
    assert new.promised_due is not None and case.promised_due is not None
    assert new.promised_due < case.promised_due
    assert NEW_MATERIAL in later.engine.item_of(new).required_materials()[-1].name


def test_a_fresh_process_reads_the_pinned_definition_from_the_table(database, engine) -> None:
    number = _open(CaseStore(database, engine))
    fresh = CaseStore(database, Engine(edited(engine.catalog), engine.calendars))
    case = fresh.get(number)
    assert fresh.engine.item_of(case) == engine.catalog.item(REGION, KEY)
    with database.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT region, item_key, version, definition FROM item_definitions")
        ).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [(REGION, KEY, case.item_version)]
    assert '"key":"inpatient_reimbursement"' in rows[0][3]
    # Opening more cases under the same version adds no row; one under the edit adds one.
    _open(CaseStore(database, engine))
    _open(fresh)
    with database.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM item_definitions")).scalar_one()
    assert count == 2


def test_a_supervisor_migrates_an_open_case_with_one_audited_record(
    store: Any, engine: Engine
) -> None:
    number = _open(store)
    later = after_edit(store, engine)
    before = later.get(number)
    target = later.engine.current_version(REGION, KEY)
    result = _migrate(later, number)
    assert result.case.item_version == target
    assert result.case.version == before.version + 1
    assert result.case.state == before.state
    assert result.case.promised_due < before.promised_due
    event = later.history(number)[-1]
    assert event.action == "migrate" and event.reason == "目录修订"
    assert event.actor == "supervisor-chen" and event.role == "supervisor"
    payload = dict(event.payload)
    assert payload["from_version"] == before.item_version
    assert payload["to_version"] == target
    assert "promised" in payload["dues"]
    assert later.verify(number) == (2, [])
    # Now decided under the new definition: the new material is required to accept.
    assert later.engine.item_of(later.get(number)).promised == Limit(10, "working_days")
    # Moving back to the older version is refused.
    with pytest.raises(NotAllowed, match="只能迁移到更新的版本"):
        _migrate(later, number, to_version=before.item_version)


def test_migration_refusals_are_typed_change_nothing_and_are_recorded(
    store: Any, engine: Engine
) -> None:
    number = _open(store)
    later = after_edit(store, engine)
    before = later.get(number)
    with pytest.raises(WrongRole, match="仅科长/主管"):
        _migrate(later, number, actor="clerk-li", role="clerk")
    with pytest.raises(BadInput, match="理由"):
        _migrate(later, number, reason="  ")
    with pytest.raises(NotFound, match="没有版本 0123456789abcdef"):
        _migrate(later, number, to_version="0123456789abcdef")
    with pytest.raises(BadInput, match="无需迁移"):
        _migrate(later, number, to_version=before.item_version)
    ended = _open(later)
    later.act(
        ended,
        "withdraw",
        actor="clerk-li",
        role="clerk",
        now=at("2026-03-02 12:00"),
    )
    with pytest.raises(NotAllowed, match="已撤回"):
        _migrate(later, ended, to_version=before.item_version)
    # The case is unchanged; the refused attempts (not the malformed ones) are on record.
    assert later.get(number).version == before.version
    history = later.history(number)
    assert [(e.action, e.refused) for e in history] == [("open", False), ("migrate", True)]
    assert "仅科长/主管" in history[-1].payload["error"]
    assert later.history(ended)[-1].refused and later.history(ended)[-1].action == "migrate"
    assert later.verify() == (len(history) + len(later.history(ended)), [])


def test_all_open_cases_of_an_item_move_to_the_current_version(store: Any, engine: Engine) -> None:
    numbers = [_open(store) for _ in range(3)]
    later = after_edit(store, engine)
    later.act(numbers[2], "withdraw", actor="clerk-li", role="clerk", now=at("2026-03-02 12:00"))
    newer = _open(later)
    moved = later.migrate_open(
        region=REGION, item=KEY, now=at("2026-03-03 09:00"), reason="目录修订", **SUPERVISOR
    )
    assert [r.case.case_no for r in moved] == numbers[:2]
    target = later.engine.current_version(REGION, KEY)
    assert {later.get(n).item_version for n in [*numbers[:2], newer]} == {target}
    assert later.get(numbers[2]).item_version != target
    assert (
        later.migrate_open(
            region=REGION, item=KEY, now=at("2026-03-03 09:00"), reason="目录修订", **SUPERVISOR
        )
        == []
    )

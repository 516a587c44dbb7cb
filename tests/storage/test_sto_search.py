"""`CaseStore.search` and `counts` on SQLite and PostgreSQL: filters, orders (a paused case
never sorts among the urgent), counts in SQL over every match, wildcards taken literally,
identity numbers found through their keyed hash only; and the key file and migration 0008."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text
from storage_support import APPLICANT_ID, OPEN, at
from support import gb11643

from jingban.engine import ActionParams, Engine
from jingban.errors import BadInput
from jingban.storage import CaseStore, Database
from jingban.storage.case_search import CaseFilter, Page
from jingban.storage.keys import derived_key, id_number_hash, key_path, secret_key
from jingban.storage.migrate import alembic_config, upgrade
from jingban.storage.models import CASES
from jingban.storage.search_text import checked_id_number

RECEIVED = "2026-11-23T10:00"


def _open(store: CaseStore, name: str, n: int, **fields: object) -> str:
    values = {**OPEN, "applicant_name": name, "applicant_id": gb11643(f"51010719750308{n:03d}")}
    values.update(fields)
    opened = store.open(
        now=at(RECEIVED), region="sichuan", item="inpatient_reimbursement", **values
    )
    return opened.case.case_no


@pytest.fixture
def cases(database: Database, engine: Engine) -> CaseStore:
    return CaseStore(database, engine)


def test_filters_orders_and_counts_in_sql(cases: CaseStore) -> None:
    a = _open(cases, "阿不都热依木", 1)
    b = _open(cases, "王秀英", 2)
    c = _open(cases, "100%_王", 3)
    cases.act(
        b,
        "request_supplement",
        actor="li",
        role="clerk",
        now=at(RECEIVED),
        params=ActionParams(missing=("出院记录",)),
    )
    late = at("2027-02-01T10:00")  # every running case is past its dues
    found = cases.search(CaseFilter(open_only=True), Page(sort="due"), now=late)
    assert found.total == 3
    assert [x.case_no for x in found.cases][-1] == b  # the paused case sorts last
    counts = cases.counts(CaseFilter(open_only=True), now=late)
    assert (counts.total, counts.by_card["red"], counts.by_card["green"]) == (3, 2, 1)
    assert counts.overdue == 2 and counts.by_state == {"submitted": 2, "supplement_requested": 1}
    assert cases.search(CaseFilter(card="red"), Page(), now=late).total == 2
    assert [x.case_no for x in cases.search(CaseFilter(name="不都"), Page(), now=late).cases] == [a]
    assert [x.case_no for x in cases.search(CaseFilter(name="%_"), Page(), now=late).cases] == [c]
    assert cases.search(CaseFilter(name="%"), Page(), now=late).total == 1
    two = cases.search(CaseFilter(), Page(number=2, size=2, sort="case_no"), now=late)
    assert (two.total, two.pages, [x.case_no for x in two.cases]) == (3, 2, [sorted([a, b, c])[2]])
    desc = cases.search(CaseFilter(), Page.parse(1, 3, "-case_no"), now=late)
    assert [x.case_no for x in desc.cases] == sorted([a, b, c], reverse=True)
    day = dt.date(2026, 11, 23)
    assert cases.search(CaseFilter(received_from=day, received_to=day), Page(), now=late).total == 3
    assert (
        cases.search(CaseFilter(received_to=day - dt.timedelta(days=1)), Page(), now=late).total
        == 0
    )
    assert cases.search(CaseFilter(case_no=a[-9:].lower()), Page(), now=late).total == 1


def test_an_identity_number_is_found_by_its_keyed_hash_only(cases: CaseStore) -> None:
    number = _open(cases, "王秀英", 1, applicant_id=APPLICANT_ID)
    found = cases.search(CaseFilter(id_number=APPLICANT_ID.lower()), Page(), now=at(RECEIVED))
    assert [c.case_no for c in found.cases] == [number]
    with cases.db.engine.connect() as conn:
        stored = conn.execute(select(CASES.c.applicant_id_hash)).scalar_one()
    assert stored == cases.id_hash(APPLICANT_ID) and APPLICANT_ID not in stored
    with pytest.raises(BadInput, match="完整"):
        cases.search(CaseFilter(id_number=APPLICANT_ID[:12]), Page(), now=at(RECEIVED))
    with pytest.raises(BadInput, match="校验位"):
        checked_id_number(APPLICANT_ID[:17] + ("0" if APPLICANT_ID[17] != "0" else "1"))
    assert checked_id_number("E12345678") == "E12345678"  # a passport number, whole


def test_bad_pages_and_filters_are_refused_in_chinese(cases: CaseStore) -> None:
    for bad in (lambda: Page(number=0), lambda: Page(size=201), lambda: Page(sort="x")):
        with pytest.raises(BadInput):
            bad()
    with pytest.raises(BadInput, match="未知状态"):
        cases.search(CaseFilter(states=("nope",)), Page(), now=at(RECEIVED))
    with pytest.raises(BadInput, match="未知牌色"):
        cases.search(CaseFilter(card="purple"), Page(), now=at(RECEIVED))


def test_the_key_file_is_created_once_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JINGBAN_SECRET_KEY_FILE", raising=False)
    monkeypatch.delenv("JINGBAN_DATA_DIR", raising=False)
    url = f"sqlite:///{tmp_path / 'office' / 'jingban.db'}"
    path = key_path(url)
    assert path == (tmp_path / "office" / "jingban.key").resolve()
    key = secret_key(path)
    assert len(key) == 32 and secret_key(path) == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert id_number_hash(" 51010719750308212x", key) == id_number_hash("51010719750308212X", key)
    monkeypatch.setenv("JINGBAN_DATA_DIR", str(tmp_path / "data"))
    assert key_path(url) == tmp_path / "data" / "jingban.key"
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    with pytest.raises(BadInput, match="密钥文件"):
        secret_key(bad)


def test_each_purpose_gets_its_own_key_derived_from_the_server_key() -> None:
    key = bytes(range(32))
    first = derived_key("id-encryption", key)
    assert len(first) == 32 and first == derived_key("id-encryption", key)
    assert first not in {key, derived_key("audit-checkpoint", key)}
    assert first != derived_key("id-encryption", bytes(32))
    with pytest.raises(ValueError, match="purpose"):
        derived_key("Bad Purpose", key)


def test_migration_0008_fills_the_hash_of_existing_cases(db_url: str, engine: Engine) -> None:
    current = Database(db_url)
    store = CaseStore(current, engine)
    number = _open(store, "王秀英", 1, applicant_id=APPLICANT_ID)
    # the later migrations stepped back, so the database stands at 0008 with its case
    command.downgrade(alembic_config(current.engine), "0008_case_search")
    with current.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET applicant_id_hash = NULL"))
        conn.execute(text("DROP INDEX ix_cases_applicant_id_hash"))
        conn.execute(text("DROP INDEX ix_cases_scope_open"))
        conn.execute(text("DROP INDEX ix_cases_scope_name"))
        conn.execute(text("ALTER TABLE cases DROP COLUMN applicant_id_hash"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0007_item_definitions'"))
    upgrade(current.engine)  # the rows of before 0008 get their hash
    found = store.search(CaseFilter(id_number=APPLICANT_ID), Page(), now=at(RECEIVED))
    assert [c.case_no for c in found.cases] == [number]
    current.dispose()

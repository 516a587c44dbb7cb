"""The acting person's identity number at rest (0016_applicant_kinds), on SQLite and
PostgreSQL: encrypted once at registration, masked in the case and its audit record, bound
to its case and to its role, found by keyed hash; a unit is found and its query code reissued
by its 统一社会信用代码; the audit trail verifies; the migration goes up and down."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from support import at, gb11643

from jingban.engine import ActionParams, Engine
from jingban.engine.identity import mask_identity
from jingban.storage import CaseStore, Database, id_rotation
from jingban.storage.case_agents import AgentStore, agent_scope
from jingban.storage.case_search import CaseFilter, Page
from jingban.storage.idcrypt import IdentityKeyMissing, cipher_for, key_id, token_key_id
from jingban.storage.keys import forget_cached_keys, secret_key
from jingban.storage.migrate import alembic_config, is_current, upgrade

NOW = at("2026-02-13 10:00")  # the last working day before 春节
CODE = "914403001922038216"
HANDLER_ID = gb11643("44030419850612001")
AGENT_ID = gb11643("65900119800101123")
APPLICANT_ID = gb11643("65900119750308212")
CLERK = {"actor": "clerk-ma", "role": "clerk"}


def _dump(db: Database) -> str:
    parts = []
    with db.engine.connect() as conn:
        for table in ("cases", "audit_events", "case_agents", "scan_queue"):
            parts += [repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(parts)


def _register(store: CaseStore) -> tuple[str, str]:
    unit = store.open(
        now=NOW,
        region="bingtuan",
        item="unit_info_change",
        applicant_kind="unit",
        applicant_name="某某建设有限公司",
        credit_code=CODE,
        agent_name="陈经办",
        agent_id=HANDLER_ID,
        **CLERK,
    ).case.case_no
    person = store.open(
        now=NOW,
        region="bingtuan",
        item="inpatient_reimbursement",
        applicant_name="张三",
        applicant_id=APPLICANT_ID,
        agent_name="李四",
        agent_id=AGENT_ID,
        agent_id_type="mi_voucher",
        **CLERK,
    ).case.case_no
    return unit, person


def test_the_agents_number_is_nowhere_in_clear_and_opens_only_as_the_agents(
    db_url: str, engine: Engine
) -> None:
    db = Database(db_url)
    try:
        store = CaseStore(db, engine)
        unit, person = _register(store)
        dump = _dump(db)
        assert HANDLER_ID not in dump and AGENT_ID not in dump and APPLICANT_ID not in dump
        agents = AgentStore(db)
        stored = agents.stored(person)
        assert stored is not None and (stored.role, stored.id_type) == ("agent", "mi_voucher")
        assert agents.whole_number(person) == AGENT_ID
        assert agents.whole_number(unit) == HANDLER_ID
        cipher = cipher_for(db_url)
        with pytest.raises(IdentityKeyMissing):  # not the applicant's number of that case
            cipher.decrypt(stored.id_cipher, person)
        with pytest.raises(IdentityKeyMissing):  # nor the agent's of another case
            cipher.decrypt(stored.id_cipher, agent_scope(unit))
        assert agents.cases_acted_by(AGENT_ID.lower()) == [person]
        assert (
            agents.stored(
                store.open(
                    now=NOW,
                    region="bingtuan",
                    item="resident_registration",
                    applicant_name="赵六",
                    applicant_id=APPLICANT_ID,
                    **CLERK,
                ).case.case_no
            )
            is None
        )
        reloaded = CaseStore(db, engine).get(person)
        assert reloaded.agent is not None
        assert reloaded.agent.id_number == mask_identity(AGENT_ID)
    finally:
        db.dispose()


def test_a_unit_is_found_and_its_code_reissued_by_its_credit_code(
    db_url: str, engine: Engine
) -> None:
    db = Database(db_url)
    try:
        store = CaseStore(db, engine)
        unit, _ = _register(store)
        page = store.search(
            CaseFilter(id_number=CODE.lower()), Page.parse(1, 50, "-registered"), now=NOW
        )
        assert [c.case_no for c in page.cases] == [unit]
        reissued = store.act(
            unit,
            "reissue_code",
            now=at("2026-02-13 11:00"),
            params=ActionParams(id_number=CODE, reason="回执遗失"),
            **CLERK,
        )
        assert reissued.case.applicant_kind == "unit"
        checked, breaks = store.verify()
        assert checked >= 2 and breaks == []
    finally:
        db.dispose()


def test_the_migration_adds_the_table_and_takes_it_away(db_url: str, engine: Engine) -> None:
    db = Database(db_url)
    try:
        assert is_current(db.engine)
        assert "case_agents" in inspect(db.engine).get_table_names()
        config = alembic_config(db.engine)
        command.downgrade(config, "0015_id_encryption")
        assert "case_agents" not in inspect(db.engine).get_table_names()
        upgrade(db.engine)
        assert "case_agents" in inspect(db.engine).get_table_names()
        unit, _ = _register(CaseStore(db, engine))
        assert AgentStore(db).whole_number(unit) == HANDLER_ID
    finally:
        db.dispose()


def test_no_agent_number_leaks_into_the_sqlite_file(tmp_path: Path, engine: Engine) -> None:
    url = f"sqlite:///{tmp_path / 'jingban.db'}"
    db = Database(url)
    try:
        _register(CaseStore(db, engine))
    finally:
        db.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("jingban.db"))
    assert HANDLER_ID.encode() not in raw and AGENT_ID.encode() not in raw


@pytest.fixture
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A key file of this test only (rotation replaces it)."""
    path = tmp_path / "keys" / "jingban.key"
    monkeypatch.setenv("JINGBAN_SECRET_KEY_FILE", str(path))
    forget_cached_keys()
    return path


def test_a_key_rotation_moves_the_agents_numbers_too(
    db_url: str, engine: Engine, own_key: Path
) -> None:
    db = Database(db_url)
    try:
        unit, person = _register(CaseStore(db, engine))
        old = key_id(secret_key(own_key))
        before = id_rotation.status(db)
        assert before.rows == {old: 4}  # two applicants, two acting persons
        old_id, new_id, moved = id_rotation.rotate(db)
        assert (old_id, moved) == (old, 4)
        after = id_rotation.status(db)
        assert after.rows == {new_id: 4} and after.stale == 0
        fresh = Database(db_url)
        try:
            agents = AgentStore(fresh)
            stored = agents.stored(person)
            assert stored is not None and token_key_id(stored.id_cipher) == new_id
            assert agents.whole_number(person) == AGENT_ID
            assert agents.cases_acted_by(HANDLER_ID) == [unit]  # re-hashed with the new key
        finally:
            fresh.dispose()
    finally:
        db.dispose()

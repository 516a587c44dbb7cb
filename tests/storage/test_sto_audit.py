"""The audit trail on SQLite and PostgreSQL: append-only at the database, one row per action
and per refused attempt, and a hash chain that names the first bad row when someone goes around
the triggers. Also: query codes are stored only as hashes."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from storage_support import APPLICANT_ID, OPEN, at

from jingban.engine import ActionParams, WrongRole, format_case_number
from jingban.engine.identity import mask_identity
from jingban.errors import BadInput, Conflict, NotAllowed, NotFound
from jingban.storage import CaseStore, Database

CLERK, REVIEWER = ("clerk-li", "clerk"), ("reviewer-wang", "reviewer")


def _act(store, number: str, action: str, who, when: str, **params):
    return store.act(
        number, action, actor=who[0], role=who[1], now=at(when), params=ActionParams(**params)
    )


def _case_with_history(store, received: str = "2026-03-02 10:00") -> str:
    """A kashgar case with five records: open, accept, a refused approve, approve, complete."""
    number = store.open(
        now=at(received),
        region="kashgar",
        item="inpatient_reimbursement",
        all_materials=True,
        **OPEN,
    ).case.case_no
    _act(store, number, "accept", CLERK, "2026-03-02 11:00")
    with pytest.raises(WrongRole):
        _act(store, number, "approve", CLERK, "2026-03-02 11:05")
    _act(store, number, "approve", REVIEWER, "2026-03-03 10:00")
    _act(store, number, "complete", ("supervisor-chen", "supervisor"), "2026-03-04 10:00")
    return number


def _rows(db: Database, sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def _tamper(db: Database, *statements: str) -> None:
    """Run statements around the append-only triggers, as an intruder with DDL rights would."""
    with db.engine.connect() as conn:
        for table in ("audit_events", "audit_refusals", "audit_checkpoints"):
            if db.engine.dialect.name == "sqlite":
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
            else:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        for statement in statements:
            conn.execute(text(statement))
        conn.commit()


@pytest.fixture
def cases(database: Database, engine) -> tuple[CaseStore, list[str]]:
    store = CaseStore(database, engine)
    return store, [_case_with_history(store) for _ in range(3)]


def test_one_row_per_action_and_per_refused_attempt(store) -> None:
    number = store.open(
        now=at("2026-03-02 10:00"),
        region="sichuan",
        item="inpatient_reimbursement",
        all_materials=True,
        **OPEN,
    ).case.case_no
    _act(store, number, "accept", CLERK, "2026-03-02 11:00")
    with pytest.raises(WrongRole):
        _act(store, number, "approve", CLERK, "2026-03-02 11:05")
    with pytest.raises(BadInput):  # malformed input: nothing to record
        _act(store, number, "suspend", REVIEWER, "2026-03-02 11:06")
    with pytest.raises(Conflict):  # a stale version: nothing to record either
        store.act(
            number,
            "approve",
            actor="reviewer-wang",
            role="reviewer",
            now=at("2026-03-02 11:07"),
            expected_version=1,
        )
    _act(store, number, "approve", REVIEWER, "2026-03-02 11:10")
    history = store.history(number)
    # The refusal is kept outside the chain, right after the record it was decided against.
    assert [(e.seq, e.action, e.refused, e.refusal_no) for e in history] == [
        (1, "open", False, 0),
        (2, "accept", False, 0),
        (2, "approve", True, 1),
        (3, "approve", False, 0),
    ]
    refused = history[2]
    assert (refused.from_state, refused.to_state, refused.actor) == (
        "accepted",
        "accepted",
        "clerk-li",
    )
    assert refused.prev_hash == history[1].hash and refused.outside_chain
    assert "error" in refused.payload
    assert store.get(number).version == 3  # a refusal does not count as a version
    assert history[3].prev_hash == history[1].hash  # nor as a link of the chain
    assert store.verify(number) == (4, [])


def test_the_database_refuses_update_and_delete(cases) -> None:
    store, _ = cases
    db = store.db
    before = _rows(db, "SELECT case_no, seq, hash FROM audit_events ORDER BY id")
    for statement in (
        "UPDATE audit_events SET reason = 'changed' WHERE seq = 2",
        "UPDATE audit_events SET hash = prev_hash",
        "DELETE FROM audit_events WHERE seq = 4",
        "DELETE FROM audit_events",
        "UPDATE audit_refusals SET actor = 'someone'",
        "DELETE FROM audit_refusals",
        *(["TRUNCATE audit_events"] if db.engine.dialect.name == "postgresql" else []),
        *(["TRUNCATE audit_refusals"] if db.engine.dialect.name == "postgresql" else []),
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert _rows(db, "SELECT case_no, seq, hash FROM audit_events ORDER BY id") == before
    assert len(_rows(db, "SELECT id FROM audit_refusals")) == 3
    assert store.verify() == (15, [])


def test_a_changed_record_is_named_by_case_and_seq(cases) -> None:
    store, (first, second, third) = cases
    _tamper(
        store.db,
        f"UPDATE audit_events SET reason = '已核实' WHERE case_no = '{second}' AND seq = 4",
        f"UPDATE audit_events SET actor = 'someone' WHERE case_no = '{third}' AND seq = 2",
    )
    checked, breaks = store.verify()
    assert checked == 15
    assert [(b.case_no, b.seq) for b in breaks] == [(second, 4), (third, 2)]
    assert all("哈希不符" in b.problem for b in breaks)
    assert store.verify(second)[1] == [breaks[0]]
    assert store.verify(first) == (5, [])


def test_a_changed_payload_is_caught(cases) -> None:
    store, (_, second, _) = cases
    # The acceptance record's list of checked materials, emptied.
    _tamper(
        store.db,
        """UPDATE audit_events SET payload = '{"materials":[]}' """
        f"WHERE case_no = '{second}' AND seq = 2",
    )
    assert [(b.case_no, b.seq) for b in store.verify()[1]] == [(second, 2)]


def test_a_deleted_last_record_is_caught_by_the_head(cases) -> None:
    store, (_, second, _) = cases
    _tamper(store.db, f"DELETE FROM audit_events WHERE case_no = '{second}' AND seq = 4")
    checked, breaks = store.verify()
    assert checked == 14
    assert [(b.case_no, b.seq) for b in breaks] == [(second, 4)]
    assert "缺失" in breaks[0].problem


def test_a_deleted_middle_record_is_caught(cases) -> None:
    store, (_, second, _) = cases
    _tamper(store.db, f"DELETE FROM audit_events WHERE case_no = '{second}' AND seq = 2")
    assert [(b.case_no, b.seq) for b in store.verify()[1]] == [(second, 3)]


def test_a_case_whose_every_record_is_deleted_is_named(cases) -> None:
    store, (_, second, _) = cases
    _tamper(store.db, f"DELETE FROM audit_events WHERE case_no = '{second}'")
    assert [(b.case_no, b.seq) for b in store.verify()[1]] == [(second, 1)]


def test_query_codes_are_stored_only_as_hashes(database: Database, engine) -> None:
    store = CaseStore(database, engine)
    opened = [
        store.open(
            now=at("2026-03-02 10:00"), region="kashgar", item="inpatient_reimbursement", **OPEN
        )
        for _ in range(3)
    ]
    rows = _rows(database, "SELECT case_no, query_hash FROM cases ORDER BY id")
    assert rows == [
        (o.case.case_no, hashlib.sha256(o.query_code.encode()).hexdigest()) for o in opened
    ]
    dump = repr(_rows(database, "SELECT * FROM cases")) + repr(
        _rows(database, "SELECT * FROM audit_events")
    )
    for o in opened:
        assert len(o.query_code) >= 10
        assert o.query_code not in dump
        assert o.query_code.lower() not in dump.lower()


def test_numbering_and_lookups(store) -> None:
    first = store.open(
        now=at("2026-03-02 10:00"), region="kashgar", item="inpatient_reimbursement", **OPEN
    ).case.case_no
    with pytest.raises(BadInput):  # unknown item: refused before a number is taken
        store.open(now=at("2026-03-02 10:01"), region="kashgar", item="moon_landing", **OPEN)
    with pytest.raises(NotAllowed):
        store.open(
            now=at("2026-03-02 10:02"),
            region="kashgar",
            item="inpatient_reimbursement",
            **{**OPEN, "role": "payer"},
        )
    late = store.open(
        now=at("2026-03-02 23:50"), region="kashgar", item="inpatient_reimbursement", **OPEN
    ).case.case_no
    other = store.open(
        now=at("2026-03-02 10:05"), region="sichuan", item="inpatient_reimbursement", **OPEN
    ).case.case_no
    nextday = store.open(
        now=at("2026-03-03 00:10"), region="kashgar", item="inpatient_reimbursement", **OPEN
    ).case.case_no
    assert first.startswith("KS-20260302-00001-")
    # A refused registration may leave a gap on PostgreSQL (documented in CaseStore.open).
    assert late.startswith(("KS-20260302-00002-", "KS-20260302-00003-"))
    assert other.startswith("SC-20260302-00001-")
    assert nextday.startswith("KS-20260303-00001-")  # numbered by the Beijing day of receipt
    assert store.get(first.lower().replace("-", "")).case_no == first
    missing = format_case_number("kashgar", dt.date(2026, 3, 4), 1)
    with pytest.raises(NotFound) as raised:
        store.get(missing)
    assert raised.value.exit_code == 2
    with pytest.raises(NotFound):
        store.act(missing, "accept", actor="x", role="clerk", now=at("2026-03-04 11:00"))
    with pytest.raises(BadInput):
        store.history("KS-2026")


def test_no_gap_in_numbering_after_a_refused_registration_on_sqlite(engine, tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'numbers.db'}")
    try:
        store = CaseStore(db, engine)
        store.open(
            now=at("2026-03-02 10:00"), region="kashgar", item="inpatient_reimbursement", **OPEN
        )
        with pytest.raises(BadInput):
            store.open(
                now=at("2026-03-02 10:01"),
                region="kashgar",
                item="inpatient_reimbursement",
                **{**OPEN, "applicant_id": "123"},
            )
        second = store.open(
            now=at("2026-03-02 10:02"), region="kashgar", item="inpatient_reimbursement", **OPEN
        )
        assert second.case.case_no.startswith("KS-20260302-00002-")
        assert second.case.applicant_id == mask_identity(APPLICANT_ID)  # stored encrypted
    finally:
        db.dispose()


def test_warning_instants_are_stored_in_their_columns(database: Database, engine) -> None:
    store = CaseStore(database, engine)
    opened = store.open(
        now=at("2026-03-02 10:00"), region="kashgar", item="inpatient_reimbursement", **OPEN
    )
    assert opened.case.promised_warn_at is not None
    row = _rows(database, "SELECT promised_warn_at, statutory_warn_at FROM cases")
    assert all(value is not None for value in row[0])
    reloaded = store.get(opened.case.case_no)
    assert reloaded.promised_warn_at == opened.case.promised_warn_at
    assert reloaded.statutory_warn_at == opened.case.statutory_warn_at

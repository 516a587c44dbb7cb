"""Compact audit records (format 4, 0028_compact_audit): rows written before it (a case and
its format-2 records exactly as revision 0027 stored them, in ``fixtures/case_v2_0027.json``)
still load, verify and act after the upgrade, on SQLite and PostgreSQL; new records store
their hash as 32 bytes and neither their predecessor's hash nor a ``recorded_at`` equal to
``at``; tampering with a compact record is still caught; the downgrade writes the derived
values back."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, text
from storage_support import OPEN, at
from test_sto_formats import _insert

from jingban.engine import ActionParams
from jingban.engine.audit import AUDIT_FORMAT, GENESIS, event_hash
from jingban.storage import CaseStore, Database
from jingban.storage.migrate import alembic_config, upgrade

STORED = json.loads((Path(__file__).parent / "fixtures" / "case_v2_0027.json").read_text("utf-8"))
NUMBER = STORED["case"]["case_no"]
PAY = ActionParams(amount="1234.56", account="6222 0202 0011 2233 445", voucher="PZ-1")


@pytest.fixture
def stored_db(db_url: str):
    """A database at 0027 holding a paid case's rows as 0027 wrote them, then upgraded."""
    db = Database(db_url, migrate=False)
    upgrade(db.engine, STORED["revision"])
    with db.engine.connect() as conn:
        _insert(conn, "cases", STORED["case"])
        for row in STORED["audit"]:
            _insert(conn, "audit_events", row)
        for row in STORED["refusals"]:
            _insert(conn, "audit_refusals", row)
        for row in STORED["refusal_counts"]:
            _insert(conn, "audit_refusal_counts", row)
        conn.commit()
    db.upgrade()
    yield db
    db.dispose()


def _rows(db: Database, sql: str) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


def _tamper(db: Database, *statements: str) -> None:
    with db.engine.begin() as conn:
        _open(conn)
        for statement in statements:
            conn.execute(text(statement))


def _open(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
    else:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))


def test_rows_of_0027_load_verify_and_act_after_the_upgrade(stored_db, engine) -> None:
    store = CaseStore(stored_db, engine)
    assert store.verify() == (5, [])  # four chain records and a refusal
    before = [e for e in store.history(NUMBER) if not e.refused]
    assert [e.format for e in before] == [2, 2, 2, 2]
    assert [e.hash for e in before] == [r["hash"] for r in STORED["audit"]]  # as stored
    assert store.get(NUMBER).state == "paid"
    store.act(NUMBER, "complete", actor="payer-zhao", role="payer", now=at("2026-11-26 10:00"))
    chain = [e for e in store.history(NUMBER) if not e.refused]
    assert [e.format for e in chain] == [2, 2, 2, 2, AUDIT_FORMAT]
    assert chain[-1].prev_hash == chain[-2].hash  # supplied from the chain's order
    assert event_hash(chain[-1]) == chain[-1].hash
    assert store.verify() == (6, [])
    (row,) = _rows(stored_db, "SELECT * FROM audit_events WHERE seq = 5")
    assert row["hash"] is None and row["prev_hash"] is None and row["recorded_at"] is None
    assert bytes(row["digest"]).hex() == chain[-1].hash and len(row["digest"]) == 32


def test_the_verify_command_accepts_the_mixed_chain(stored_db, engine, monkeypatch) -> None:
    from jingban.cli.main import main

    CaseStore(stored_db, engine).act(
        NUMBER, "complete", actor="payer-zhao", role="payer", now=at("2026-11-26 10:00")
    )
    out = io.StringIO()
    monkeypatch.setenv("JINGBAN_DATABASE_URL", stored_db.url)
    monkeypatch.setattr(sys, "argv", ["jingban", "audit", "verify", "--json"])
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code in (0, None)
    assert json.loads(out.getvalue())["ok"] is True


def _case(store: CaseStore) -> str:
    number = store.open(
        now=at("2026-03-02 10:00"),
        region="sichuan",
        item="inpatient_reimbursement",
        all_materials=True,
        **OPEN,
    ).case.case_no
    store.act(number, "accept", actor="clerk-li", role="clerk", now=at("2026-03-02 11:00"))
    store.act(number, "approve", actor="reviewer-wang", role="reviewer", now=at("2026-03-03 09:00"))
    store.act(
        number, "pay", actor="payer-zhao", role="payer", now=at("2026-03-04 09:00"), params=PAY
    )
    return number


@pytest.fixture
def compact(database: Database, engine) -> tuple[CaseStore, str]:
    store = CaseStore(database, engine)
    number = _case(store)
    assert store.verify() == (4, [])
    return store, number


def _breaks(store: CaseStore) -> list[tuple[int, str]]:
    return [(b.seq, b.problem) for b in store.verify()[1]]


def test_a_changed_digest_is_caught_at_its_record(compact) -> None:
    store, number = compact
    first = f"SELECT digest FROM audit_events WHERE case_no = '{number}' AND seq = 1"
    _tamper(
        store.db,
        f"UPDATE audit_events SET digest = ({first}) WHERE case_no = '{number}' AND seq = 2",
    )
    assert [seq for seq, _ in _breaks(store)] == [2]


def test_a_changed_compact_record_breaks_the_next_one_too(compact) -> None:
    store, number = compact
    # The record's content and its digest rewritten together: its successor's hash covered
    # the old digest, which the chain no longer gives.
    events = store.history(number)
    changed = dataclasses.replace(events[1], actor="someone").chained(2, events[0].hash)
    sqlite = store.db.engine.dialect.name == "sqlite"
    digest = f"X'{changed.hash}'" if sqlite else f"decode('{changed.hash}', 'hex')"
    _tamper(
        store.db,
        f"UPDATE audit_events SET actor = 'someone', digest = {digest} "
        f"WHERE case_no = '{number}' AND seq = 2",
    )
    assert [seq for seq, _ in _breaks(store)] == [3]


def test_a_forged_predecessor_hash_or_time_is_caught(compact) -> None:
    store, number = compact
    _tamper(
        store.db,
        f"UPDATE audit_events SET prev_hash = '{GENESIS}' WHERE case_no = '{number}' AND seq = 3",
    )
    assert [seq for seq, _ in _breaks(store)] == [3]


def test_swapped_compact_records_are_caught(compact) -> None:
    store, number = compact
    _tamper(
        store.db,
        f"UPDATE audit_events SET seq = 90 WHERE case_no = '{number}' AND seq = 2",
        f"UPDATE audit_events SET seq = 2 WHERE case_no = '{number}' AND seq = 3",
        f"UPDATE audit_events SET seq = 3 WHERE case_no = '{number}' AND seq = 90",
    )
    assert [seq for seq, _ in _breaks(store)] == [2]


def test_a_deleted_compact_record_is_caught(compact) -> None:
    store, number = compact
    _tamper(store.db, f"DELETE FROM audit_events WHERE case_no = '{number}' AND seq = 2")
    assert [seq for seq, _ in _breaks(store)] == [3]


def test_the_downgrade_writes_the_derived_values_back(compact) -> None:
    store, number = compact
    events = store.history(number)
    db = store.db
    command.downgrade(alembic_config(db.engine), "0027_report_facts")
    rows = _rows(db, f"SELECT * FROM audit_events WHERE case_no = '{number}' ORDER BY seq")
    assert [(r["prev_hash"], r["hash"]) for r in rows] == [(e.prev_hash, e.hash) for e in events]
    assert all(r["recorded_at"] is not None for r in rows)
    db.upgrade()
    assert store.verify() == (4, [])
    assert store.history(number) == events

"""Stored formats: rows written before formats were numbered (a case and its five audit
records exactly as the previous release wrote them, in ``fixtures/legacy_case_v1.json``)
still load, act and verify after the upgrade to 0007, on SQLite and PostgreSQL; new writes
carry the current formats; the hash input depends on each record's format."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from storage_support import at

from jingban.engine import Engine
from jingban.engine.audit import AUDIT_FORMAT, AuditEvent, event_hash, verify_chain
from jingban.errors import BadInput
from jingban.storage import CaseStore, Database
from jingban.storage._case_rows import CASE_DATA_FORMAT, upgrade_case_data
from jingban.storage.migrate import upgrade

LEGACY = json.loads((Path(__file__).parent / "fixtures" / "legacy_case_v1.json").read_text("utf-8"))
NUMBER = LEGACY["case"]["case_no"]
_BOOLS = {"provisional", "running", "refused", "backdated"}
_TIMES = {
    "received_at",
    "accepted_at",
    "completed_at",
    "accept_due",
    "promised_due",
    "statutory_due",
    "stage_due",
    "promised_warn_at",
    "statutory_warn_at",
    "at",
    "recorded_at",
}


def _insert(conn: Connection, table: str, row: dict[str, Any]) -> None:
    """One row by raw SQL, as the previous release stored it (SQLite keeps its time text)."""
    values: dict[str, Any] = {}
    for name, value in row.items():
        if name in _BOOLS:
            value = bool(value)
        elif name in _TIMES and value is not None and conn.dialect.name == "postgresql":
            value = dt.datetime.fromisoformat(value + "+00:00")
        values[name] = value
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), values)


@pytest.fixture
def legacy_db(db_url: str):
    """A database at 0006 holding the legacy rows, then upgraded to head."""
    db = Database(db_url, migrate=False)
    upgrade(db.engine, "0006_running_flag")
    with db.engine.connect() as conn:
        _insert(conn, "cases", LEGACY["case"])
        for row in LEGACY["audit"]:
            _insert(conn, "audit_events", row)
        conn.commit()
    db.upgrade()
    yield db
    db.dispose()


def test_legacy_rows_load_verify_and_act_under_the_current_catalog(legacy_db, engine) -> None:
    store = CaseStore(legacy_db, engine)
    assert store.verify() == (5, [])
    case = store.get(NUMBER)
    assert case.item_version == LEGACY["case"]["item_version"]  # the old repr digest
    assert case.state == "accepted" and len(case.pauses) == 1
    # A version no definition is stored for: decided under the current catalog item.
    assert store.engine.item_of(case) is engine.catalog.item(case.region, case.item_key)
    assert [e.format for e in store.history(NUMBER)] == [1] * 5
    store.act(NUMBER, "approve", actor="reviewer-wang", role="reviewer", now=at("2026-03-06 10:00"))
    events = store.history(NUMBER)
    assert [e.format for e in events] == [1, 1, 1, 1, 1, AUDIT_FORMAT]
    assert store.verify() == (6, [])
    with legacy_db.engine.connect() as conn:
        data = conn.execute(text("SELECT data FROM cases")).scalar_one()
    assert json.loads(data)["v"] == CASE_DATA_FORMAT  # rewritten in the current format
    # The legacy case may be moved to the current definition explicitly.
    moved = store.migrate(
        NUMBER,
        actor="supervisor-chen",
        role="supervisor",
        now=at("2026-03-06 11:00"),
        reason="纳入版本管理",
    )
    assert moved.case.item_version == engine.current_version(case.region, case.item_key)
    assert store.verify() == (7, [])


def test_audit_verify_command_accepts_the_legacy_chain(legacy_db, monkeypatch) -> None:
    from jingban.cli.main import main

    out = io.StringIO()
    monkeypatch.setenv("JINGBAN_DATABASE_URL", legacy_db.url)
    monkeypatch.setattr(sys, "argv", ["jingban", "audit", "verify", "--json"])
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code in (0, None)
    assert json.loads(out.getvalue()) == {
        "ok": True,
        "records": 5,
        "checkpoints": 0,
        "files": 0,
        "breaks": [],
    }


def test_a_record_relabelled_to_another_format_breaks_the_chain(legacy_db, engine) -> None:
    events = CaseStore(legacy_db, engine).history(NUMBER)
    assert verify_chain(events, events[-1].hash) is None
    relabelled = [*events[:2], _with(events[2], format=2), *events[3:]]
    found = verify_chain(relabelled, events[-1].hash)
    assert found is not None and found.seq == 3 and "哈希不符" in found.problem
    unknown = verify_chain([_with(events[0], format=9), *events[1:]], events[-1].hash)
    assert unknown is not None and unknown.seq == 1 and "格式" in unknown.problem


def _with(event: AuditEvent, **changes: Any) -> AuditEvent:
    return dataclasses.replace(event, **changes)


def test_the_hash_input_names_the_format_from_format_2_on() -> None:
    base = AuditEvent(
        case_no=NUMBER,
        action="open",
        actor="clerk-li",
        role="clerk",
        at=at("2026-03-02 10:00"),
        recorded_at=at("2026-03-02 10:00"),
        from_state=None,
        to_state="submitted",
    )
    assert base.format == AUDIT_FORMAT
    assert event_hash(base) != event_hash(_with(base, format=2))
    assert event_hash(base) != event_hash(_with(base, format=1))
    with pytest.raises(ValueError, match="format"):
        event_hash(_with(base, format=9))


def test_case_data_is_upgraded_step_by_step_and_refuses_unknown_formats() -> None:
    old = json.loads(LEGACY["case"]["data"])
    assert "v" not in old
    assert upgrade_case_data(dict(old)) == {**old, "v": CASE_DATA_FORMAT}
    assert upgrade_case_data({**old, "v": 2}) == {**old, "v": CASE_DATA_FORMAT}
    assert upgrade_case_data({"v": 3, "item_name": "x"}) == {"v": 3, "item_name": "x"}
    with pytest.raises(BadInput, match="办件数据格式"):
        upgrade_case_data({**old, "v": 99})


def test_new_rows_carry_the_current_formats(database: Database, engine: Engine) -> None:
    store = CaseStore(database, engine)
    number = store.open(
        now=at("2026-03-02 10:00"),
        region="sichuan",
        item="inpatient_reimbursement",
        applicant_name="王小红",
        applicant_id=LEGACY["case"]["applicant_id"],
        actor="clerk-li",
        role="clerk",
    ).case.case_no
    with database.engine.connect() as conn:
        data = conn.execute(text("SELECT data FROM cases")).scalar_one()
        formats = conn.execute(text("SELECT format FROM audit_events")).scalars().all()
    assert json.loads(data)["v"] == CASE_DATA_FORMAT
    assert formats == [AUDIT_FORMAT]
    assert store.verify(number) == (1, [])

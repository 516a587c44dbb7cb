"""An action's effect rows are stored in the action's own unit: with it, or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from jingban.engine import Engine
from jingban.errors import Conflict, NotAllowed
from jingban.storage import CaseStore, Database
from jingban.storage.action_effects import EffectRow, Written

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def _probe_table(database: Database) -> None:
    with database.write() as conn:
        conn.execute(
            text(
                "CREATE TABLE effect_probe (case_no VARCHAR(40), seq INTEGER, "
                "action VARCHAR(40), opened BOOLEAN, at TIMESTAMP WITH TIME ZONE)"
            )
        )


def _probe(written: Written) -> list[EffectRow]:
    return [
        EffectRow(
            "effect_probe",
            {
                "case_no": written.case.case_no,
                "seq": written.event.seq,
                "action": written.event.action,
                "opened": written.opened,
                "at": written.event.at,
            },
        )
    ]


def _rows(database: Database) -> list[tuple[object, ...]]:
    with database.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(text("SELECT seq, action, opened FROM effect_probe ORDER BY seq"))
        ]


def _open(store: CaseStore) -> str:
    opened = store.open(
        now=NOW,
        region="kashgar",
        item="inpatient_reimbursement",
        applicant_name="张三",
        applicant_id="11010519491231002X",
        actor="c1",
        role="clerk",
        all_materials=True,
    )
    return opened.case.case_no


def test_every_stored_action_writes_its_effect_rows(database: Database, engine: Engine) -> None:
    store = CaseStore(database, engine)
    _probe_table(database)
    store.add_effect(_probe)
    case_no = _open(store)
    store.act(case_no, "accept", actor="c1", role="clerk", now=NOW)
    assert _rows(database) == [(1, "open", True), (2, "accept", False)]


def test_a_refused_or_conflicting_action_writes_no_effect_row(
    database: Database, engine: Engine
) -> None:
    store = CaseStore(database, engine)
    _probe_table(database)
    case_no = _open(store)
    store.add_effect(_probe)
    with pytest.raises(Conflict):
        store.act(case_no, "accept", actor="c1", role="clerk", now=NOW, expected_version=99)
    with pytest.raises(NotAllowed):
        store.act(case_no, "pay", actor="c1", role="clerk", now=NOW)
    assert _rows(database) == []


def test_an_effect_that_fails_stores_nothing_of_its_action(
    database: Database, engine: Engine
) -> None:
    store = CaseStore(database, engine)
    _probe_table(database)
    case_no = _open(store)
    before = store.get(case_no)

    def broken(written: Written) -> list[EffectRow]:
        return [EffectRow("effect_probe", {"no_such_column": 1})]

    store.add_effect(broken)
    with pytest.raises(Exception):  # noqa: B017 - the driver's error, whichever it is
        store.act(case_no, "accept", actor="c1", role="clerk", now=NOW)
    after = store.get(case_no)
    assert (after.state, after.version) == (before.state, before.version)
    with database.engine.connect() as conn:
        events = conn.execute(
            text("SELECT count(*) FROM audit_events WHERE case_no = :n"), {"n": case_no}
        ).scalar()
    assert events == 1

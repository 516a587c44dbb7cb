"""Migrations: applied on first use, idempotent, and safe when several processes start at
once on an empty database (server workers and schedulers do)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from alembic import command
from sqlalchemy import inspect, text

from jingban.calendar import BEIJING
from jingban.engine import ActionParams, Engine
from jingban.engine.model import AGING_STATES
from jingban.storage import CaseStore, Database
from jingban.storage.migrate import alembic_config, current

_MIGRATE = "import sys; from jingban.storage import Database; Database(sys.argv[1]).dispose()"


def test_first_use_migrates_to_head_and_again_is_a_no_op(db_url: str) -> None:
    db = Database(db_url)
    try:
        head = current(db.engine)
        assert head is not None
        tables = set(inspect(db.engine).get_table_names())
        assert {"cases", "audit_events", "alerts", "users", "calendar_notices"} <= tables
        db.upgrade()
        assert current(db.engine) == head
    finally:
        db.dispose()


def test_four_processes_migrating_an_empty_database_at_once_all_succeed(db_url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE, db_url], stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            errors.append(err[-500:])
    assert errors == []
    db = Database(db_url, migrate=False)
    try:
        assert current(db.engine) is not None
    finally:
        db.dispose()


def test_the_running_flag_is_backfilled_from_the_state_and_kept_by_every_write(
    db_url: str, engine: Engine
) -> None:
    """0006_running_flag: ``running`` is true exactly for the ageing states, for rows
    written before it (backfilled on upgrade) and for every write after; a downgrade
    restores the state predicates."""
    db = Database(db_url)
    try:
        store = CaseStore(db, engine)
        now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)
        numbers = [
            store.open(
                now=now,
                region="sichuan",
                item="inpatient_reimbursement",
                applicant_name="张三",
                applicant_id="110101199003074514",
                actor="clerk-li",
                role="clerk",
                all_materials=True,
            ).case.case_no
            for _ in range(3)
        ]
        store.act(numbers[1], "accept", actor="clerk-li", role="clerk", now=now)
        store.act(
            numbers[2],
            "request_supplement",
            actor="clerk-li",
            role="clerk",
            now=now,
            params=ActionParams(missing=("出院记录",)),
        )
        expected = {numbers[0]: True, numbers[1]: True, numbers[2]: False}
        assert _running(db) == expected
        command.downgrade(alembic_config(db.engine), "0005_scan_queue")
        assert "running" not in {c["name"] for c in inspect(db.engine).get_columns("cases")}
        db.upgrade()
        assert _running(db) == expected  # backfilled from the state
        store.act(numbers[1], "approve", actor="reviewer-wang", role="reviewer", now=now)
        store.act(
            numbers[0],
            "not_accept",
            actor="clerk-li",
            role="clerk",
            now=now,
            params=ActionParams(reason="不属于受理范围"),
        )
        store.act(numbers[2], "supplement", actor="clerk-li", role="clerk", now=now)
        assert _running(db) == {numbers[0]: False, numbers[1]: True, numbers[2]: True}
    finally:
        db.dispose()


def _running(db: Database) -> dict[str, bool]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT case_no, running, state FROM cases")).all()
    assert all(bool(r.running) == (r.state in AGING_STATES) for r in rows)
    return {r.case_no: bool(r.running) for r in rows}

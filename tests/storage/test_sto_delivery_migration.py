"""0020_delivery on SQLite and PostgreSQL: the column and its partial index come and go with
the revision; cases stored before it have no delivery awaited, and those that end after it
do, in step with their audit trail."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import inspect, text
from support import parent_revision

from jingban.calendar import BEIJING
from jingban.engine import ActionParams, Engine
from jingban.storage import CaseStore, Database
from jingban.storage.migrate import alembic_config, is_current


def _indexes(db: Database) -> set[str]:
    return {str(i["name"]) for i in inspect(db.engine).get_indexes("cases")}


def _accepted(store: CaseStore, now: dt.datetime) -> str:
    """A sichuan 单位信息变更 case opened and accepted at ``now``; its number."""
    number = store.open(
        now=now,
        region="sichuan",
        item="unit_info_change",
        applicant_name="张三",
        applicant_id="110101199003074514",
        actor="clerk-li",
        role="clerk",
        all_materials=True,
    ).case.case_no
    store.act(number, "accept", actor="clerk-li", role="clerk", now=now)
    return number


def test_the_delivery_column_comes_and_goes_with_its_revision(db_url: str, engine: Engine) -> None:
    db = Database(db_url)
    try:
        store = CaseStore(db, engine)
        now = dt.datetime(2026, 10, 9, 9, 0, tzinfo=BEIJING)
        number = _accepted(store, now)
        command.downgrade(alembic_config(db.engine), "0015_id_encryption")
        assert "delivery_due" not in {c["name"] for c in inspect(db.engine).get_columns("cases")}
        assert "ix_cases_delivery_due" not in _indexes(db)
        db.upgrade()
        assert is_current(db.engine)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT delivery_due FROM cases")).scalar() is None
        assert "ix_cases_delivery_due" in _indexes(db)
        later = now + dt.timedelta(hours=1)
        store.act(number, "approve", actor="reviewer-wang", role="reviewer", now=later)
        done = store.act(number, "complete", actor="reviewer-wang", role="reviewer", now=later)
        # 5 working days after Friday 10-09: Sat 10-10 (调休上班) … Thu 10-15, at 17:30.
        due = dt.datetime(2026, 10, 15, 17, 30, tzinfo=BEIJING)
        assert done.case.delivery_due == due
        assert store.get(number).delivery_due == due
        assert store.verify(number)[1] == []
        store.act(
            number,
            "deliver",
            actor="clerk-li",
            role="clerk",
            now=later,
            params=ActionParams(method="window"),
        )
        assert store.get(number).delivery_due is None
        assert store.verify(number)[1] == []
    finally:
        db.dispose()


def test_a_pending_delivery_due_is_restored_after_downgrade_and_upgrade(
    db_url: str, engine: Engine
) -> None:
    db = Database(db_url)
    try:
        store = CaseStore(db, engine)
        now = dt.datetime(2026, 10, 9, 9, 0, tzinfo=BEIJING)
        number = _accepted(store, now)
        store.act(number, "approve", actor="reviewer-wang", role="reviewer", now=now)
        store.act(number, "complete", actor="reviewer-wang", role="reviewer", now=now)
        due = dt.datetime(2026, 10, 15, 17, 30, tzinfo=BEIJING)
        assert store.get(number).delivery_due == due
        command.downgrade(alembic_config(db.engine), parent_revision("0020_delivery"))
        db.upgrade()
        assert is_current(db.engine)
        assert store.get(number).delivery_due == due
        assert store.verify(number)[1] == []
    finally:
        db.dispose()

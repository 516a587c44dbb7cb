"""0017_applicant_messages on SQLite and PostgreSQL: the two tables come and go, a downgrade
takes the queued applicant messages with them and leaves every case and alert delivery
readable, and an upgrade again is ready for new messages."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from jingban.calendar import BEIJING
from jingban.services import Services
from jingban.storage import Database
from jingban.storage.migrate import alembic_config, current

REVISION = "0017_applicant_messages"
NEW = {"applicant_phones", "applicant_messages"}


def _count(db: Database, sql: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_up_and_down(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JINGBAN_SMS_URL", "http://127.0.0.1:9/sms")
    db = Database(db_url)
    try:
        head = current(db.engine)
        assert set(inspect(db.engine).get_table_names()) >= NEW
        services = Services(db)
        now = dt.datetime(2026, 12, 2, 10, 0, tzinfo=BEIJING)
        opened = services.cases.open(
            now=now,
            region="sichuan",
            item="inpatient_reimbursement",
            applicant_name="张三",
            applicant_id="110101199003074514",
            actor="clerk-li",
            role="clerk",
            all_materials=True,
            phone="13812345678",
        )
        case_no = opened.case.case_no
        services.cases.act(case_no, "accept", actor="clerk-li", role="clerk", now=now)
        assert _count(db, "SELECT count(*) FROM alert_deliveries WHERE kind = 'sms'") == 1
        config = alembic_config(db.engine)
        below = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
        command.downgrade(config, str(below))
        assert not NEW & set(inspect(db.engine).get_table_names())
        assert _count(db, "SELECT count(*) FROM alert_deliveries") == 0
        assert _count(db, "SELECT count(*) FROM cases") == 1
        db.upgrade()
        assert current(db.engine) == head
        assert _count(db, "SELECT count(*) FROM applicant_messages") == 0
        services.cases.act(case_no, "approve", actor="reviewer-wang", role="reviewer", now=now)
        assert services.cases.get(case_no).phone == "138****5678"
    finally:
        db.dispose()

"""Transactions stay transactions: the action path's autocommit connections never leak into
the pool that serves ordinary writes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from jingban.engine import Engine
from jingban.storage import CaseStore, Database

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def test_a_failed_write_after_actions_rolls_back(database: Database, engine: Engine) -> None:
    store = CaseStore(database, engine)
    for _ in range(3):  # use the action path's connections a few times
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
        store.act(opened.case.case_no, "accept", actor="c1", role="clerk", now=NOW)
    for _ in range(5):  # whichever pooled connection serves it, the write must roll back
        with pytest.raises(RuntimeError), database.write() as conn:
            conn.execute(text("UPDATE case_counters SET last_seq = last_seq + 100"))
            raise RuntimeError("abandon")
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT max(last_seq) FROM case_counters")).scalar() == 3

"""0021_exchange_outbox on SQLite and PostgreSQL: it adds the outbox, which starts empty over
existing cases, and its downgrade removes it; the models match the migrated schema
(tests/storage/test_sto_models_match.py covers the columns and indexes)."""

from __future__ import annotations

import datetime as dt

from alembic import command
from exchange_support import CLERK, act, open_case, rows, services_on
from sqlalchemy import inspect
from support import parent_revision

from jingban.calendar import BEIJING
from jingban.storage.migrate import alembic_config, is_current

AT = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING).astimezone(dt.UTC)


def test_the_outbox_is_added_and_removed_and_starts_empty(db_url: str) -> None:
    with services_on(db_url) as services:
        engine = services.db.engine
        assert is_current(engine)
        no = open_case(services, AT)
        command.downgrade(alembic_config(engine), parent_revision("0021_exchange_outbox"))
        assert "exchange_events" not in inspect(engine).get_table_names()
    with services_on(db_url) as services:  # the next process upgrades the old schema
        assert rows(services, "SELECT count(*) AS n FROM exchange_events")[0]["n"] == 0
        indexes = {i["name"] for i in inspect(services.db.engine).get_indexes("exchange_events")}
        assert {"ix_exchange_events_status", "ix_exchange_events_at"} <= indexes
        act(services, no, "accept", CLERK, AT + dt.timedelta(minutes=3))
        found = rows(services, "SELECT seq, kind FROM exchange_events ORDER BY seq")
    assert [(r["seq"], r["kind"]) for r in found] == [(2, "accept")]


def test_the_event_key_is_made_from_the_row_and_written_back_on_downgrade(db_url: str) -> None:
    """0029_exchange_key: the stored key goes; the store makes the same key from case and
    seq, and the downgrade writes it back into the column, unique again."""
    with services_on(db_url) as services:
        engine = services.db.engine
        no = open_case(services, AT)
        act(services, no, "accept", CLERK, AT + dt.timedelta(minutes=3))
        listed = services.exchange.events(case_no=no)
        assert [e["event_key"] for e in listed] == [f"jingban-{no}-2", f"jingban-{no}-1"]
        assert "event_key" not in {
            c["name"] for c in inspect(engine).get_columns("exchange_events")
        }
        command.downgrade(alembic_config(engine), "0028_compact_audit")
        found = rows(services, "SELECT event_key, seq FROM exchange_events ORDER BY seq")
        assert [r["event_key"] for r in found] == [f"jingban-{no}-1", f"jingban-{no}-2"]
        uniques = inspect(engine).get_unique_constraints("exchange_events")
        assert any(u["column_names"] == ["event_key"] for u in uniques)
        command.upgrade(alembic_config(engine), "head")
        assert [e["event_key"] for e in services.exchange.events(case_no=no)] == [
            e["event_key"] for e in listed
        ]

"""An action and its event are one: a registration that records its item definition, an
action that takes a notice number (PostgreSQL's explicit transaction) and a process killed
between the action's writes and its event's all leave both or neither."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from exchange_support import CLERK, act, open_case, rows, services_on
from support import fresh_pg_url

from jingban.calendar import BEIJING
from jingban.services import Services
from jingban.storage.action_effects import EffectRow, Written

# 古尔邦节 2026 in Xinjiang falls on 27 May; the day before is a working day in 喀什.
AT = dt.datetime(2026, 5, 26, 12, 0, tzinfo=BEIJING).astimezone(dt.UTC)


def _count(services: Services, table: str) -> int:
    return int(rows(services, f"SELECT count(*) AS n FROM {table}")[0]["n"])


def _paired(services: Services) -> None:
    """Every reported action of the audit trail has its event, and every event its action."""
    from jingban.storage.exchange_events import event_kind

    audit = rows(services, "SELECT case_no, seq, action, to_state FROM audit_events")
    told = {(r["case_no"], r["seq"]) for r in audit if event_kind(r["action"], r["to_state"])}
    events = {(r["case_no"], r["seq"]) for r in rows(services, "SELECT * FROM exchange_events")}
    assert told == events


def test_a_registration_that_records_its_definition_writes_its_event(db_url: str) -> None:
    with services_on(db_url) as services:

        def broken(written: Written) -> list[EffectRow]:
            return [EffectRow("exchange_events", {"no_such_column": 1})]

        services.cases.add_effect(broken)
        with pytest.raises(Exception):  # noqa: B017 - the driver's error, whichever it is
            open_case(services, AT)
        assert [_count(services, t) for t in ("cases", "item_definitions", "exchange_events")] == [
            0,
            0,
            0,
        ]
        services.cases.effects.registered.remove(broken)
        first = open_case(services, AT)  # the first case of its definition records it
        second = open_case(services, AT)
        assert _count(services, "item_definitions") == 1
        found = rows(services, "SELECT case_no, seq, kind FROM exchange_events ORDER BY id")
    assert [(r["case_no"], r["seq"], r["kind"]) for r in found] == [
        (first, 1, "receive"),
        (second, 1, "receive"),
    ]


def test_an_action_that_takes_a_notice_number_writes_its_event(db_url: str) -> None:
    with services_on(db_url) as services:
        no = open_case(services, AT)
        acted = act(services, no, "accept", CLERK, AT + dt.timedelta(minutes=5))
        number = acted.event.payload["notice_no"]
        found = rows(services, "SELECT payload FROM exchange_events WHERE seq = 2")
        _paired(services)
    assert number and number in found[0]["payload"]


_CHILD = textwrap.dedent(
    """
    import datetime as dt, os, signal, sys
    from jingban.engine import ActionParams
    from jingban.services import Services
    from jingban.storage import Database
    from jingban.storage import action_effects, case_store

    url, case_no, action, where = sys.argv[1:5]
    services = Services(Database(url))

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if where == "before-event-row":  # SQLite: the case and audit rows written, not the event
        action_effects.Effects.insert = die
    elif where == "before-commit-sent":  # PostgreSQL: the write run by the server, no COMMIT
        import psycopg
        execute = psycopg.Cursor.execute
        def run_then_die(self, query, *args, **kwargs):
            if query == "COMMIT":
                with self.connection.pipeline() as pipeline:
                    pipeline.sync()  # the queued write has run on the server
                die()
            return execute(self, query, *args, **kwargs)
        psycopg.Cursor.execute = run_then_die
    else:  # after the action's writes (and its event's), before the unit commits
        original = case_store.CaseStore._store
        def store_then_die(self, *args, **kwargs):
            original(self, *args, **kwargs)
            die()
        case_store.CaseStore._store = store_then_die
    now = dt.datetime.now(dt.UTC)
    services.cases.act(case_no, action, actor="clerk-li", role="clerk", now=now,
                       params=ActionParams(reason="申请人撤回申请"))
    print("not killed")
    """
)


def _kill_during(url: str, case_no: str, action: str, where: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, url, case_no, action, where],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ,
    )
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr


@pytest.mark.parametrize("where", ["before-event-row", "before-commit"])
def test_a_process_killed_inside_an_action_on_sqlite_stores_neither(
    tmp_path,
    where: str,  # type: ignore[no-untyped-def]
) -> None:
    url = f"sqlite:///{tmp_path / 'jingban.db'}"
    with services_on(url) as services:
        no = open_case(services, AT)
    _kill_during(url, no, "accept", where)
    with services_on(url) as services:
        case = services.cases.get(no)
        assert (case.state, case.version) == ("submitted", 1)
        assert _count(services, "audit_events") == _count(services, "exchange_events") == 1
        _paired(services)
        act(services, no, "accept", CLERK, AT + dt.timedelta(minutes=9))  # nothing is stuck
        _paired(services)


def test_a_process_killed_inside_an_action_on_postgresql_stores_both_or_neither() -> None:
    pg_url = fresh_pg_url()
    with services_on(pg_url) as services:
        numbered = open_case(services, AT)  # accept takes a notice number: BEGIN … COMMIT
        plain = open_case(services, AT)  # withdraw takes none: one statement
    _kill_during(pg_url, numbered, "accept", "before-commit-sent")
    _kill_during(pg_url, plain, "withdraw", "before-commit")
    with services_on(pg_url) as services:
        assert services.cases.get(numbered).state == "submitted"  # rolled back, event too
        assert services.cases.get(plain).state == "withdrawn"  # committed, event with it
        kinds = rows(services, "SELECT case_no, kind FROM exchange_events ORDER BY id")
        _paired(services)
        acted = act(services, numbered, "accept", CLERK, AT + dt.timedelta(minutes=9))
        _paired(services)
    assert [(k["case_no"], k["kind"]) for k in kinds] == [
        (numbered, "receive"),
        (plain, "receive"),
        (plain, "withdraw"),
    ]
    assert acted.event.payload["notice_no"].endswith("0001号")  # the killed one took none

"""The PostgreSQL action path after lost connections, without a ping per action.

Its autocommit pool has no pre-ping; a connection the server closed (a restart terminates
every backend) is replaced before anything is sent, and the unit's first statement is run
again on a fresh connection when the connection is lost under it — a read only: a write
that may have reached the server is refused with `DatabaseUnavailable`, nothing stored.
The losses are real: backends terminated by ``pg_terminate_backend``, some while their
statement waits on a lock another connection holds.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from db_faults import pg_terminate_backends
from sqlalchemy import create_engine, event, func, select, text
from storage_support import OPEN
from support import at, fresh_pg_url

from jingban.engine import Engine
from jingban.errors import DatabaseUnavailable
from jingban.storage import CaseStore, Database
from jingban.storage.models import AUDIT, CASES

NOW = at("2026-03-02 10:00")


@pytest.fixture
def pg_store(engine: Engine) -> Iterator[CaseStore]:
    db = Database(fresh_pg_url())
    yield CaseStore(db, engine)
    db.dispose()


def _open(store: CaseStore) -> str:
    return store.open(
        now=NOW, region="kashgar", item="inpatient_reimbursement", all_materials=True, **OPEN
    ).case.case_no


def _count(store: CaseStore, table: Any) -> int:
    with store.db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _terminated_while_waiting(store: CaseStore, table: str, work: Callable[[], Any]) -> Any:
    """Run ``work`` in a thread while another connection holds ``table`` locked; once the
    thread's statement waits on that lock, terminate its backend, then release the lock.
    Returns what ``work`` returned, or the exception it raised."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:
            outcome.append(exc)

    holder = create_engine(store.db.url)
    waiting = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    try:
        with holder.connect() as lock, holder.connect() as watch:
            lock.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            worker = threading.Thread(target=run)
            worker.start()
            for _ in range(500):  # until the statement is sent and waits on the lock
                pids = watch.execute(text(waiting)).scalars().all()
                watch.rollback()
                if pids:
                    break
                time.sleep(0.01)
            else:
                raise AssertionError("the statement never waited on the lock")
            assert len(pids) == 1
            watch.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pids[0]})
            watch.commit()
            lock.rollback()  # the lock is released
        worker.join(timeout=60)
        assert not worker.is_alive()
    finally:
        holder.dispose()
    return outcome[0]


def test_the_action_pool_has_no_pre_ping_and_the_main_pool_keeps_it(
    pg_store: CaseStore,
) -> None:
    assert pg_store._fast_engine is not pg_store.db.engine
    assert pg_store._fast_engine.pool._pre_ping is False
    assert pg_store.db.engine.pool._pre_ping is True


def test_actions_and_registrations_after_every_backend_is_terminated(
    pg_store: CaseStore,
) -> None:
    """The pools' connections all die; each next unit runs on a fresh one, none fails."""
    store = pg_store
    cases = [_open(store) for _ in range(3)]
    store.act(cases[0], "accept", actor="clerk-li", role="clerk", now=NOW)
    assert pg_terminate_backends(store.db.url) >= 1
    for case_no in cases[1:]:
        store.act(case_no, "accept", actor="clerk-li", role="clerk", now=NOW)
    assert pg_terminate_backends(store.db.url) >= 1
    cases.append(_open(store))  # a first statement that writes: never sent on a dead one
    assert pg_terminate_backends(store.db.url) >= 1
    store.recalculate_case(cases[0], NOW, "校验")
    assert [store.get(n).state for n in cases] == [*["accepted"] * 3, "submitted"]
    assert _count(store, CASES) == 4


def test_a_read_lost_after_it_was_sent_runs_again_on_a_fresh_connection(
    pg_store: CaseStore,
) -> None:
    store = pg_store
    case_no = _open(store)
    version = store.get(case_no).version
    acted = _terminated_while_waiting(
        store,
        "cases",
        lambda: store.act(case_no, "accept", actor="clerk-li", role="clerk", now=NOW),
    )
    assert not isinstance(acted, Exception), acted
    assert store.get(case_no).state == acted.case.state
    assert store.get(case_no).version == version + 1
    # The lost connection and the pool's older ones were invalidated: the next actions run.
    store.act(case_no, "approve", actor="reviewer-wang", role="reviewer", now=NOW)


def test_a_write_lost_after_it_was_sent_is_unavailable_and_stores_nothing(
    pg_store: CaseStore,
) -> None:
    store = pg_store
    _open(store)
    cases, audit = _count(store, CASES), _count(store, AUDIT)
    error = _terminated_while_waiting(store, "case_counters", lambda: _open(store))
    assert isinstance(error, DatabaseUnavailable), error
    assert "无法访问" in error.message
    assert (_count(store, CASES), _count(store, AUDIT)) == (cases, audit)
    _open(store)  # the next registration runs on a fresh connection
    assert _count(store, CASES) == cases + 1


class _Trips:
    """Request/response cycles of every traced libpq connection: a protocol trace (PQtrace)
    logs each message, and each cycle ends with the server's ReadyForQuery."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.traced: list[tuple[Any, Path]] = []

    def attach(self, dbapi: Any, _record: Any) -> None:
        path = self.tmp / f"trace-{len(self.traced)}.txt"
        dbapi.pgconn.trace(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND))
        self.traced.append((dbapi.pgconn, path))

    def count(self) -> int:
        """Cycles so far (each trace is stopped, which flushes it, and restarted)."""
        total = 0
        for pgconn, path in self.traced:
            pgconn.untrace()
            total += path.read_text().count("\tReadyForQuery")
            pgconn.trace(os.open(path, os.O_WRONLY | os.O_APPEND))
        return total


def test_an_action_is_two_round_trips_without_a_ping(pg_store: CaseStore, tmp_path: Path) -> None:
    """Counted, not estimated, on every connection either pool opens. The statements run
    past psycopg's prepare threshold first (its one-off prepare is a cycle of its own)."""
    store = pg_store
    cases = [_open(store) for _ in range(16)]
    for case_no in cases:
        store.act(case_no, "accept", actor="clerk-li", role="clerk", now=NOW)
    trips = _Trips(tmp_path)
    for pool_engine in (store.db.engine, store._fast_engine):
        pool_engine.dispose()
        event.listen(pool_engine, "connect", trips.attach)
    for case_no in cases[:6]:  # warm: connect, and prepare the statements
        store.act(case_no, "approve", actor="reviewer-wang", role="reviewer", now=NOW)
    before = trips.count()
    for case_no in cases[6:]:
        store.act(case_no, "approve", actor="reviewer-wang", role="reviewer", now=NOW)
    assert trips.count() - before == 2 * 10
    for pgconn, _path in trips.traced:
        pgconn.untrace()

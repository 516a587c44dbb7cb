"""Refused attempts are recorded outside the case's chain: a flood of them beside real work
loses none of them and makes no real action conflict, on SQLite and PostgreSQL; and a refusal
recorded between an action's read and its write leaves that action alone."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import text
from storage_support import OPEN, at

from jingban.engine import ActionParams
from jingban.errors import NotAllowed
from jingban.storage import CaseStore, Database

REFUSERS = 4
REFUSALS_EACH = 25
CYCLES = 10  # suspend + resume: twenty real actions


def _open(store: CaseStore) -> str:
    return store.open(
        now=at("2026-03-02 09:00"),
        region="kashgar",
        item="inpatient_reimbursement",
        all_materials=True,
        **OPEN,
    ).case.case_no


def _rows(db: Database, sql: str) -> list[Any]:
    with db.engine.connect() as conn:
        return conn.execute(text(sql)).all()


@pytest.fixture
def stores(db_url: str, engine):
    """One store for the real work and one per refusing client, each with its own pool."""
    Database(db_url).dispose()  # create the schema once
    dbs = [Database(db_url, migrate=False) for _ in range(REFUSERS + 1)]
    yield [CaseStore(db, engine) for db in dbs]
    for db in dbs:
        db.dispose()


def test_a_refusal_flood_neither_blocks_real_actions_nor_loses_a_record(stores) -> None:
    work, *refusers = stores
    number = _open(work)
    start = at("2026-03-02 10:00")
    work.act(number, "accept", actor="clerk-li", role="clerk", now=start)
    done = threading.Event()
    refused = [0] * REFUSERS
    unexpected: list[BaseException] = []

    def refuse(i: int) -> None:
        store = refusers[i]
        for k in range(REFUSALS_EACH):
            try:  # a clerk may never approve: always refused, always recorded
                store.act(
                    number,
                    "approve",
                    actor=f"clerk-{i}",
                    role="clerk",
                    now=start + dt.timedelta(minutes=1, seconds=k),
                )
            except NotAllowed:
                refused[i] += 1
            except BaseException as exc:  # inspected below
                unexpected.append(exc)

    threads = [threading.Thread(target=refuse, args=(i,)) for i in range(REFUSERS)]
    for thread in threads:
        thread.start()
    real: list[object] = []
    try:
        for cycle in range(CYCLES):
            when = start + dt.timedelta(minutes=2 + 2 * cycle)
            for action, params, minute in (
                ("suspend", ActionParams(reason="现场核查", days=3), 0),
                ("resume", ActionParams(), 1),
            ):
                try:
                    work.act(
                        number,
                        action,
                        actor="reviewer-wang",
                        role="reviewer",
                        now=when + dt.timedelta(minutes=minute),
                        params=params,
                    )
                    real.append(action)
                except BaseException as exc:  # inspected below
                    real.append(exc)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert not unexpected, unexpected
    assert real == ["suspend", "resume"] * CYCLES  # every real action went through
    assert sum(refused) == REFUSERS * REFUSALS_EACH
    history = work.history(number)
    assert len([e for e in history if e.refused]) == sum(refused)  # none dropped
    assert sorted(e.refusal_no for e in history if e.refused) == list(range(1, sum(refused) + 1))
    case = work.get(number)
    assert case.version == 2 + 2 * CYCLES
    assert work.verify(number) == (len(history), [])
    (count,) = _rows(
        work.db, f"SELECT last_no FROM audit_refusal_counts WHERE case_no = '{number}'"
    )
    assert count[0] == sum(refused)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_refusal_between_an_actions_read_and_write_does_not_conflict(stores, monkeypatch) -> None:
    """PostgreSQL runs an action as a read then a write (autocommit): a refusal recorded on
    another connection in between used to advance the case's audit sequence, so the write
    matched no row and the real action got 409. (SQLite holds the write lock from the read
    on, so nothing can come in between there.)"""
    work, other, *_ = stores
    number = _open(work)
    decide = work.engine.act

    def refused_meanwhile(case, action, **kwargs):  # type: ignore[no-untyped-def]
        with pytest.raises(NotAllowed):
            other.act(number, "approve", actor="clerk-zhao", role="clerk", now=kwargs["now"])
        return decide(case, action, **kwargs)

    monkeypatch.setattr(work.engine, "act", refused_meanwhile)
    acted = work.act(number, "accept", actor="clerk-li", role="clerk", now=at("2026-03-02 10:00"))
    assert acted.case.state == "accepted"
    history = work.history(number)
    assert [(e.action, e.refused) for e in history] == [
        ("open", False),
        ("approve", True),
        ("accept", False),
    ]
    assert work.verify(number) == (3, [])

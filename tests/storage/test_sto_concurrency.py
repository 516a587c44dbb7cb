"""Concurrent actions on one case: twenty at once with the same ``expected_version``, each on
its own connection (threads on a SQLite file, connections to PostgreSQL). Exactly one wins,
exactly one audit row is added, every other attempt gets `Conflict`. Twenty concurrent
registrations get twenty distinct numbers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from storage_support import OPEN, at

from jingban.engine import ActionParams
from jingban.errors import BadInput, Conflict
from jingban.storage import CaseStore, Database
from jingban.storage.memory import MemoryCaseStore

N = 20


def _together(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released at once; each outcome, value or exception."""
    barrier = threading.Barrier(n)
    outcomes: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i] = work(i)
        except BaseException as exc:  # every outcome is inspected by the caller
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.fixture
def stores(db_url: str, engine):
    """``N`` stores on the same database, each with its own engine and connection pool."""
    Database(db_url).dispose()  # create the schema once
    dbs = [Database(db_url, migrate=False) for _ in range(N)]
    yield [CaseStore(db, engine) for db in dbs]
    for db in dbs:
        db.dispose()


def _check_one_winner(outcomes: list[Any], store, number: str, before: int) -> None:
    wins = [o for o in outcomes if not isinstance(o, BaseException)]
    losses = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(wins) == 1, outcomes
    assert [type(o) for o in losses] == [Conflict] * (N - 1), losses
    history = store.history(number)
    assert len(history) == before + 1
    assert history[-1].actor == wins[0].event.actor
    assert store.get(number).version == 2
    assert store.verify(number) == (before + 1, [])


@pytest.mark.parametrize("action", ["accept", "not_accept"])
def test_one_of_twenty_concurrent_actions_wins(stores, action: str) -> None:
    number = (
        stores[0]
        .open(
            now=at("2026-03-02 10:00"),
            region="sichuan",
            item="inpatient_reimbursement",
            all_materials=True,
            **OPEN,
        )
        .case.case_no
    )

    def work(i: int):
        return stores[i].act(
            number,
            action,
            actor=f"clerk-{i:02d}",
            role="clerk",
            now=at("2026-03-02 11:00"),
            expected_version=1,
            params=ActionParams(reason="材料不符"),
        )

    _check_one_winner(_together(N, work), stores[0], number, before=1)


def test_one_of_twenty_concurrent_actions_wins_in_memory(engine) -> None:
    store = MemoryCaseStore(engine)
    number = store.open(
        now=at("2026-03-02 10:00"),
        region="sichuan",
        item="inpatient_reimbursement",
        all_materials=True,
        **OPEN,
    ).case.case_no

    def work(i: int):
        return store.act(
            number,
            "accept",
            actor=f"clerk-{i:02d}",
            role="clerk",
            now=at("2026-03-02 11:00"),
            expected_version=1,
        )

    _check_one_winner(_together(N, work), store, number, before=1)


def test_twenty_concurrent_registrations_get_distinct_numbers(stores) -> None:
    def work(i: int):
        return (
            stores[i]
            .open(
                now=at("2026-03-02 10:00"), region="kashgar", item="inpatient_reimbursement", **OPEN
            )
            .case.case_no
        )

    outcomes = _together(N, work)
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert len(set(outcomes)) == N
    assert sorted(int(n.split("-")[2]) for n in outcomes) == list(range(1, N + 1))
    assert stores[0].count() == N
    assert stores[0].verify() == (N, [])


def test_a_migration_racing_actions_on_one_case_is_one_of_them(db_url: str, engine) -> None:
    """A supervisor moves a case to the edited definition while clerks accept it: the
    migration takes the same optimistic lock as an action. At most one acceptance (they all
    expect version 1) and at most one migration (a later one finds the case moved) write;
    every other attempt gets `Conflict`, or is told the case is already on that version. No
    write is lost: the version counts the writes and the trail is one unbroken chain."""
    from test_sto_definitions import KEY, REGION, edited

    from jingban.engine import Engine

    Database(db_url).dispose()  # create the schema once
    first = Database(db_url, migrate=False)
    number = (
        CaseStore(first, engine)
        .open(now=at("2026-03-02 10:00"), region=REGION, item=KEY, all_materials=True, **OPEN)
        .case.case_no
    )
    later = Engine(edited(engine.catalog), engine.calendars)
    dbs = [Database(db_url, migrate=False) for _ in range(N)]
    stores = [CaseStore(db, later) for db in dbs]

    def work(i: int):
        if i % 2:
            return stores[i].act(
                number,
                "accept",
                actor=f"clerk-{i:02d}",
                role="clerk",
                now=at("2026-03-02 11:00"),
                expected_version=1,
            )
        return stores[i].migrate(
            number,
            actor="supervisor-chen",
            role="supervisor",
            now=at("2026-03-02 11:00"),
            reason="目录修订",
        )

    try:
        outcomes = _together(N, work)
        wins = [o for o in outcomes if not isinstance(o, BaseException)]
        losses = [o for o in outcomes if isinstance(o, BaseException)]
        actions = sorted(w.event.action for w in wins)
        assert actions in (["accept"], ["migrate"], ["accept", "migrate"]), outcomes
        for loss in losses:
            assert isinstance(loss, Conflict) or (
                isinstance(loss, BadInput) and "无需迁移" in loss.message
            ), loss
        case = stores[0].get(number)
        assert case.version == 1 + len(wins)
        assert stores[0].verify(number) == (1 + len(wins), [])
        assert [e.action for e in stores[0].history(number)][1:] == [
            w.event.action for w in sorted(wins, key=lambda w: w.event.seq)
        ]
        if "migrate" in actions:
            assert case.item_version == later.current_version(REGION, KEY)
    finally:
        for db in (first, *dbs):
            db.dispose()

"""The write gate: one lock per SQLite file and process, taken before ``BEGIN IMMEDIATE``.

Writers of one process wait on it rather than in SQLite's busy handler; a writer that cannot
get it within the busy timeout fails as a busy database does, with nothing written; other
processes still meet at SQLite's own lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from db_faults import sqlite_write_lock
from sqlalchemy import text
from storage_support import OPEN, at

from jingban.engine import Engine
from jingban.errors import DatabaseBusy
from jingban.storage import CaseStore, Database
from jingban.storage.write_gate import gate, held


def test_one_gate_per_file_none_for_postgresql_and_memory(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    assert gate(f"sqlite:///{path}") is gate(f"sqlite:///{tmp_path}/./j.db")
    assert gate(f"sqlite:///{path}") is not gate(f"sqlite:///{tmp_path / 'other.db'}")
    assert gate("sqlite://") is None and gate("sqlite:///:memory:") is None
    assert gate("postgresql+psycopg://u@127.0.0.1:5432/x") is None


def test_the_gate_is_reentrant_and_times_out_as_busy(tmp_path: Path) -> None:
    lock = gate(f"sqlite:///{tmp_path / 'j.db'}")
    with held(lock, 1.0), held(lock, 1.0):  # the same thread may nest
        taken = threading.Event()
        outcome: list[BaseException | None] = []

        def other() -> None:
            try:
                with held(lock, 0.05):
                    taken.set()
                outcome.append(None)
            except BaseException as exc:  # inspected below
                outcome.append(exc)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(10)
    assert not taken.is_set()
    assert len(outcome) == 1 and "database is locked" in str(outcome[0])
    with held(lock, 0.05):  # given back: free again
        pass


def _store(tmp_path: Path, engine: Engine, busy_seconds: float) -> Iterator[CaseStore]:
    """A case store on a fresh SQLite file whose busy timeout is ``busy_seconds``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JINGBAN_SQLITE_BUSY_SECONDS", str(busy_seconds))
        db = Database(f"sqlite:///{tmp_path / 'j.db'}")
        try:
            yield CaseStore(db, engine)
        finally:
            db.dispose()


@pytest.fixture
def quick_store(tmp_path: Path, engine: Engine) -> Iterator[CaseStore]:
    """Busy after 0.2 s."""
    yield from _store(tmp_path, engine, 0.2)


@pytest.fixture
def patient_store(tmp_path: Path, engine: Engine) -> Iterator[CaseStore]:
    """Busy after 5 s."""
    yield from _store(tmp_path, engine, 5.0)


def _case(store: CaseStore) -> str:
    return store.open(
        now=at("2026-03-02 10:00"),
        region="kashgar",
        item="inpatient_reimbursement",
        all_materials=True,
        **OPEN,
    ).case.case_no


def test_an_action_waiting_past_the_timeout_is_busy_and_writes_nothing(
    quick_store: CaseStore,
) -> None:
    store = quick_store
    db = store.db
    case_no = _case(store)
    held_by_other = threading.Event()
    release = threading.Event()

    def writer_elsewhere() -> None:  # another request of this process, mid-write
        with db.write() as conn:
            conn.execute(text("SELECT 1"))
            held_by_other.set()
            release.wait(10)

    thread = threading.Thread(target=writer_elsewhere)
    thread.start()
    assert held_by_other.wait(10)
    try:
        with pytest.raises(DatabaseBusy):
            store.act(case_no, "accept", actor="clerk-li", role="clerk", now=at("2026-03-02 11:00"))
    finally:
        release.set()
        thread.join(10)
    assert store.get(case_no).version == 1
    # Once the other writer is done the action goes through.
    store.act(case_no, "accept", actor="clerk-li", role="clerk", now=at("2026-03-02 11:00"))
    assert store.get(case_no).version == 2


def test_writers_of_one_process_queue_on_the_gate_not_in_sqlite(patient_store: CaseStore) -> None:
    """Twelve concurrent actions on twelve cases with a busy timeout shorter than the queue
    would take in SQLite's busy handler all succeed: each waits on the gate."""
    store = patient_store
    numbers = [_case(store) for _ in range(12)]
    barrier = threading.Barrier(len(numbers))
    errors: list[BaseException] = []

    def accept(case_no: str) -> None:
        try:
            barrier.wait(10)
            store.act(case_no, "accept", actor="clerk-li", role="clerk", now=at("2026-03-02 11:00"))
        except BaseException as exc:  # inspected below
            errors.append(exc)

    threads = [threading.Thread(target=accept, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [store.get(n).version for n in numbers] == [2] * len(numbers)
    assert all(store.verify(n) == (2, []) for n in numbers)


def test_another_process_still_meets_sqlite_s_own_lock(quick_store: CaseStore) -> None:
    store = quick_store
    db = store.db
    case_no = _case(store)
    with sqlite_write_lock(db.url), pytest.raises(DatabaseBusy):  # a lock held elsewhere
        store.act(case_no, "accept", actor="clerk-li", role="clerk", now=at("2026-03-02 11:00"))
    assert store.get(case_no).version == 1


def test_store_work_runs_on_the_loop_unless_another_thread_writes(tmp_path: Path) -> None:
    """`Services.run`: on the caller's thread while the gate is free; in a worker thread while
    another thread of the process holds it, so the event loop never waits for that writer."""
    import asyncio

    from jingban.services import Services

    services = Services(Database(f"sqlite:///{tmp_path / 'j.db'}"))

    def in_own_loop(main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        """``main()`` run by asyncio in a thread of its own (the test's thread may already
        have a loop running), with that thread's id."""
        found: list[Any] = []
        thread = threading.Thread(
            target=lambda: found.append((asyncio.run(main()), threading.get_ident()))
        )
        thread.start()
        thread.join(30)
        return found[0]

    ran, caller = in_own_loop(lambda: services.run(threading.get_ident))
    assert ran == caller
    lock = services.db.write_gate
    assert lock is not None
    taken, release = threading.Event(), threading.Event()

    def writer() -> None:
        with held(lock, 1.0):
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert taken.wait(10)

    def write() -> int:
        with services.db.write() as conn:
            conn.execute(text("SELECT 1"))
        return threading.get_ident()

    async def while_held() -> int:
        ran = asyncio.ensure_future(services.run(write))
        await asyncio.sleep(0.05)
        assert not ran.done()  # waiting for the writer, off the loop
        release.set()
        return await ran

    try:
        ran, caller = in_own_loop(while_held)
        assert ran not in (caller, None)
    finally:
        release.set()
        thread.join(10)
    services.db.dispose()

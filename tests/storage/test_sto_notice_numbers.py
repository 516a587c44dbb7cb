"""Notice numbers (文号): taken in the action's own transaction, per region, office, notice
code and year, without gaps and without duplicates — on a SQLite file and on PostgreSQL
(and in the memory store, which numbers the same way)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from storage_support import OPEN, at

from jingban.engine import ActionParams
from jingban.errors import Conflict, NotAllowed
from jingban.storage import CaseStore, Database

SHAWAN = "沙湾市医疗保障事业服务中心"
N = 12


def _open(store: Any, when: str = "2026-11-23 10:30", office: str | None = SHAWAN) -> str:
    opened = store.open(
        now=at(when),
        region="shawan",
        item="prenatal_exam_payment",
        office=office,
        all_materials=True,
        **OPEN,
    )
    return str(opened.case.case_no)


def _accept(store: Any, case_no: str, when: str = "2026-11-23 11:00", **kw: Any) -> str:
    result = store.act(case_no, "accept", actor="clerk-li", role="clerk", now=at(when), **kw)
    return str(result.event.payload["notice_no"])


def test_numbers_run_per_office_kind_and_year_and_restart_each_year(store: Any) -> None:
    first = [_accept(store, _open(store)) for _ in range(3)]
    assert first == [f"沙医保经〔2026〕受字第000{i}号" for i in (1, 2, 3)]
    # Another kind has its own series; an action that prints no notice takes no number.
    case_no = _open(store)
    _accept(store, case_no)
    done = store.act(
        case_no, "approve", actor="rev-wang", role="reviewer", now=at("2026-11-24 11:00")
    )
    assert "notice_no" not in done.event.payload
    denied = _open(store)
    _accept(store, denied)
    deny = store.act(
        denied,
        "deny",
        actor="rev-wang",
        role="reviewer",
        now=at("2026-11-24 11:30"),
        params=ActionParams(reason="票据不全"),
    )
    assert deny.event.payload["notice_no"] == "沙医保经〔2026〕审字第0001号"
    # A new year starts again at 0001.
    new_year = _open(store, "2027-01-05 10:30")
    assert _accept(store, new_year, "2027-01-05 11:00") == "沙医保经〔2027〕受字第0001号"
    # Another office of another region has its own series and short name.
    other = store.open(
        now=at("2026-11-23 10:30"),
        region="tacheng",
        item="unit_registration",
        office="额敏县医疗保障服务中心",
        all_materials=True,
        **OPEN,
    )
    got = store.act(
        other.case.case_no, "accept", actor="clerk-ma", role="clerk", now=at("2026-11-23 11:00")
    )
    assert got.event.payload["notice_no"] == "额医保经〔2026〕受字第0001号"


def test_a_refused_action_consumes_no_number(store: Any) -> None:
    case_no = _open(store)
    with pytest.raises(NotAllowed):  # a payer may not accept: refused, recorded, no number
        store.act(case_no, "accept", actor="pay-zhao", role="payer", now=at("2026-11-23 10:40"))
    assert _accept(store, case_no) == "沙医保经〔2026〕受字第0001号"
    second = _open(store)
    with pytest.raises(Conflict):  # a stale version: refused before anything is written
        _accept(store, second, expected_version=99)
    assert _accept(store, second) == "沙医保经〔2026〕受字第0002号"


def test_a_reprint_reads_the_number_from_the_audit_record(store: Any) -> None:
    case_no = _open(store)
    number = _accept(store, case_no)
    recorded = [e for e in store.history(case_no) if e.action == "accept"]
    assert [e.payload["notice_no"] for e in recorded] == [number]
    assert store.verify(case_no)[1] == []  # the number is inside the hash chain


def _together(n: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    outcomes: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i] = work(i)
        except BaseException as exc:  # inspected below
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_concurrent_actions_get_distinct_numbers_without_gaps(db_url: str, engine: Any) -> None:
    Database(db_url).dispose()  # the schema, once
    dbs = [Database(db_url, migrate=False) for _ in range(N + N // 2)]
    try:
        stores = [CaseStore(db, engine) for db in dbs]
        cases = [_open(stores[0]) for _ in range(N)]
        version = stores[0].get(cases[0]).version
        # Half of the cases are accepted twice at once: one of each pair loses with
        # Conflict and must give its number back with its rollback.
        targets = cases + cases[: N // 2]
        outcomes = _together(
            len(targets), lambda i: _accept(stores[i], targets[i], expected_version=version)
        )
    finally:
        for db in dbs:
            db.dispose()
    numbers = [o for o in outcomes if isinstance(o, str)]
    losses = [o for o in outcomes if not isinstance(o, str)]
    assert all(isinstance(o, Conflict) for o in losses), losses
    assert len(numbers) == N, outcomes  # every case accepted exactly once
    assert sorted(numbers) == [f"沙医保经〔2026〕受字第{i:04d}号" for i in range(1, N + 1)]

"""Cases decoded from list rows are remembered by the stored row: the same row gives an equal
case that is a copy of its own, a row changed in any column is decoded afresh, and the
memory is bounded; a list shows an action's result at once."""

from __future__ import annotations

import pytest
from storage_support import OPEN, at

from jingban.engine import Engine
from jingban.storage import CaseStore, Database
from jingban.storage._case_cache import DecodedCases
from jingban.storage.case_search import LIST_COLUMNS, CaseFilter, Page
from jingban.storage.list_statements import read


@pytest.fixture
def cases(database: Database, engine: Engine) -> CaseStore:
    return CaseStore(database, engine)


def _row(store: CaseStore, case_no: str) -> tuple[object, ...]:
    sql = f"SELECT {', '.join(LIST_COLUMNS)} FROM cases WHERE case_no = " + (
        "?" if store.db.engine.dialect.name == "sqlite" else "%s"
    )
    (rows,) = read(store.db.engine, store.db.autocommit_engine, [(sql, (case_no,))])
    return rows[0]


def test_one_row_one_decoding_each_caller_its_own_copy(cases: CaseStore) -> None:
    number = cases.open(
        now=at("2026-11-23T10:00"), region="sichuan", item="inpatient_reimbursement", **OPEN
    ).case.case_no
    decoded = DecodedCases(size=2)
    row = _row(cases, number)
    first, second = decoded.case(row), decoded.case(row)
    assert first == second == cases.get(number) and first is not second
    first.state = "changed by one caller"
    assert decoded.case(row).state == "submitted"
    assert len(decoded) == 1
    cases.act(number, "request_supplement", actor="li", role="clerk", now=at("2026-11-23T11:00"))
    changed = _row(cases, number)
    assert decoded.case(changed).state == "supplement_requested"
    assert len(decoded) == 2
    decoded.case((*changed[:-1], "another hash"))
    assert len(decoded) == 2  # bounded: the least recently used row went


def test_a_list_shows_an_actions_result_at_once(cases: CaseStore) -> None:
    number = cases.open(
        now=at("2026-11-23T10:00"), region="sichuan", item="inpatient_reimbursement", **OPEN
    ).case.case_no
    late = at("2026-11-24T10:00")
    assert [c.state for c in cases.search(CaseFilter(), Page(), now=late).cases] == ["submitted"]
    cases.act(number, "request_supplement", actor="li", role="clerk", now=at("2026-11-23T11:00"))
    shown = cases.search(CaseFilter(), Page(), now=late).cases
    assert [(c.state, c.version) for c in shown] == [("supplement_requested", 2)]

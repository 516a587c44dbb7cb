"""Lists' statements compiled once per shape (`jingban.storage.list_statements`): one shape
is one SQL text whatever its values (typed text never in it), a statement that would bake a
value into its text is refused, the cache is bounded, and a cached statement answers with
the values of each call, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from storage_support import OPEN, at

from jingban.engine import Engine
from jingban.storage import CaseStore, Database
from jingban.storage import case_search as search
from jingban.storage.case_search import CaseFilter, Page, Waiting
from jingban.storage.list_statements import ListStatements
from jingban.storage.models import CASES

LATE = at("2027-02-01T10:00")


@pytest.fixture
def cases(database: Database, engine: Engine) -> CaseStore:
    return CaseStore(database, engine)


def _sql(store: CaseStore, found: CaseFilter, page: Page) -> str:
    parts = found.office_parts()
    as_of = search.as_of_param()
    wheres = [search.conditions(p, as_of, f"p{i}_") for i, p in enumerate(parts)]
    statement = search.page_query(wheres, page, as_of, store.db.engine.dialect.name)
    return str(statement.compile(dialect=store.db.engine.dialect))


def test_one_shape_is_one_sql_text_whatever_its_values(cases: CaseStore) -> None:
    waiting = Waiting("li", {"submitted": None, "accepted": frozenset({"inpatient_reimbursement"})})
    first = CaseFilter(
        region="sichuan", office="成华区医保局", name="王", waiting=waiting, open_only=True
    )
    typed = "王'); DROP TABLE cases; --"
    second = CaseFilter(
        region="xinjiang",
        office="沙湾市医保局",
        name=typed,
        waiting=Waiting("zhang", waiting.states),
        open_only=True,
    )
    assert search.filter_shape(first) == search.filter_shape(second)
    one = _sql(cases, first, Page(sort="due"))
    other = _sql(cases, second, Page(sort="due", number=3))
    assert one == other
    assert "DROP" not in one and "sichuan" not in one and "成华区" not in one
    values = search.filter_values(second.office_parts()[0], "p0_", cases.id_hash)
    assert values["p0_name"] == "%王'); DROP TABLE cases; --%"


def test_a_statement_that_would_keep_a_value_in_its_text_is_refused(cases: CaseStore) -> None:
    lists = ListStatements(cases.db.engine)
    with pytest.raises(RuntimeError, match="without a value"):
        lists.prepare("k", lambda: select(CASES.c.id).where(CASES.c.region == "sichuan"), {})
    assert len(lists) == 0


def test_the_cache_is_bounded_and_keeps_the_recently_used(cases: CaseStore) -> None:
    lists = ListStatements(cases.db.engine, size=2)

    def build() -> object:
        return select(CASES.c.id).where(CASES.c.region == search.bindparam("r"))

    a = lists.prepare("a", build, {"r": 1})  # type: ignore[arg-type]
    lists.prepare("b", build, {"r": 1})  # type: ignore[arg-type]
    assert lists.prepare("a", build, {"r": 1}) is a  # type: ignore[arg-type]
    lists.prepare("c", build, {"r": 1})  # type: ignore[arg-type]
    assert len(lists) == 2
    assert lists.prepare("a", build, {"r": 1}) is a  # type: ignore[arg-type]  # kept


def test_a_cached_statement_answers_with_each_calls_values(cases: CaseStore) -> None:
    numbers = {}
    for name, office in [
        ("王秀英", "成华区医保局"),
        ("王建国", "武侯区医保局"),
        ("李丽", "成华区医保局"),
    ]:
        opened = cases.open(
            now=at("2026-11-23T10:00"),
            region="sichuan",
            item="inpatient_reimbursement",
            **{**OPEN, "applicant_name": name, "office": office},
        )
        numbers[name] = opened.case.case_no

    def names(found: CaseFilter, now: dt.datetime = LATE) -> list[str]:
        page = cases.search(found, Page(sort="case_no"), now=now)
        assert page.total == len(page.cases)
        return sorted(c.applicant_name for c in page.cases)

    assert names(CaseFilter(region="sichuan", office="成华区医保局", name="王")) == ["王秀英"]
    held = len(cases.lists)
    assert names(CaseFilter(region="sichuan", office="武侯区医保局", name="王")) == ["王建国"]
    assert names(CaseFilter(region="sichuan", office="成华区医保局", name="丽")) == ["李丽"]
    assert names(CaseFilter(region="xinjiang", office="成华区医保局", name="王")) == []
    assert len(cases.lists) == held  # one shape: no new statement
    # The colours follow each call's instant: red once the dues have passed, green before.
    early = at("2026-11-23T11:00")
    assert cases.counts(CaseFilter(region="sichuan"), now=early).by_card["green"] == 3
    assert cases.counts(CaseFilter(region="sichuan"), now=LATE).by_card["red"] == 3
    page = cases.search(
        CaseFilter(region="sichuan"), Page(size=1, number=2, sort="case_no"), now=LATE
    )
    assert (page.total, [c.case_no for c in page.cases]) == (3, [sorted(numbers.values())[1]])

"""`verify` replays each chain and compares it with its case row (state, version, dues,
head), and names audit records whose case row is gone; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from storage_support import OPEN, at

from jingban.engine import ActionParams, WrongRole
from jingban.storage import CaseStore, Database


def _case(store: CaseStore) -> str:
    number = store.open(
        now=at("2026-03-02 10:00"),
        region="kashgar",
        item="inpatient_reimbursement",
        all_materials=True,
        **OPEN,
    ).case.case_no
    store.act(number, "accept", actor="clerk-li", role="clerk", now=at("2026-03-02 11:00"))
    with pytest.raises(WrongRole):
        store.act(number, "approve", actor="clerk-li", role="clerk", now=at("2026-03-02 11:05"))
    store.act(
        number,
        "suspend",
        actor="reviewer-wang",
        role="reviewer",
        now=at("2026-03-03 10:00"),
        params=ActionParams(reason="现场核查", days=3),
    )
    store.act(number, "resume", actor="reviewer-wang", role="reviewer", now=at("2026-03-05 10:00"))
    return number


def _run(db: Database, *statements: str) -> None:
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


@pytest.fixture
def cases(database: Database, engine) -> tuple[CaseStore, list[str]]:
    store = CaseStore(database, engine)
    return store, [_case(store) for _ in range(3)]


def test_an_intact_trail_verifies(cases) -> None:
    store, numbers = cases
    assert store.verify() == (15, [])
    assert store.verify(numbers[1]) == (5, [])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("state = 'completed'", ["办件状态为「已办结」", "审计链重放为「已受理」"]),
        ("version = version + 1", ["办件版本为 5", "审计链重放为 4"]),
        ("promised_due = accept_due", ["承诺时限"]),
        ("statutory_due = NULL", ["法定时限", "为 无"]),
    ],
)
def test_a_case_row_changed_behind_the_applications_back_is_named(
    cases, change: str, words: list[str]
) -> None:
    store, (first, second, _) = cases
    _run(store.db, f"UPDATE cases SET {change} WHERE case_no = '{second}'")
    checked, breaks = store.verify()
    assert checked == 15
    assert [(b.case_no, b.kind) for b in breaks] == [(second, "case")]
    for word in words:
        assert word in breaks[0].problem, breaks[0].problem
    assert store.verify(first) == (5, [])


def test_a_deleted_case_row_leaves_its_records_named(cases) -> None:
    store, (_, second, _) = cases
    _run(store.db, f"DELETE FROM cases WHERE case_no = '{second}'")
    checked, breaks = store.verify()
    assert checked == 15  # its records are counted, not skipped
    assert [(b.case_no, b.kind) for b in breaks] == [(second, "orphan")]
    assert "5 条审计记录" in breaks[0].problem
    assert store.verify(second)[1] == breaks  # asked for by number, too


def test_a_deleted_or_changed_refusal_is_named(cases) -> None:
    store, (first, second, third) = cases
    with store.db.engine.begin() as conn:
        if store.db.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_refusals_no_update"))
            conn.execute(text("DROP TRIGGER audit_refusals_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_refusals DISABLE TRIGGER USER"))
        conn.execute(text(f"DELETE FROM audit_refusals WHERE case_no = '{second}'"))
        conn.execute(text(f"UPDATE audit_refusals SET actor = 'someone' WHERE case_no = '{third}'"))
    breaks = store.verify()[1]
    assert [(b.case_no, b.kind) for b in breaks] == [(second, "refusal"), (third, "refusal")]
    assert "记录缺失" in breaks[0].problem
    assert "哈希不符" in breaks[1].problem
    assert store.verify(first) == (5, [])

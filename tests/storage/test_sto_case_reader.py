"""The bare reader of `case show` (`jingban.storage.case_reader`): on a SQLite file at the
packaged revision it returns what `CaseStore` returns, with the same errors; everywhere else
(PostgreSQL, no file, another revision) it declines, and the caller uses the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from storage_support import OPEN, at

from jingban.engine import Engine
from jingban.engine.case_number import BadCaseNumber, check_character
from jingban.storage import CaseNotFound, CaseStore, Database
from jingban.storage.case_reader import read_case, sqlite_path

REGION, KEY = "kashgar", "inpatient_reimbursement"


def _store_with_case(url: str, engine: Engine) -> tuple[CaseStore, str]:
    store = CaseStore(Database(url), engine)
    number = store.open(
        now=at("2026-03-02 10:00"), region=REGION, item=KEY, all_materials=True, **OPEN
    ).case.case_no
    store.act(number, "accept", actor="clerk-li", role="clerk", now=at("2026-03-02 10:30"))
    return store, number


def test_the_reader_returns_what_the_store_returns(db_url: str, engine: Engine) -> None:
    store, number = _store_with_case(db_url, engine)
    found = read_case(number.lower().replace("-", ""), db_url)
    if db_url.startswith("postgresql"):
        assert found is None  # PostgreSQL is read through the store
        return
    assert found is not None
    case, events = found
    assert case == store.get(number)
    assert events == store.history(number)
    assert [e.action for e in events] == ["open", "accept"]
    store.db.dispose()


def test_the_reader_tells_the_stores_errors(tmp_path: Path, engine: Engine) -> None:
    url = f"sqlite:///{tmp_path / 'jingban.db'}"
    store, number = _store_with_case(url, engine)
    missing = number[:-7] + "99999-" + check_character(number[:2] + number[3:11] + "99999")
    with pytest.raises(CaseNotFound) as by_reader:
        read_case(missing, url)
    with pytest.raises(CaseNotFound) as by_store:
        store.get(missing)
    assert by_reader.value.message == by_store.value.message
    # A well-formed number of no registered region: told as such, as the store tells it.
    body = "ZZ" + number[3:11] + "00001"
    unknown = f"ZZ-{number[3:11]}-00001-{check_character(body)}"
    with pytest.raises(BadCaseNumber, match="地区代码 ZZ 不存在"):
        read_case(unknown, url)
    with pytest.raises(BadCaseNumber, match="格式不正确"):
        read_case("阿不都", url)
    store.db.dispose()


def test_the_reader_declines_what_it_cannot_answer(tmp_path: Path, engine: Engine) -> None:
    url = f"sqlite:///{tmp_path / 'jingban.db'}"
    store, number = _store_with_case(url, engine)
    assert read_case(number, f"sqlite:///{tmp_path / 'absent.db'}") is None
    assert not (tmp_path / "absent.db").exists()  # nothing is created
    with store.db.write() as conn:  # a database at another revision is migrated first
        conn.execute(text("UPDATE alembic_version SET version_num = '0001_initial'"))
    assert read_case(number, url) is None
    store.db.dispose()


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///jingban.db", Path("jingban.db")),
        ("sqlite:////var/lib/jingban/j.db", Path("/var/lib/jingban/j.db")),
        ("sqlite+pysqlite:///j.db", Path("j.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///j.db?timeout=5", None),
        ("postgresql+psycopg://u@h/db", None),
    ],
)
def test_sqlite_path(url: str, path: Path | None) -> None:
    assert sqlite_path(url) == path

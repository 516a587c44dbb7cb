"""A busy, full or restarted database answers 503 with Retry-After and a Chinese message (the
console: its error page), never a 500, and stores nothing; after a PostgreSQL restart the
next requests simply succeed.

The faults are real: another process holds SQLite's write lock past a short busy timeout, a
SQLite database that may not grow answers SQLITE_FULL, PostgreSQL raises disk_full and
lock_not_available from a trigger, and PostgreSQL's backends are terminated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import PASSWORD, Api, identity_number, make_api
from db_faults import (
    cap_sqlite_size,
    pg_raise_on_insert,
    pg_terminate_backends,
    sqlite_write_lock,
)
from support import fresh_pg_url

from jingban.storage.models import AUDIT


@pytest.fixture
def quick_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite gives up waiting for another writer's lock after a fifth of a second."""
    monkeypatch.setenv("JINGBAN_SQLITE_BUSY_SECONDS", "0.2")


@pytest.fixture
def sqlite_api_quick(tmp_path: Any, cheap_hashes: None, quick_busy: None) -> Iterator[Api]:
    yield from make_api(f"sqlite:///{tmp_path / 'jingban.db'}")


@pytest.fixture
def pg_api(cheap_hashes: None) -> Iterator[Api]:
    yield from make_api(fresh_pg_url())


def _audit_rows(api: Api) -> int:
    with api.db.engine.connect() as conn:
        return len(conn.execute(AUDIT.select()).all())


def _unavailable(r: Any, code: str, words: str) -> None:
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == code, r.text
    assert words in r.json()["error"]["message"], r.text
    assert int(r.headers["Retry-After"]) > 0


def test_sqlite_locked_by_another_process_is_503_busy(sqlite_api_quick: Api) -> None:
    api = sqlite_api_quick
    case_no = api.open_case()["case_no"]
    api.login("clerk_a")
    rows = _audit_rows(api)
    with sqlite_write_lock(api.db.url):
        accept = api.post("clerk_a", f"/api/cases/{case_no}/actions/accept", {})
        opened = api.post(
            "clerk_a",
            "/api/cases",
            {"region": "sichuan", "item": "inpatient_reimbursement", "applicant_name": "王秀英",
             "applicant_id": identity_number(2), "all_materials": True},
        )  # fmt: skip
        # Reads do not wait for the writer (WAL).
        assert api.get("clerk_a", f"/api/cases/{case_no}").status_code == 200
    for r in (accept, opened):
        _unavailable(r, "busy", "繁忙")
    assert _audit_rows(api) == rows
    assert api.get("clerk_a", f"/api/cases/{case_no}").json()["state"] == "submitted"
    api.act("clerk_a", case_no, "accept")  # the lock released, the same action succeeds


def test_sqlite_locked_console_answers_a_page_saying_so(sqlite_api_quick: Api) -> None:
    api = sqlite_api_quick
    case_no = api.open_case()["case_no"]
    api.user("clerk_a")
    client = api.client
    form = {"username": "clerk_a", "password": PASSWORD}
    form["login_token"] = _field(client.get("/login").text, "login_token")
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    page = client.get(f"/cases/{case_no}")
    assert page.status_code == 200, page.text
    form = {"csrf": _field(page.text, "csrf"), "action": "accept", "expected_version": "1"}
    with sqlite_write_lock(api.db.url):
        r = client.post(f"/cases/{case_no}/act", data=form, follow_redirects=False)
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "数据库繁忙" in r.text and "Traceback" not in r.text
    assert api.get("clerk_a", f"/api/cases/{case_no}").json()["state"] == "submitted"


def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field"
    return found.group(1)


def test_sqlite_disk_full_is_503_saying_so(sqlite_api_quick: Api) -> None:
    api = sqlite_api_quick
    api.login("clerk_a")
    cap_sqlite_size(api.db.engine)
    opened = 0
    for n in range(1, 400):
        r = api.post(
            "clerk_a",
            "/api/cases",
            {"region": "sichuan", "item": "inpatient_reimbursement", "applicant_name": "王秀英",
             "applicant_id": identity_number(n), "all_materials": True},
        )  # fmt: skip
        if r.status_code != 201:
            break
        opened += 1
    _unavailable(r, "disk_full", "磁盘已满")
    assert "繁忙" not in r.json()["error"]["message"]
    listed = api.get("supervisor_a", "/api/cases")
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == opened  # the refused opening left nothing behind


def test_postgresql_disk_full_is_503_saying_so(pg_api: Api) -> None:
    api = pg_api
    case_no = api.open_case()["case_no"]
    api.login("clerk_a")
    pg_raise_on_insert(api.db.url, "audit_events", "disk_full")
    r = api.post("clerk_a", f"/api/cases/{case_no}/actions/accept", {})
    _unavailable(r, "disk_full", "磁盘已满")
    assert api.get("clerk_a", f"/api/cases/{case_no}").json()["state"] == "submitted"
    opened = api.post(
        "clerk_a",
        "/api/cases",
        {"region": "sichuan", "item": "inpatient_reimbursement", "applicant_name": "王秀英",
         "applicant_id": identity_number(2), "all_materials": True},
    )  # fmt: skip
    _unavailable(opened, "disk_full", "磁盘已满")


def test_postgresql_lock_timeout_is_503_busy(pg_api: Api) -> None:
    api = pg_api
    case_no = api.open_case()["case_no"]
    api.login("clerk_a")
    pg_raise_on_insert(api.db.url, "audit_events", "lock_not_available")
    _unavailable(api.post("clerk_a", f"/api/cases/{case_no}/actions/accept", {}), "busy", "繁忙")


def test_postgresql_restart_is_invisible_to_the_next_requests(pg_api: Api) -> None:
    api = pg_api
    cases = [api.open_case(n=n)["case_no"] for n in range(1, 4)]
    api.act("clerk_a", cases[0], "accept")
    api.get("supervisor_a", "/api/cases")
    assert pg_terminate_backends(api.db.url) >= 1
    for case_no in cases[1:]:  # each pool's connections are all dead now
        api.act("clerk_a", case_no, "accept")
    api.act("reviewer_a", cases[0], "approve", reason="材料齐全，符合规定")
    assert pg_terminate_backends(api.db.url) >= 1
    api.open_case(n=9)
    assert pg_terminate_backends(api.db.url) >= 1
    assert api.get("supervisor_a", "/api/cases").json()["total"] == 4

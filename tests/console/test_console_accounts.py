"""Accounts in the console, over HTTP against the real application on SQLite and PostgreSQL:
a password someone else set sends its holder to 修改密码 on every page until changed; the
change checks the current password and the policy and ends the other sessions; the login
page shows the demo hint only while a demo account keeps the demo password; administrators
list, add, disable, enable, reset and rename staff (CSRF-checked, recorded); supervisors
register closure days for their own office only, and that office's cases alone move."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import unquote

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from jingban.calendar import BEIJING
from jingban.server import create_app
from jingban.services import Services
from jingban.storage import Database
from jingban.storage import accounts as accounts_module

PASSWORD = "Counter-pass-42"
NEW = "My-own-pass-2027"
OFFICE_A = "成都市医疗保障事务中心"
OFFICE_B = "锦江区医疗保障服务中心"
# Monday 2026-11-23 10:00 in Beijing: a working day.
START = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING).astimezone(dt.UTC)
ITEM = "hypertension_diabetes_recognition"  # sichuan, 10 working days from receipt


class Console:
    """The app over one database; `client()` gives a fresh browser-like client."""

    def __init__(self, url: str) -> None:
        self.services = Services(Database(url))
        self.now = START
        self.app = create_app(self.services, clock=lambda: self.now)
        self.clients: list[TestClient] = []

    def client(self) -> TestClient:
        client = TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)
        client.__enter__()
        self.clients.append(client)
        return client

    def add(
        self, name: str, role: str, *, office: str | None = OFFICE_A, must: bool = False
    ) -> None:
        self.services.accounts.add_user(
            name, role=role, password=PASSWORD, now=self.now, region="sichuan", office=office,
            must_change=must,
        )  # fmt: skip

    def close(self) -> None:
        for client in self.clients:
            client.__exit__(None, None, None)
        self.services.db.dispose()


@pytest.fixture
def console(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    monkeypatch.setattr(accounts_module, "_HASHER", PasswordHasher(time_cost=1, memory_cost=64))
    made = Console(db_url)
    try:
        yield made
    finally:
        made.close()


def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field"
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/login")
    form = {"username": name, "password": password, "login_token": _field(page.text, "login_token")}
    return client.post("/login", data=form)


def csrf(client: TestClient, path: str = "/account") -> str:
    return _field(client.get(path).text, "csrf")


# -- the forced change ------------------------------------------------------------------------


def test_a_must_change_account_reaches_only_the_password_page(console: Console) -> None:
    console.add("new_clerk", "clerk", must=True)
    client = console.client()
    signed_in = login(client, "new_clerk")
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/account")
    for path in ("/work", "/register", "/board", "/calendar", "/admin/users"):
        r = client.get(path)
        assert (r.status_code, r.headers["location"]) == (303, "/account"), path
    page = client.get("/account")
    assert page.status_code == 200 and 'data-testid="must-change"' in page.text
    assert 'href="/work"' not in page.text  # no navigation before the change

    token = csrf(client)
    wrong = client.post(
        "/account", data={"csrf": token, "current": "not-it-1", "new": NEW, "again": NEW}
    )
    assert wrong.status_code == 401 and "当前密码不正确" in wrong.text
    differ = client.post(
        "/account", data={"csrf": token, "current": PASSWORD, "new": NEW, "again": NEW + "x"}
    )
    assert differ.status_code == 400 and "两次输入的新密码不一致" in differ.text
    weak = client.post(
        "/account",
        data={"csrf": token, "current": PASSWORD, "new": "jingban-demo", "again": "jingban-demo"},
    )
    assert weak.status_code == 400 and "演示密码" in weak.text
    forged = client.post(
        "/account", data={"csrf": "x" * 40, "current": PASSWORD, "new": NEW, "again": NEW}
    )
    assert forged.status_code == 403
    assert console.services.accounts.user("new_clerk").must_change_password  # unchanged

    done = client.post(
        "/account", data={"csrf": token, "current": PASSWORD, "new": NEW, "again": NEW}
    )
    assert (done.status_code, done.headers["location"]) == (303, "/work")
    assert client.get("/work").status_code == 200
    assert not console.services.accounts.user("new_clerk").must_change_password


def test_changing_the_password_ends_the_other_sessions(console: Console) -> None:
    console.add("clerk_a", "clerk")
    here, there = console.client(), console.client()
    login(here, "clerk_a")
    login(there, "clerk_a")
    assert there.get("/work").status_code == 200
    changed = here.post(
        "/account", data={"csrf": csrf(here), "current": PASSWORD, "new": NEW, "again": NEW}
    )
    assert changed.status_code == 303
    assert "其他登录会话和令牌已失效" in unquote(changed.cookies["jingban_flash"])
    assert here.get("/work").status_code == 200  # this session goes on
    gone = there.get("/work")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert login(console.client(), "clerk_a", NEW).headers["location"] == "/work"


def test_the_header_name_links_to_the_password_page(console: Console) -> None:
    console.add("clerk_a", "clerk")
    client = console.client()
    login(client, "clerk_a")
    assert 'class="me" href="/account"' in client.get("/work").text


def test_the_login_page_shows_the_demo_hint_while_the_demo_password_works(
    console: Console,
) -> None:
    console.services.accounts.add_user(
        "admin", role="admin", password="jingban-demo", now=console.now, must_change=True,
        actor="demo", demo=True,
    )  # fmt: skip
    client = console.client()
    assert 'data-testid="demo-hint"' in client.get("/login").text
    assert login(client, "admin", "jingban-demo").headers["location"] == "/account"
    client.post(
        "/account", data={"csrf": csrf(client), "current": "jingban-demo", "new": NEW, "again": NEW}
    )
    assert 'data-testid="demo-hint"' not in console.client().get("/login").text


# -- administrators manage staff --------------------------------------------------------------


def test_staff_management_is_for_administrators_only(console: Console) -> None:
    console.add("supervisor_a", "supervisor")
    console.add("clerk_a", "clerk")
    client = console.client()
    login(client, "supervisor_a")
    assert client.get("/admin/users").status_code == 403
    token = csrf(client)
    refused = client.post("/admin/users/clerk_a/disable", data={"csrf": token})
    assert refused.status_code == 403 and "无权" in refused.text
    assert not console.services.accounts.user("clerk_a").disabled


def test_an_administrator_adds_disables_enables_resets_and_renames(console: Console) -> None:
    console.services.accounts.add_user("admin", role="admin", password=PASSWORD, now=console.now)
    console.add("clerk_a", "clerk")
    client = console.client()
    login(client, "admin")
    page = client.get("/admin/users")
    assert page.status_code == 200 and "clerk_a" in page.text
    token = _field(page.text, "csrf")

    without = client.post(
        "/admin/users", data={"username": "clerk_x", "role": "clerk", "password": NEW, "again": NEW}
    )
    assert without.status_code == 403  # no CSRF token: nothing added
    form = {
        "csrf": token, "username": "clerk_new", "display_name": "阿依古丽", "role": "clerk",
        "region": "sichuan", "office": OFFICE_B, "password": NEW, "again": NEW,
    }  # fmt: skip
    added = client.post("/admin/users", data=form)
    assert added.status_code == 303, added.text
    weak = client.post(
        "/admin/users",
        data={**form, "username": "clerk_weak", "password": "clerk_weak", "again": "clerk_weak"},
    )
    assert weak.status_code == 400 and "不能与用户名相同" in weak.text
    accounts = console.services.accounts
    new = accounts.user("clerk_new")
    assert (new.display_name, new.office, new.must_change_password) == ("阿依古丽", OFFICE_B, True)
    assert "clerk_x" not in {u.username for u in accounts.users()}

    other = console.client()
    login(other, "clerk_a")
    assert client.post("/admin/users/clerk_a/disable", data={"csrf": token}).status_code == 303
    assert accounts.user("clerk_a").disabled
    assert other.get("/work").status_code == 303  # its session ended at once
    assert client.post("/admin/users/clerk_a/enable", data={"csrf": token}).status_code == 303
    assert client.post("/admin/users/admin/disable", data={"csrf": token}).status_code == 400
    reset = client.post(
        "/admin/users/clerk_a/reset", data={"csrf": token, "password": "Reset-pass-77"}
    )
    assert reset.status_code == 303
    assert login(console.client(), "clerk_a", "Reset-pass-77").headers["location"] == "/account"
    renamed = client.post("/admin/users/clerk_a/name", data={"csrf": token, "display_name": "李娜"})
    assert renamed.status_code == 303 and accounts.user("clerk_a").display_name == "李娜"

    kinds = [(e.username, e.kind, e.actor) for e in accounts.events()]
    assert kinds[:5] == [
        ("clerk_a", "display_name", "admin"),
        ("clerk_a", "password_reset", "admin"),
        ("clerk_a", "enabled", "admin"),
        ("clerk_a", "disabled", "admin"),
        ("clerk_new", "created", "admin"),
    ]
    log = client.get("/admin/users").text
    assert "管理员重置密码" in log and "操作人 admin" in log


def test_the_staff_list_is_paged(console: Console) -> None:
    console.services.accounts.add_user("admin", role="admin", password=PASSWORD, now=console.now)
    for n in range(55):
        console.add(f"clerk_{n:02d}", "clerk")
    client = console.client()
    login(client, "admin")
    first = client.get("/admin/users").text
    assert "共 56 个" in first and "第 1 / 2 页" in first
    assert 'data-username="clerk_48"' in first and 'data-username="clerk_49"' not in first
    second = client.get("/admin/users?page=2").text
    assert 'data-username="clerk_54"' in second and 'data-username="clerk_00"' not in second


# -- closure days by office -------------------------------------------------------------------


def _open(console: Console, office: str) -> str:
    opened = console.services.cases.open(
        now=console.now, region="sichuan", item=ITEM, applicant_name="王建国",
        applicant_id="11010519491231002X", actor="clerk_a", role="clerk", all_materials=True,
        received_at=console.now, office=office,
    )  # fmt: skip
    return opened.case.case_no


def _due(console: Console, case_no: str) -> dt.date:
    due = console.services.cases.get(case_no).statutory_due
    assert due is not None
    return due.astimezone(BEIJING).date()


def test_a_supervisor_closes_their_own_office_and_only_its_cases_move(console: Console) -> None:
    console.add("supervisor_a", "supervisor")
    console.add("clerk_a", "clerk")
    in_a, in_b = _open(console, OFFICE_A), _open(console, OFFICE_B)
    before_a, before_b = _due(console, in_a), _due(console, in_b)
    client = console.client()
    login(client, "supervisor_a")
    page = client.get("/calendar")
    assert 'data-testid="add-closure"' in page.text and OFFICE_A in page.text
    token = _field(page.text, "csrf")
    day = {"csrf": token, "region": "sichuan", "day": "2026-11-25", "reason": "停电检修"}

    whole = client.post("/calendar/closures", data={**day, "office": ""})
    assert whole.status_code == 403 and "整个地区的闭馆日由管理员登记" in whole.text
    other = client.post("/calendar/closures", data={**day, "office": OFFICE_B})
    assert other.status_code == 403 and "只能登记本经办机构" in other.text
    assert console.services.calendar_store.closures("sichuan") == []

    own = client.post("/calendar/closures", data={**day, "office": OFFICE_A})
    assert own.status_code == 303, own.text
    assert _due(console, in_a) == before_a + dt.timedelta(days=1)  # 11-25 no longer counts
    assert _due(console, in_b) == before_b
    trail = console.services.cases.history(in_a)[-1]
    assert trail.action == "recalculate" and OFFICE_A in (trail.reason or "")
    [closure] = console.services.calendar_store.closures("sichuan")
    assert (closure.office, closure.created_by) == (OFFICE_A, "supervisor_a")
    # a new case of that office counts the closed day too; one of the other office does not
    assert _due(console, _open(console, OFFICE_A)) == before_a + dt.timedelta(days=1)
    assert _due(console, _open(console, OFFICE_B)) == before_b

    reopened = client.post("/calendar/closures", data={**day, "office": OFFICE_A, "remove": "1"})
    assert reopened.status_code == 303
    assert _due(console, in_a) == before_a


def test_an_administrators_region_closure_moves_every_office(console: Console) -> None:
    console.services.accounts.add_user("admin", role="admin", password=PASSWORD, now=console.now)
    in_a, in_b = _open(console, OFFICE_A), _open(console, OFFICE_B)
    before_a, before_b = _due(console, in_a), _due(console, in_b)
    client = console.client()
    login(client, "admin")
    token = csrf(client, "/calendar?region=sichuan")
    closed = client.post(
        "/calendar/closures",
        data={"csrf": token, "region": "sichuan", "day": "2026-11-25", "reason": "全市停电"},
    )
    assert closed.status_code == 303
    assert _due(console, in_a) == before_a + dt.timedelta(days=1)
    assert _due(console, in_b) == before_b + dt.timedelta(days=1)
    [closure] = console.services.calendar_store.closures("sichuan")
    assert closure.office is None
    again = client.post(
        "/calendar/closures",
        data={"csrf": token, "region": "sichuan", "day": "2026-11-25", "reason": "又停电"},
    )
    assert again.status_code == 409  # the unique (region, office, day) holds for the region too

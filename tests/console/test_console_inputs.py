"""The console refuses what the engine refuses, with its HTML page, on SQLite and PostgreSQL:
an amount that is not plain decimal yuan, a NUL character or a full account number in a
reason. A refused 拨付 form never shows the full account number again (only its last 4
digits, beside an empty field the payer fills in again)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from console_support import identity
from fastapi.testclient import TestClient

from jingban.calendar import BEIJING
from jingban.console.web import SESSION_COOKIE, csrf_for
from jingban.server import create_app
from jingban.services import Services
from jingban.storage import Database

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)
PASSWORD = "correct-horse-9"
OFFICE = "成都市医疗保障事务中心"
ACCOUNT = "6217003123456789"


class Console:
    def __init__(self, services: Services, client: TestClient) -> None:
        self.services, self.client = services, client

    def csrf(self) -> str:
        return csrf_for(self.client.cookies[SESSION_COOKIE])

    def act(self, case_no: str, action: str, **fields: str) -> object:
        version = str(self.services.cases.get(case_no).version)
        data = {"csrf": self.csrf(), "action": action, "expected_version": version, **fields}
        return self.client.post(f"/cases/{case_no}/act", data=data, follow_redirects=False)


@pytest.fixture
def console(db_url: str) -> Iterator[Console]:
    db = Database(db_url)
    services = Services(db)
    for name, role in (("clerk_a", "clerk"), ("reviewer_a", "reviewer"), ("payer_a", "payer")):
        services.accounts.add_user(
            name, role=role, password=PASSWORD, now=NOW, region="sichuan", office=OFFICE
        )
    app = create_app(services, clock=lambda: NOW.astimezone(dt.UTC))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Console(services, client)
    db.dispose()


def _login(console: Console, name: str) -> None:
    console.client.cookies.clear()
    page = console.client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None
    done = console.client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "login_token": token[1]},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


def _reviewed(console: Console) -> str:
    services = console.services
    case_no = services.cases.open(
        now=NOW.astimezone(dt.UTC),
        region="sichuan",
        item="inpatient_reimbursement",
        applicant_name="王秀英",
        applicant_id=identity(3),
        actor="clerk_a",
        role="clerk",
        office=OFFICE,
        all_materials=True,
    ).case.case_no
    services.cases.act(case_no, "accept", actor="clerk_a", role="clerk", now=NOW)
    services.cases.act(case_no, "approve", actor="reviewer_a", role="reviewer", now=NOW)
    return case_no


def test_a_refused_payment_form_masks_the_account(console: Console) -> None:
    case_no = _reviewed(console)
    _login(console, "payer_a")
    for amount in ("1e10", "12,34", "٣٤", "1_000", "2000000"):
        r = console.act(case_no, "pay", amount=amount, account=ACCOUNT, voucher="PZ-1")
        assert r.status_code == 400, r.text  # type: ignore[attr-defined]
        page = r.text  # type: ignore[attr-defined]
        assert page.lstrip().lower().startswith("<!doctype html")
        assert "金额" in page and ACCOUNT not in page
        assert "************6789" in page and "请重新输入" in page
    assert console.services.cases.get(case_no).state == "reviewed"
    done = console.act(case_no, "pay", amount="3456.70", account=ACCOUNT, voucher="PZ-1")
    assert done.status_code == 303  # type: ignore[attr-defined]


def test_a_nul_or_an_account_in_a_reason_gets_the_html_page(console: Console) -> None:
    case_no = _reviewed(console)
    _login(console, "payer_a")
    for reason, words in (("核对\x00", "控制字符"), (f"账号 {ACCOUNT}", "不得填写完整银行账号")):
        r = console.act(
            case_no, "pay", amount="12.00", account=ACCOUNT, voucher="PZ-1", reason=reason
        )
        assert r.status_code == 400, r.text  # type: ignore[attr-defined]
        assert r.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
        assert words in r.text and ACCOUNT not in r.text  # type: ignore[attr-defined]
    assert console.services.cases.get(case_no).state == "reviewed"

"""Either-or materials in the console, over HTTP without a browser: the register checklist
offers the documents a material accepts (沙湾 10's licences), the accept form offers them for
a missing material, and the 一次性告知书 prints a material with its alternatives (四川 33)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_support import identity
from fastapi.testclient import TestClient

from jingban.calendar import BEIJING
from jingban.engine import ActionParams
from jingban.server import create_app
from jingban.services import Services
from jingban.storage import Database

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)
PASSWORD = "correct-horse-9"
LICENCE = "《医疗机构执业许可证》副本原件及复印件"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[Services, TestClient]]:
    db = Database(f"sqlite:///{tmp_path / 'jingban.db'}")
    services = Services(db)
    services.accounts.add_user("clerk", role="clerk", password=PASSWORD, now=NOW)
    app = create_app(services, clock=lambda: NOW.astimezone(dt.UTC))
    with TestClient(app, base_url="http://127.0.0.1:8601") as http:
        page = http.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert token is not None
        done = http.post(
            "/login",
            data={"username": "clerk", "password": PASSWORD, "login_token": token[1]},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        yield services, http
    db.dispose()


def test_the_register_checklist_offers_the_alternatives(client) -> None:  # type: ignore[no-untyped-def]
    _, http = client
    page = http.get("/register", params={"region": "shawan", "item": "hospital_designation"})
    assert page.status_code == 200, page.text
    offered = re.findall(r'name="materials" value="([^"]+)"', page.text)
    for document in ("中医诊所备案证", "诊所备案凭证", "军队医疗机构为民服务许可证照复印件"):
        assert document in offered
    assert "或收到其中之一" in page.text


def test_the_accept_form_and_the_notice_offer_the_alternatives(client) -> None:  # type: ignore[no-untyped-def]
    services, http = client
    opened = services.cases.open(
        now=NOW,
        region="sichuan",
        item="hospital_designation",
        applicant_name="某某中医诊所",
        applicant_id=identity(3),
        actor="clerk",
        role="clerk",
    )
    number = opened.case.case_no
    page = http.get(f"/cases/{number}").text
    assert 'value="《中医诊所备案证》"' in page
    services.cases.act(
        number,
        "request_supplement",
        actor="clerk",
        role="clerk",
        now=NOW,
        params=ActionParams(missing=(LICENCE,)),
    )
    notice = http.get(f"/cases/{number}/notices/supplement").text
    listed = re.search(r'data-testid="missing-list">(.*?)</ol>', notice, re.S)
    assert listed is not None
    assert f"{LICENCE}（或《中医诊所备案证》，任选其一）" in listed[1]

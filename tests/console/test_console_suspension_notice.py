"""The 中止办理通知书 of a suspension approved by the supervisor (塔城, 中止待批), over HTTP
without a browser: issued at the approval, numbered then, dated the day the clock stopped,
giving the reviewer's reason and saying it was approved; a mere request prints none."""

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


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[Services, TestClient]]:
    db = Database(f"sqlite:///{tmp_path / 'jingban.db'}")
    services = Services(db)
    for name, role in (("clerk", "clerk"), ("reviewer", "reviewer"), ("chief", "supervisor")):
        services.accounts.add_user(name, role=role, password=PASSWORD, now=NOW, region="tacheng")
    app = create_app(services, clock=lambda: NOW.astimezone(dt.UTC))
    with TestClient(app, base_url="http://127.0.0.1:8602") as http:
        page = http.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert token is not None
        done = http.post(
            "/login",
            data={"username": "chief", "password": PASSWORD, "login_token": token[1]},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        yield services, http
    db.dispose()


def _act(services: Services, number: str, action: str, who: str, role: str, **p: object) -> None:
    services.cases.act(number, action, actor=who, role=role, now=NOW, params=ActionParams(**p))


def test_the_notice_is_issued_at_the_approval(client: tuple[Services, TestClient]) -> None:
    services, http = client
    opened = services.cases.open(
        now=NOW, region="tacheng", item="employee_registration", applicant_name="某某公司",
        applicant_id=identity(7), actor="clerk", role="clerk", all_materials=True,
        received_at=NOW - dt.timedelta(days=1),
    )  # fmt: skip
    number = opened.case.case_no
    _act(services, number, "accept", "clerk", "clerk", at=NOW - dt.timedelta(hours=20))
    _act(services, number, "suspend", "reviewer", "reviewer", reason="需现场核查", days=3,
         procedure="现场核查", at=NOW - dt.timedelta(hours=2))  # fmt: skip
    assert services.cases.get(number).state == "suspension_pending"
    assert http.get(f"/cases/{number}/notices/suspend").status_code == 404  # none yet
    assert "中止办理通知书" not in http.get(f"/cases/{number}").text
    _act(services, number, "approve_suspension", "chief", "supervisor")
    page = http.get(f"/cases/{number}").text
    assert f"/cases/{number}/notices/suspend" in page
    notice = http.get(f"/cases/{number}/notices/suspend")
    assert notice.status_code == 200
    text = notice.text
    assert "中止办理通知书" in text and "现场核查" in text
    assert "理由：需现场核查" in text
    assert 'data-testid="suspend-approved"' in text and "reviewer 申请" in text
    assert "2026年11月23日" in text  # the clock stopped at the approval
    event = next(e for e in services.cases.history(number) if e.action == "approve_suspension")
    assert event.payload["notice_no"] and event.payload["notice_no"] in text

"""The receipt as the console prints it, over HTTP without a browser: the configured public
address with the case number (never the query code) and its QR code, a hint to staff when no
public address is configured, and 补发查询码 leading to a reprinted receipt that shows the new
code once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import segno
from console_support import identity
from fastapi.testclient import TestClient

from jingban.calendar import BEIJING
from jingban.console.public_link import QR_ERROR, QR_OPTIONS
from jingban.console.web import SESSION_COOKIE, csrf_for
from jingban.engine import query_code_matches
from jingban.server import create_app
from jingban.services import Services
from jingban.storage import Database

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)
PASSWORD = "correct-horse-9"
PUBLIC = "https://ybj.example.cn/jingban"


class Console:
    def __init__(self, services: Services, client: TestClient) -> None:
        self.services, self.client = services, client

    def csrf(self) -> str:
        return csrf_for(self.client.cookies[SESSION_COOKIE])

    def register(self) -> tuple[str, str]:
        """A case opened through the store, the way the console's register page does; its
        number and code."""
        opened = self.services.cases.open(
            now=NOW,
            region="shawan",
            item="assistance_reimbursement",
            applicant_name="买买提",
            applicant_id=identity(7),
            actor="shawan_clerk",
            role="clerk",
            all_materials=True,
        )
        return opened.case.case_no, opened.query_code


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    db = Database(f"sqlite:///{tmp_path / 'jingban.db'}")
    services = Services(db)
    services.accounts.add_user(
        "shawan_clerk", role="clerk", password=PASSWORD, now=NOW, region="shawan"
    )
    app = create_app(services, clock=lambda: NOW.astimezone(dt.UTC))
    with TestClient(app, base_url="http://127.0.0.1:8601") as client:
        page = client.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert token is not None
        done = client.post(
            "/login",
            data={"username": "shawan_clerk", "password": PASSWORD, "login_token": token[1]},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        yield Console(services, client)
    db.dispose()


def _expected_svg(url: str) -> str:
    """segno's own rendering of ``url`` with the receipt's options."""
    return str(segno.make(url, error=QR_ERROR).svg_inline(**QR_OPTIONS))


def test_the_receipt_prints_the_public_address_and_its_qr_code(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINGBAN_PUBLIC_URL", PUBLIC + "/")
    case_no, code = console.register()
    page = console.client.get(f"/cases/{case_no}/receipt").text
    expected = f"{PUBLIC}/progress?case_no={case_no}"
    assert f'<span class="url" data-testid="progress-url">{expected}</span>' in page
    assert _expected_svg(expected) in page
    assert _expected_svg(expected).startswith("<svg") and "http" not in _expected_svg(expected)
    assert "127.0.0.1:8601" not in page
    assert "JINGBAN_PUBLIC_URL" not in page  # no hint: the address is configured
    # The code is on the paper only where staff read it out, never in the link or the QR.
    assert code not in expected
    assert _expected_svg(f"{PUBLIC}/progress?case_no={case_no}&code={code}") not in page


def test_without_a_public_address_the_receipt_falls_back_and_tells_staff(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JINGBAN_PUBLIC_URL", raising=False)
    case_no, _ = console.register()
    page = console.client.get(f"/cases/{case_no}/receipt").text
    fallback = f"http://127.0.0.1:8601/progress?case_no={case_no}"
    assert fallback in page and _expected_svg(fallback) in page
    hint = re.search(r'<p class="noprint warning"[^>]*data-testid="public-url-hint">([^<]+)', page)
    assert hint is not None and "JINGBAN_PUBLIC_URL" in hint[1]


def test_reissue_in_the_console_reprints_the_receipt_with_the_new_code_once(
    console: Console,
) -> None:
    case_no, old = console.register()
    case_page = console.client.get(f"/cases/{case_no}").text
    assert "补发查询码" in case_page and 'name="id_number"' in case_page
    wrong = identity(8)
    refused = console.client.post(
        f"/cases/{case_no}/act",
        data={
            "csrf": console.csrf(),
            "action": "reissue_code",
            "expected_version": "1",
            "id_number": wrong,
        },
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert "证件号码与本办件登记的不一致" in refused.text
    assert wrong not in refused.text  # the typed number is not filled in again
    done = console.client.post(
        f"/cases/{case_no}/act",
        data={
            "csrf": console.csrf(),
            "action": "reissue_code",
            "expected_version": "1",
            "id_number": identity(7),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/cases/{case_no}/receipt"
    receipt = console.client.get(done.headers["location"]).text
    shown = re.search(r'data-testid="query-code">([^<]+)<', receipt)
    assert shown is not None and shown[1] != old
    _, stored = console.services.cases.get_with_query_hash(case_no)
    assert query_code_matches(shown[1], stored) and not query_code_matches(old, stored)
    assert shown[1] not in receipt.split('data-testid="public-link"')[1]  # not in the link

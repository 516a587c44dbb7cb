"""The applicant's mobile number in the console, in a real headless Chromium: the clerk
registers with a wrong number (refused, the form kept, nothing stored), then with a right
one; the case page shows it masked, the applicant messages with how each went, and the
opt-out."""

from __future__ import annotations

import re
from typing import Any

from console_support import Server, expect, identity, login
from sqlalchemy import text


def _cases(server: Server) -> int:
    with server.services.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())


def test_register_with_a_phone_see_the_messages_and_opt_out(page: Any, server: Server) -> None:
    login(page, server, "shawan_clerk")
    page.click("nav >> text=新建办件")
    page.fill("#q", "住院")
    page.click("#items >> text=住院费用报销")
    page.fill("#applicant_name", "李秀兰")
    page.fill("#applicant_id", identity(301))
    page.fill("#phone", "1381234567")
    boxes = page.locator("fieldset.materials > ul.checks").first.locator("input")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    before = _cases(server)
    page.click("button[value=accept]")
    expect(page.locator("[role=alert]")).to_contain_text("手机号码")
    assert page.locator("#phone").input_value() == "1381234567"
    assert _cases(server) == before

    page.fill("#phone", "138 1234 5678")
    boxes = page.locator("fieldset.materials > ul.checks").first.locator("input")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.click("button[value=accept]")
    page.wait_for_url(re.compile(r"/cases/[^/]+/receipt$"))
    case_no = page.inner_text("[data-testid=case-no]").strip()
    page.goto(server.url(f"/cases/{case_no}"))
    expect(page.locator("[data-testid=phone]")).to_have_text("手机 138****5678")
    messages = page.locator("[data-testid=messages] tbody tr")
    expect(messages).to_have_count(1)
    expect(messages.first).to_contain_text("受理")
    expect(messages.first).to_contain_text("未发送")
    assert "13812345678" not in page.content()

    page.locator("form.action[aria-label='退订短信'] button[type=submit]").click()
    expect(page.locator("[data-testid=phone]")).to_contain_text("已退订短信")
    expect(page.locator("table.timeline").first).to_contain_text("退订短信")

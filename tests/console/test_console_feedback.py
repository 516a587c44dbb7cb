"""好差评 in a real headless Chromium: the applicant rates 受理 on the progress page of an
accepted case and, once it is completed, rates 办结 badly; the supervisor verifies and answers
from the case page; the applicant reads the answer and appeals once; the board's 好差评
figures count the 差评."""

from __future__ import annotations

from typing import Any

from console_support import OFFICE, Server, expect, identity, login, shot

from jingban.engine import ActionParams


def _accepted(server: Server) -> tuple[str, str]:
    """A 沙湾 单位参保信息变更登记 accepted just now, and its query code."""
    services, now = server.services, server.clock()
    opened = services.cases.open(
        now=now,
        region="shawan",
        item="unit_info_change",
        applicant_name="沙湾某公司",
        applicant_id=identity(401),
        actor="shawan_clerk",
        role="clerk",
        all_materials=True,
        office=OFFICE,
    )
    services.cases.act(
        opened.case.case_no, "accept", actor="shawan_clerk", role="clerk", now=now,
        params=ActionParams(),
    )  # fmt: skip
    return opened.case.case_no, opened.query_code


def _query(page: Any, server: Server, number: str, code: str) -> None:
    page.goto(server.url(f"/progress?case_no={number}"))
    page.fill("#code", code)
    page.click("button[type=submit]")
    expect(page.locator("#result")).to_be_visible()


def test_rating_answer_and_appeal(page: Any, server: Server) -> None:
    number, code = _accepted(server)
    page.goto(server.url("/login"), timeout=60_000)  # the server's first page loads the catalog
    _query(page, server, number, code)
    expect(page.locator("#score_label")).to_have_text("您对受理环节的评价")
    page.select_option("#score", "5")
    page.click("#rate")
    expect(page.locator("#rated")).to_contain_text("受理环节：您已评价非常满意")
    expect(page.locator("#rate")).to_be_hidden()

    services, now = server.services, server.clock()
    for action in ("approve", "complete"):
        services.cases.act(
            number, action, actor="shawan_reviewer", role="reviewer", now=now,
            params=ActionParams(),
        )  # fmt: skip
    _query(page, server, number, code)
    expect(page.locator("#score_label")).to_have_text("您对办结环节的评价")
    page.select_option("#score", "1")
    page.fill("#comment", "来回跑了三趟")
    page.click("#rate")
    expect(page.locator("#rated")).to_contain_text("办结环节：您已评价非常不满意")

    login(page, server, "shawan_supervisor")
    page.goto(server.url(f"/cases/{number}"))
    expect(page.locator("[data-testid=rectification-1]")).to_contain_text("待核实")
    form = page.locator("form.action[aria-label='核实差评']")
    form.locator("select[name=outcome]").select_option("invalid")
    form.locator("textarea[name=reason]").fill("经查一次性告知书已当场出具")
    form.locator("button[type=submit]").click()
    form = page.locator("form.action[aria-label='回复评价人']")
    form.locator("textarea[name=reason]").fill("经核实已一次性告知所需材料，感谢您的监督")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=rectification-1]")).to_contain_text("待回访")
    page.goto(server.url("/board"))
    expect(page.locator("[data-testid=bad-rate]")).to_have_text("50.0%")
    expect(page.locator("[data-testid=rectified-rate]")).to_have_text("100.0%")
    expect(page.locator("[data-testid=callback-rate]")).to_have_text("0.0%")
    shot(page, "feedback-board")
    page.click("text=退出")

    _query(page, server, number, code)
    expect(page.locator("#answer_list")).to_contain_text("经核实已一次性告知所需材料")
    expect(page.locator("#appeal_box")).to_be_visible()
    page.fill("#appeal_text", "当时只告知了一项材料")
    page.click("#appeal")
    expect(page.locator("#appealed")).to_contain_text("申诉已提交")
    expect(page.locator("#appeal_box")).to_be_hidden()
    shot(page, "feedback-appealed")

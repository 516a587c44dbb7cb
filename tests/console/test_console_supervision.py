"""督办 in a real headless Chromium: the supervisor issues a supervision order from the case
page to the reviewer (the case's colleagues offered, the supervisor not); the order waits on
the board; the reviewer sees it on the case page and replies; the reply is on the case page
and the board no longer lists the order."""

from __future__ import annotations

from typing import Any

from console_support import Server, expect, login, shot


def test_an_order_issued_on_the_case_page_and_answered(page: Any, server: Server) -> None:
    case_no = server.cases["review"]
    page.goto(server.url("/login"), timeout=60_000)  # the server's first page loads the catalog
    login(page, server, "shawan_supervisor")
    page.goto(server.url(f"/cases/{case_no}"))
    form = page.locator("form.action[aria-label='督办']")
    expect(form).to_be_visible()
    offered = [o.get_attribute("value") for o in form.locator("select[name=assignee] option").all()]
    assert "shawan_reviewer" in offered and "shawan_supervisor" not in offered
    assert "kashgar_clerk" not in offered
    form.locator("select[name=assignee]").select_option("shawan_reviewer")
    form.locator("input[name=days]").fill("2")
    form.locator("textarea[name=reason]").fill("申请人来电催办，请说明审核进展")
    form.locator("button[type=submit]").click()
    order = page.locator("[data-testid=supervision-1]")
    expect(order).to_contain_text("shawan_supervisor → shawan_reviewer")
    expect(order).to_contain_text("前回复")
    page.goto(server.url("/board"))
    expect(page.locator("[data-testid=supervisions]")).to_contain_text(case_no)
    expect(page.locator("[data-testid=supervision-total]")).to_contain_text("待回复 1 件")
    shot(page, "supervision-board")

    page.click("text=退出")
    login(page, server, "shawan_reviewer")
    page.goto(server.url(f"/cases/{case_no}"))
    reply = page.locator("form.action[aria-label='回复督办']")
    expect(reply).to_be_visible()
    reply.locator("textarea[name=reason]").fill("材料已核对，今日完成审核")
    reply.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=supervision-1]")).to_contain_text("材料已核对，今日完成审核")
    expect(page.locator("form.action[aria-label='回复督办']")).to_have_count(0)
    shot(page, "supervision-replied")

    page.click("text=退出")
    login(page, server, "shawan_supervisor")
    page.goto(server.url("/board"))
    expect(page.locator("[data-testid=supervisions]")).to_have_count(0)

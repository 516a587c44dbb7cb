"""One application through the console, as the office's staff would take it, in a real
headless Chromium: the clerk registers it with a material missing and prints the one-time
notice, the applicant supplements and the clerk accepts; the reviewer approves; the payer pays
and completes; the applicant sees the stage on the public page; the supervisor sees another
case turn red once time passes its statutory limit, and reassigns it.

The steps share one server and run in order (each builds on the one before).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from console_support import ARTIFACTS, OFFICE, Server, expect, identity, login, shot

MISSING = "出院记录"


def _action(page: Any, label: str) -> Any:
    """The submit button of the action form named ``label`` on the case page."""
    return page.locator(f"form.action[aria-label='{label}'] button[type=submit]")


def _public_stage(page: Any, server: Server) -> str:
    page.goto(server.url("/progress"))
    page.fill("#case_no", server.state["case_no"])
    page.fill("#code", server.state["code"])
    page.click("button[type=submit]")
    expect(page.locator("#current_stage")).not_to_be_empty()
    return str(page.inner_text("#current_stage"))


def test_root_redirects_to_login_and_rejects_a_wrong_password(page: Any, server: Server) -> None:
    response = page.goto(server.url("/"))
    assert response is not None and response.ok
    assert page.url.endswith("/login")
    page.fill("#username", "shawan_clerk")
    page.fill("#password", "wrong-password")
    page.press("#password", "Enter")
    expect(page.locator("[role=alert]")).to_contain_text("用户名或密码错误")
    assert page.locator("#username").input_value() == "shawan_clerk"


def test_clerk_registers_with_a_missing_material_then_supplements_and_accepts(
    page: Any, server: Server
) -> None:
    login(page, server, "shawan_clerk")
    expect(page.locator("h1")).to_contain_text("工作台")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() >= 2
    shot(page, "01-clerk-work-queue")
    page.select_option("select[name=scope]", "all")  # swaps the table in place (data-target)
    page.wait_for_url(re.compile(r"scope=all"))
    expect(page.locator("table.queue .cardchip.red")).not_to_have_count(0)
    level = page.locator("table.queue tbody tr .cardchip").first.inner_text()
    assert level == "红"  # the most urgent first
    shot(page, "01-office-work-queue")

    # 新建办件: search the item by name, then the checklist.
    page.click("nav >> text=新建办件")
    page.fill("#q", "住院")
    expect(page.locator("#items > li:visible")).to_have_count(1)
    page.click("#items >> text=住院费用报销")
    expect(page.locator("h1")).to_contain_text("住院费用报销")
    assert page.locator(".conditional .condition").count() >= 1  # conditions are shown
    page.fill("#applicant_name", "王建国")
    page.fill("#applicant_id", identity(101))
    required = page.locator("fieldset.materials > ul.checks").first.locator("input")
    for i in range(required.count()):
        box = required.nth(i)
        if box.get_attribute("value") != MISSING:
            box.check()
    shot(page, "02-register-checklist", full_page=True)
    page.click("button[value=supplement]")

    # The receipt, with the case number and the query code, then the one-time notice.
    page.wait_for_url(re.compile(r"/cases/[^/]+/receipt$"))
    case_no = page.inner_text("[data-testid=case-no]").strip()
    code = page.inner_text("[data-testid=query-code]").strip()
    assert re.fullmatch(r"[A-Z]{2}-\d{8}-\d{5}-[0-9A-Z]", case_no)
    assert len(code) >= 8
    server.state.update(case_no=case_no, code=code)
    expect(page.locator("[data-testid=receipt-state]")).to_have_text("待补正")
    shot(page, "03-receipt")
    page.click("text=一次性告知书")
    expect(page.locator("[data-testid=notice-title]")).to_have_text("一次性告知书")
    expect(page.locator("[data-testid=missing-list] li")).to_have_text([MISSING])
    expect(page.locator("article")).to_contain_text("《社会保险经办条例》（国务院令第765号）")
    expect(page.locator("article")).to_contain_text(OFFICE)
    expect(page.locator("[data-testid=notice-date]")).to_have_text("2026年11月23日")
    shot(page, "04-one-time-notice", full_page=True)
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "04-one-time-notice.pdf"), format="A4")
    page.emulate_media(media="screen")

    # The applicant comes back with the material: supplement, then accept.
    page.click("text=返回办件")
    expect(page.locator("[data-testid=state]")).to_have_text("待补正")
    _action(page, "补正").click()
    expect(page.locator("[data-testid=state]")).to_have_text("已申请/待受理")
    expect(page.locator("#messages")).to_contain_text("已补正")
    _action(page, "受理").click()
    expect(page.locator("[data-testid=state]")).to_have_text("已受理")
    timeline = page.locator("table.timeline tbody")
    for label in ("登记", "一次性告知", "补正", "受理"):
        expect(timeline).to_contain_text(label)
    expect(page.locator("ol.chain li.current .box")).to_have_text("已受理")
    assert _action(page, "审核通过").count() == 0  # a clerk does not review
    shot(page, "05-case-accepted", full_page=True)
    assert _public_stage(page, server) == "审核中"  # accepted: review is now in progress


def test_reviewer_approves(page: Any, server: Server) -> None:
    case_no = server.state["case_no"]
    login(page, server, "shawan_reviewer")
    row = page.locator(f"table.queue tr[data-case='{case_no}']")
    expect(row).to_be_visible()
    row.locator("a.caseno").click()
    expect(page.locator("[data-testid=state]")).to_have_text("已受理")
    assert _action(page, "受理").count() == 0 and _action(page, "拨付").count() == 0
    _action(page, "审核通过").click()
    expect(page.locator("[data-testid=state]")).to_have_text("审核通过")
    expect(page.locator("ol.chain li.current .box")).to_have_text("审核通过")


def test_payer_pays_and_completes(page: Any, server: Server) -> None:
    case_no = server.state["case_no"]
    login(page, server, "shawan_payer")
    expect(page.locator(f"table.queue tr[data-case='{case_no}']")).to_be_visible()
    page.keyboard.press("/")  # the header's case-number search, as typed from a receipt
    page.keyboard.type(case_no.lower().replace("-", " "))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/cases/{case_no}$"))
    form = page.locator("form.action[aria-label='拨付']")
    form.locator("input[name=amount]").fill("3286.50")
    form.locator("input[name=account]").fill("6222020200123456789")
    form.locator("input[name=voucher]").fill("PZ20261123-001")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=state]")).to_have_text("已拨付")
    expect(page.locator("#case")).to_contain_text("3286.50")
    expect(page.locator("#case")).not_to_contain_text("6222020200123456789")  # masked
    _action(page, "办结").click()
    expect(page.locator("[data-testid=state]")).to_have_text("已办结")
    expect(page.locator("#h-actions + p")).to_contain_text("办件已结束")


def test_public_progress_page_shows_the_stage(page: Any, server: Server) -> None:
    assert _public_stage(page, server).startswith("办结")
    expect(page.locator("#steps")).to_contain_text("受理")
    shot(page, "06-public-progress")


def test_supervisor_sees_a_case_turn_red_after_its_statutory_limit_and_reassigns_it(
    page: Any, server: Server
) -> None:
    number = server.cases["travel"]
    login(page, server, "shawan_supervisor")
    page.click("nav >> text=监督看板")
    overdue = page.locator("[data-testid=overdue]")
    expect(overdue).to_contain_text(server.cases["red"])  # already past its limit
    assert page.locator(f"[data-testid=overdue] tr[data-case='{number}']").count() == 0
    expect(page.locator("[data-testid=on-time-chart]")).to_contain_text("住院费用报销")

    # Time travels past the case's statutory limit (and past the session's lifetime).
    due = server.services.cases.get(number).statutory_due
    assert due is not None
    server.clock.set(due + dt.timedelta(days=1))
    page.reload()
    expect(page.locator("#username")).to_be_visible()  # the session expired meanwhile
    login(page, server, "shawan_supervisor")
    page.goto(server.url("/board"))
    row = page.locator(f"[data-testid=overdue] tr[data-case='{number}']")
    expect(row.locator(".cardchip")).to_have_text("红")  # coloured as of now, read only
    page.click("button:has-text('立即扫描')")  # viewing writes nothing; the scan queues
    expect(page.locator("#messages")).to_contain_text("扫描完成")
    expect(page.locator("[data-testid=last-scan]")).to_contain_text("上次扫描")
    expect(page.locator("[data-testid=deliveries]")).to_contain_text(number)
    shot(page, "07-supervisor-board", full_page=True)

    row.locator("select[name=assignee]").select_option("shawan_reviewer2")
    row.locator("button[type=submit]").click()
    expect(page.locator("#messages")).to_contain_text("已改派")
    row = page.locator(f"[data-testid=overdue] tr[data-case='{number}']")
    expect(row.locator("[data-testid=assignee]")).to_have_text("shawan_reviewer2")
    page.goto(server.url(f"/cases/{number}"))
    expect(page.locator("table.timeline")).to_contain_text("改派")
    expect(page.locator(".cardchip").first).to_have_text("红")

"""The console's other promises, in a real headless Chromium: a conflict shows the fresh state,
a case of another office is not found, the keyboard alone is enough, everything works without
JavaScript, the suspension and extension notices carry their working days, the calendar's
year view with closures and a notice import, logout and the CSRF check."""

from __future__ import annotations

import re
from typing import Any

from console_support import PASSWORD, Server, expect, identity, login, shot
from support import notice_2027_text


def _action(page: Any, label: str) -> Any:
    return page.locator(f"form.action[aria-label='{label}'] button[type=submit]")


def test_a_conflict_shows_a_message_and_the_fresh_state(page: Any, server: Server) -> None:
    number = server.cases["today"]
    login(page, server, "shawan_clerk")
    page.goto(server.url(f"/cases/{number}"))
    stale = page.context.new_page()
    stale.goto(server.url(f"/cases/{number}"))
    _action(page, "受理").click()
    expect(page.locator("[data-testid=state]")).to_have_text("已受理")

    _action(stale, "受理").click()  # the other tab still shows version 1
    expect(stale.locator("#messages [role=alert]")).to_contain_text("已被他人更新")
    expect(stale.locator("[data-testid=state]")).to_have_text("已受理")
    assert _action(stale, "受理").count() == 0  # the fresh state offers what is possible now
    shot(stale, "08-conflict")


def test_a_case_of_another_office_is_not_found(page: Any, server: Server) -> None:
    login(page, server, "kashgar_clerk")
    response = page.goto(server.url(f"/cases/{server.cases['review']}"))
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("未找到")
    response = page.goto(server.url("/board"))
    assert response is not None and response.status == 403
    expect(page.locator("[role=alert]")).to_contain_text("无权")


def test_the_keyboard_alone_logs_in_registers_and_accepts(page: Any, server: Server) -> None:
    page.goto(server.url("/login"))
    expect(page.locator("input[name=username]")).to_be_focused()  # autofocus, before typing
    page.keyboard.type("shawan_clerk2")  # the name field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/work"), timeout=30_000)  # argon2 on a busy machine
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    page.keyboard.press("Tab")  # 工作台
    page.keyboard.press("Tab")  # 新建办件 (also its access key, Alt+2)
    focused = page.evaluate(
        "[document.activeElement.textContent, document.activeElement.accessKey]"
    )
    assert focused[0].startswith("新建办件") and focused[1] == "2"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/register"))
    expect(page.locator("input[name=q]")).to_be_focused()
    page.keyboard.type("生育津贴")  # the search field has the focus
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q="))
    page.focus("#items a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"item=maternity_allowance"))
    expect(page.locator("#applicant_name")).to_be_focused()  # autofocus, before typing
    page.keyboard.type("阿依努尔")
    page.keyboard.press("Tab")  # 证件类型
    page.keyboard.press("Tab")
    page.keyboard.type(identity(202, "19920315"))
    page.keyboard.press("Tab")  # 办理渠道
    page.keyboard.press("Tab")  # 手机号码 (optional)
    page.keyboard.press("Tab")  # 申请人不接收短信
    required = page.locator("fieldset.materials > ul.checks").first.locator("input")
    for _ in range(required.count()):
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
    for i in range(required.count()):
        expect(required.nth(i)).to_be_checked()
    page.focus("#applicant_id")
    page.keyboard.press("Enter")  # Enter submits with the first button: 受理
    page.wait_for_url(re.compile(r"/receipt$"))
    expect(page.locator("[data-testid=receipt-state]")).to_have_text("已受理")


def test_everything_works_without_javascript(browser: Any, server: Server) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1366, "height": 768}
    )
    page = context.new_page()
    try:
        login(page, server, "shawan_clerk")
        page.select_option("select[name=scope]", "all")
        page.click(".filters button[type=submit]")
        page.wait_for_url(re.compile(r"scope=all"))
        assert page.locator("table.queue tbody tr").count() >= 5
        page.goto(server.url("/register?item=inpatient_reimbursement"))
        page.fill("#applicant_name", "何志强")
        page.fill("#applicant_id", identity(303, "19751208"))
        page.fill("#reason", "申请人未在本统筹区参保，不属于本机构受理范围")
        page.click("button[value=refuse]")
        page.wait_for_url(re.compile(r"/receipt$"))
        expect(page.locator("[data-testid=receipt-state]")).to_have_text("不予受理")
        page.click("text=不予受理通知书")
        expect(page.locator("[data-testid=refuse-reason]")).to_contain_text("不属于本机构受理范围")
        expect(page.locator("article")).to_contain_text("行政复议")
    finally:
        context.close()


def test_suspension_and_extension_notices_give_the_working_days(page: Any, server: Server) -> None:
    number = server.cases["suspend"]
    login(page, server, "shawan_supervisor")
    page.goto(server.url(f"/cases/{number}"))
    form = page.locator("form.action[aria-label='中止']")
    form.locator("select[name=procedure]").select_option("现场核查")
    form.locator("input[name=days]").fill("10")
    form.locator("textarea[name=reason]").fill("需对就诊医疗机构进行现场核查")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=state]")).to_have_text("中止")
    expect(page.locator("ul.chain.off li.current .box")).to_have_text("中止")
    shot(page, "09-case-suspended", full_page=True)
    page.click("text=中止办理通知书")
    expect(page.locator("[data-testid=suspend-days]")).to_have_text("10")
    expect(page.locator("article")).to_contain_text("《社会保险经办条例》（国务院令第765号）")
    expect(page.locator("article")).to_contain_text("现场核查")
    page.click("text=返回办件")
    _action(page, "恢复").click()
    expect(page.locator("[data-testid=state]")).to_have_text("已受理")
    form = page.locator("form.action[aria-label='延期']")
    form.locator("input[name=days]").fill("10")
    form.locator("textarea[name=reason]").fill("案情复杂，需调取外地就诊记录")
    form.locator("button[type=submit]").click()
    expect(page.locator("#messages")).to_contain_text("已延期")
    page.click("text=延期办理通知书")
    expect(page.locator("[data-testid=extend-days]")).to_have_text("10")
    expect(page.locator("article")).to_contain_text("《社会保险经办条例》（国务院令第765号）")


def test_a_required_reason_is_asked_for_not_an_error_page(page: Any, server: Server) -> None:
    login(page, server, "shawan_reviewer")
    page.goto(server.url(f"/cases/{server.cases['review']}"))
    form = page.locator("form.action[aria-label='审核不通过']")
    form.locator("textarea[name=reason]").evaluate("el => el.removeAttribute('required')")
    form.locator("button[type=submit]").click()
    expect(page.locator("#messages [role=alert]")).to_contain_text("必须填写原因")
    expect(page.locator("[data-testid=state]")).to_have_text("已受理")


def test_admin_sees_the_year_adds_a_closure_and_imports_a_notice(page: Any, server: Server) -> None:
    login(page, server, "admin")
    expect(page.locator("h1")).to_contain_text("四川省 2026 年工作日历")
    page.select_option("select[name=region]", "shawan")
    expect(page.locator("h1")).to_contain_text("沙湾市 2026 年工作日历")
    expect(page.locator(".legend")).to_contain_text("全年工作日")
    assert page.locator("td.day.off").count() > 10  # 春节, 国庆 …
    assert page.locator("td.day.regional").count() >= 1  # 肉孜节 / 古尔邦节
    closure = page.locator("form.stack").first
    closure.locator("input[name=day]").fill("2026-12-01")
    closure.locator("input[name=reason]").fill("停电检修")
    closure.locator("button[type=submit]").click()
    expect(page.locator("#messages")).to_contain_text("已登记 2026-12-01 闭馆")
    expect(page.locator("td.day.closed[title^='2026-12-01']")).to_have_count(1)
    shot(page, "10-calendar", full_page=True)

    page.goto(server.url("/calendar?region=sichuan&year=2027"))
    expect(page.locator("h1 .warn")).to_contain_text("暂定")
    page.fill("textarea[name=content]", notice_2027_text())
    page.click("text=导入并重算在办时限")
    expect(page.locator("#messages")).to_contain_text("已导入 2027 年")
    expect(page.locator("h1 .warn")).to_have_count(0)
    expect(page.locator("td.day.work[title^='2027-01-31']")).to_have_count(1)


def test_logout_revokes_the_session_and_posts_need_the_csrf_token(
    page: Any, server: Server
) -> None:
    number = server.cases["fresh"]
    login(page, server, "shawan_clerk")
    page.goto(server.url(f"/cases/{number}"))
    version = page.locator("input[name=expected_version]").first.input_value()
    forged = page.request.post(
        server.url(f"/cases/{number}/act"),
        form={"action": "accept", "expected_version": version, "csrf": "forged"},
    )
    assert forged.status == 403
    assert server.services.cases.get(number).state == "submitted"
    page.click("text=退出")
    page.wait_for_url(re.compile(r"/login"))
    expect(page.locator("#messages")).to_contain_text("已退出")
    page.goto(server.url("/work"))
    assert "/login" in page.url


def test_a_login_form_posted_from_elsewhere_is_refused(page: Any, server: Server) -> None:
    """Login CSRF: a form another site posts (no login cookie, or a token that is not the
    cookie's) logs nobody in, however right the password, and costs no failed attempt."""
    credentials = {"username": "shawan_clerk", "password": PASSWORD}
    forged = page.request.post(server.url("/login"), form=credentials, max_redirects=0)
    assert forged.status == 403
    assert "jingban_session" not in forged.headers.get("set-cookie", "")
    page.goto(server.url("/login"))  # the real form: its cookie is now set
    wrong_token = page.request.post(
        server.url("/login"), form={**credentials, "login_token": "forged"}, max_redirects=0
    )
    assert wrong_token.status == 403
    page.goto(server.url("/work"))
    assert "/login" in page.url  # still nobody logged in
    login(page, server, "shawan_clerk")  # and the form itself works

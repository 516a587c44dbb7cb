"""In Chromium: an administrator adds a staff member in 员工账号; the new clerk signs in with
the initial password, is sent to 修改密码 whatever page they ask for, sets their own password
and reaches 工作台; a supervisor registers a closure day for their own office."""

from __future__ import annotations

import re
from typing import Any

from console_support import OFFICE, Server, expect, login, shot

INITIAL = "Initial-pass-31"
OWN = "Own-window-pass-9"


def test_an_added_clerk_must_set_their_own_password_first(page: Any, server: Server) -> None:
    login(page, server, "admin")
    page.click("nav >> text=员工账号")
    expect(page.locator("h1")).to_contain_text("员工账号")
    form = page.locator("[data-testid=add-user]")
    form.locator("input[name=username]").fill("shawan_clerk9")
    form.locator("input[name=display_name]").fill("热依汗")
    form.locator("select[name=role]").select_option("clerk")
    form.locator("select[name=region]").select_option("shawan")
    form.locator("input[name=office]").fill(OFFICE)
    form.locator("input[name=password]").fill(INITIAL)
    form.locator("input[name=again]").fill(INITIAL)
    form.locator("button[type=submit]").click()
    expect(page.locator("#messages")).to_contain_text("已添加 热依汗 (shawan_clerk9)")
    expect(page.locator("[data-username=shawan_clerk9]")).to_contain_text("须修改密码")
    expect(page.locator("[data-testid=account-events]")).to_contain_text("创建账号")
    shot(page, "20-admin-users", full_page=True)
    page.click("text=退出")

    page.goto(server.url("/login"))
    page.fill("#username", "shawan_clerk9")
    page.fill("#password", INITIAL)
    page.press("#password", "Enter")
    page.wait_for_url(re.compile(r"/account$"))
    expect(page.locator("[data-testid=must-change]")).to_be_visible()
    page.goto(server.url("/work"))
    page.wait_for_url(re.compile(r"/account$"))
    page.fill("#current", INITIAL)
    page.fill("#new", OWN)
    page.fill("#again", OWN)
    page.click("button:has-text('修改密码')")
    page.wait_for_url(re.compile(r"/work"))
    expect(page.locator("#messages")).to_contain_text("密码已修改")
    expect(page.locator("header .me")).to_contain_text("热依汗")
    assert not server.services.accounts.user("shawan_clerk9").must_change_password


def test_a_supervisor_closes_their_own_office(page: Any, server: Server) -> None:
    login(page, server, "shawan_supervisor")
    page.click("nav >> text=日历")
    form = page.locator("[data-testid=add-closure]")
    expect(form).to_contain_text(OFFICE)
    form.locator("input[name=day]").fill("2026-12-03")
    form.locator("input[name=reason]").fill("办公楼消防检查")
    form.locator("button[type=submit]").click()
    expect(page.locator("#messages")).to_contain_text(f"已登记 {OFFICE} 2026-12-03 闭馆")
    expect(page.locator("td.day.closed[title^='2026-12-03']")).to_have_count(1)
    [closure] = [
        c for c in server.services.calendar_store.closures("shawan") if c.reason == "办公楼消防检查"
    ]
    assert closure.office == OFFICE

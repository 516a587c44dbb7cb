"""通知路由 and 联系方式 in a real headless Chromium: the administrator adds a personal route
for yellow cards, makes it the supervisor's for orange and red, disables and removes it, and
sets a reviewer's contact details — each change stored as the CLI would store it; a bad
address is one line and changes nothing."""

from __future__ import annotations

from typing import Any

from console_support import Server, expect, login, shot


def test_routes_and_contacts_are_edited_in_the_console(page: Any, server: Server) -> None:
    page.goto(server.url("/login"), timeout=60_000)  # the server's first page loads the catalog
    login(page, server, "admin")
    page.goto(server.url("/admin/routes"))
    add = page.locator("[data-testid=add-route]")
    add.locator("select[name=region]").select_option("shawan")
    add.locator("select[name=kind]").select_option("email")
    add.locator("input[name=name]").fill("承办人本人")
    add.locator("input[name=levels][value=yellow]").check()
    add.locator("select[name=role]").select_option("assignee")
    add.locator("textarea[name=options]").fill("host=127.0.0.1\nsender=jingban@ybj.example.cn")
    add.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("已添加通知路由")
    routes = server.services.routes
    (route,) = [r for r in routes.routes("shawan") if r.name == "承办人本人"]
    assert (route.levels, route.role, route.target) == (("yellow",), "assignee", "")

    form = page.locator(f"form[aria-label='修改路由 {route.id}']")
    form.locator("input[name=levels][value=yellow]").uncheck()
    form.locator("input[name=levels][value=orange]").check()
    form.locator("input[name=levels][value=red]").check()
    form.locator("select[name=role]").select_option("supervisor")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text(f"已修改通知路由 #{route.id}")
    edited = routes.route(route.id)
    assert (edited.levels, edited.role) == (("orange", "red"), "supervisor")
    shot(page, "admin-routes")
    page.locator(f"tr[data-route='{route.id}'] form[action$='/enable'] button").click()
    assert routes.route(route.id).enabled is False
    page.locator(f"tr[data-route='{route.id}'] form[action$='/remove'] button").click()
    expect(page.locator(".flash")).to_contain_text(f"已删除通知路由 #{route.id}")
    assert all(r.id != route.id for r in routes.routes())

    page.goto(server.url("/admin/users"))
    contact = page.locator("form[aria-label='shawan_reviewer 的联系方式']")
    contact.locator("input[name=mobile]").fill("139 1234 5678")
    contact.locator("input[name=wecom_id]").fill("ZhangWei")
    contact.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("已修改 shawan_reviewer 的联系方式")
    got = server.services.contacts.contact("shawan_reviewer")
    assert (got.mobile, got.wecom_id) == ("13912345678", "ZhangWei")
    contact = page.locator("form[aria-label='shawan_reviewer 的联系方式']")
    contact.locator("input[name=mobile]").fill("12345")
    contact.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("11 位")
    assert server.services.contacts.contact("shawan_reviewer").mobile == "13912345678"

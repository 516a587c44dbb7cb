"""The Content-Security-Policy in a real browser (Chromium): the console, the public page
and the API documentation work under it, and an inline script is refused — so the `page`
fixture, which fails any test whose pages violate the policy, really sees violations."""

from __future__ import annotations

import contextlib
from typing import Any

from console_support import Server, csp_violations, expect, login


def test_the_policy_is_enforced_and_violations_are_seen(page: Any, server: Server) -> None:
    from playwright.sync_api import Error

    page.goto(server.url("/login"))
    with contextlib.suppress(Error):  # Playwright reports the refusal as an error too
        page.add_script_tag(content="window.injected = true")  # inline: refused
    assert page.evaluate("window.injected === undefined")
    assert any("script-src" in v for v in csp_violations(page)), csp_violations(page)
    page.csp_violations.clear()  # expected here; the fixture checks the rest


def test_the_api_documentation_renders_under_its_policy(page: Any, server: Server) -> None:
    with page.expect_response(lambda r: r.url.endswith("/openapi.json")) as schema:
        page.goto(server.url("/docs"))  # its inline script runs (by hash) and fetches it
    assert schema.value.ok
    expect(page.locator("#swagger-ui .swagger-ui")).to_be_attached()  # the bundle rendered
    page.wait_for_load_state("networkidle")
    assert csp_violations(page) == []


def test_the_public_page_and_the_board_render_under_the_policy(page: Any, server: Server) -> None:
    page.goto(server.url("/progress"))
    expect(page.locator("#case_no")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # its own <style>
    login(page, server, "shawan_supervisor")
    page.goto(server.url("/board"))
    expect(page.locator("h1").first).to_be_visible()
    assert csp_violations(page) == []

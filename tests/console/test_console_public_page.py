"""The public progress page in a real browser: the receipt's QR link fills in the case
number, the query goes by POST (the code in no URL), a 待补正 case lists what it still needs,
and a code reissued at the counter opens the case while the old one no longer does."""

from __future__ import annotations

from typing import Any

from console_support import Server, expect, identity, shot

from jingban.engine import ActionParams

# `seed` opens its cases in order with identity(1), identity(2) …: "waiting" is the 6th.
WAITING_SERIAL = 6


def _reissue(server: Server, number: str, serial: int) -> str:
    """A new query code for a seeded case (whose first code the seed does not keep)."""
    done = server.services.cases.act(
        number,
        "reissue_code",
        actor="shawan_clerk",
        role="clerk",
        now=server.clock(),
        params=ActionParams(id_number=identity(serial)),
    )
    assert done.query_code is not None
    return done.query_code


def test_a_case_waiting_for_a_supplement_shows_what_it_needs(page: Any, server: Server) -> None:
    number = server.cases["waiting"]
    first = _reissue(server, number, WAITING_SERIAL)
    code = _reissue(server, number, WAITING_SERIAL)  # reissued again: the first stops
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto(server.url(f"/progress?case_no={number}"))
    expect(page.locator("#case_no")).to_have_value(number)  # from the receipt's QR link
    page.fill("#code", first)
    page.click("button[type=submit]")
    # a wrong code is checked against a slow hash: give a loaded machine time
    expect(page.locator("#error")).to_contain_text("查询码不正确", timeout=20_000)
    page.fill("#code", code)
    page.click("button[type=submit]")
    expect(page.locator("#current_stage")).to_contain_text("一次性告知补正材料")
    needed = server.services.cases.get(number).missing
    assert needed
    expect(page.locator("#needed")).to_be_visible()
    for name in needed:
        expect(page.locator("#needed_list")).to_contain_text(name)
    shot(page, "06-public-progress-supplement")
    assert all(code not in url and first not in url for url in urls), urls

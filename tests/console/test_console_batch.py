"""批量审核 in a real headless Chromium: the reviewer ticks cases in the work queue and
approves them in one go; the page lists each case's result, and a case changed by someone
else meanwhile is refused and stored unchanged while the others go through."""

from __future__ import annotations

from typing import Any

from console_support import OFFICE, Server, expect, identity, login, shot

from jingban.engine import ActionParams


def _accepted(server: Server, serial: int) -> str:
    services, now = server.services, server.clock()
    opened = services.cases.open(
        now=now, region="shawan", item="unit_info_change", applicant_name=f"沙湾某公司{serial}",
        applicant_id=identity(serial), actor="shawan_clerk", role="clerk", all_materials=True,
        office=OFFICE,
    )  # fmt: skip
    services.cases.act(opened.case.case_no, "accept", actor="shawan_clerk", role="clerk",
                       now=now, params=ActionParams())  # fmt: skip
    return opened.case.case_no


def test_the_reviewer_approves_several_cases_at_once(page: Any, server: Server) -> None:
    first, second, third = (_accepted(server, n) for n in (501, 502, 503))
    page.goto(server.url("/login"), timeout=60_000)  # the server's first page loads the catalog
    login(page, server, "shawan_reviewer")
    page.goto(server.url("/work?scope=all&item=unit_info_change"))
    for number in (first, second, third):
        page.locator(f"input[name=cases][value^='{number}:']").check()
    # Someone else approves the second meanwhile: the batch must not approve it again.
    server.services.cases.act(second, "approve", actor="shawan_reviewer2", role="reviewer",
                              now=server.clock(), params=ActionParams())  # fmt: skip
    page.locator("[data-testid=batch-approve]").click()
    expect(page.locator("[data-testid=batch-summary]")).to_have_text("完成 2 件，未办理 1 件")
    results = page.locator("[data-testid=batch-results]")
    expect(results.locator(f"tr[data-case='{first}']")).to_contain_text("审核通过")
    expect(results.locator(f"tr[data-case='{second}']")).to_contain_text("未办理")
    shot(page, "batch-approve")
    states = [server.services.cases.get(n).state for n in (first, second, third)]
    assert states == ["reviewed", "reviewed", "reviewed"]
    approvers = [server.services.cases.get(n).approved_by for n in (first, second, third)]
    assert approvers == ["shawan_reviewer", "shawan_reviewer2", "shawan_reviewer"]

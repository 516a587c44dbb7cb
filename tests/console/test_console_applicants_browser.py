"""A unit registered at the counter in the real browser: the registration form offers the
applicant kind, the 统一社会信用代码 and the 经办人 for an item that takes units; a code with
a bad check character is refused on the form with one line and the typed fields kept; the
corrected one is registered and the receipt names the 经办人 with the number masked."""

from __future__ import annotations

import re
from typing import Any

from console_support import Server, expect, identity, login, shot

from jingban.storage.case_search import CaseFilter, Page

GOOD_CODE = "91330100799655058B"
BAD_CODE = GOOD_CODE[:17] + "C"


def _total(server: Server) -> int:
    page = server.services.cases.search(
        CaseFilter(), Page.parse(1, 10, "-registered"), now=server.clock()
    )
    return int(page.total)


def test_clerk_registers_a_unit_after_a_mistyped_credit_code(page: Any, server: Server) -> None:
    before = _total(server)
    login(page, server, "shawan_clerk")
    page.goto(server.url("/register?item=unit_registration"))
    expect(page.locator("h1")).to_contain_text("单位参保登记")
    expect(page.locator("#applicant_kind option")).to_have_text(["单位"])
    page.fill("#applicant_name", "沙湾市某某棉业有限公司")
    page.fill("#credit_code", BAD_CODE)
    page.fill("#agent_name", "马经办")
    handler = identity(321, "19850612")
    page.fill("#agent_id", handler)
    required = page.locator("fieldset.materials > ul.checks").first.locator("input")
    for i in range(required.count()):
        required.nth(i).check()
    page.click("button[value=accept]")
    alert = page.locator("[role=alert]")
    expect(alert).to_contain_text("统一社会信用代码校验位不符 (第 18 位应为 B，输入的是 C)")
    assert page.locator("#agent_name").input_value() == "马经办"
    assert page.locator("#credit_code").input_value() == BAD_CODE
    shot(page, "applicants-01-bad-credit-code")
    assert _total(server) == before  # nothing stored
    page.fill("#credit_code", GOOD_CODE)
    for i in range(required.count()):
        required.nth(i).check()
    page.click("button[value=accept]")
    page.wait_for_url(re.compile(r"/cases/[^/]+/receipt$"))
    case_no = page.inner_text("[data-testid=case-no]").strip()
    agent = page.locator("[data-testid=receipt-agent]")
    expect(agent).to_have_text(f"马经办 (居民身份证 {handler[:6]}********{handler[-4:]})")
    assert handler not in page.content()
    shot(page, "applicants-02-unit-receipt")
    case = server.services.cases.get(case_no)
    assert (case.applicant_kind, case.credit_code) == ("unit", GOOD_CODE)
    assert case.agent is not None and case.agent.role == "handler"
    assert _total(server) == before + 1


def test_clerk_registers_a_person_represented_by_an_agent(page: Any, server: Server) -> None:
    login(page, server, "shawan_clerk")
    page.goto(server.url("/register?item=chronic_disease_recognition"))
    assert page.locator("#applicant_kind").count() == 0  # persons only: no kind to choose
    page.fill("#applicant_name", "阿依古丽")
    page.fill("#applicant_id", identity(322, "19600101"))
    page.fill("#agent_name", "买买提")
    agent = identity(323, "19900101")
    page.select_option("#agent_id_type", "social_security_card")
    page.fill("#agent_id", agent)
    page.click("button[value=supplement]")
    page.wait_for_url(re.compile(r"/cases/[^/]+/receipt$"))
    expect(page.locator("[data-testid=receipt-agent]")).to_have_text(
        f"买买提 (社会保障卡 {agent[:6]}********{agent[-4:]})"
    )
    case = server.services.cases.get(page.inner_text("[data-testid=case-no]").strip())
    assert case.agent is not None and case.agent.role == "agent"
    assert case.state == "supplement_requested"

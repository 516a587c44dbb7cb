"""送达 in a real headless Chromium: the registration form offers only the channels the item
has and tells the office's facts; the clerk records a delivery by post on a completed case
and prints the 送达回执; the applicant sees the delivery and the office on the public page.
"""

from __future__ import annotations

import re
from typing import Any

from console_support import OFFICE, Server, expect, identity, login, shot

from jingban.engine import ActionParams

TRACKING = "EMS 1187654321098"


def _completed(server: Server) -> tuple[str, str]:
    """A 沙湾 单位参保信息变更登记 accepted, approved and completed just now."""
    services, now = server.services, server.clock()
    opened = services.cases.open(
        now=now,
        region="shawan",
        item="unit_info_change",
        applicant_name="沙湾某公司",
        applicant_id=identity(301),
        actor="shawan_clerk",
        role="clerk",
        all_materials=True,
        office=OFFICE,
    )
    case_no = opened.case.case_no
    for action, who in (
        ("accept", ("shawan_clerk", "clerk")),
        ("approve", ("shawan_reviewer", "reviewer")),
        ("complete", ("shawan_reviewer", "reviewer")),
    ):
        services.cases.act(
            case_no, action, actor=who[0], role=who[1], now=now, params=ActionParams()
        )
    return case_no, opened.query_code


def test_registration_offers_only_the_items_channels_and_tells_the_office(
    page: Any, server: Server
) -> None:
    page.goto(server.url("/login"), timeout=60_000)  # the server's first page loads the catalog
    login(page, server, "shawan_clerk")
    page.goto(server.url("/register?item=hospital_designation"))
    options = page.locator("#channel option")
    expect(options).to_have_count(1)
    assert options.first.get_attribute("value") == "online"
    expect(page.locator("[data-testid=channels-text]")).to_contain_text("网上办理")
    expect(page.locator("[data-testid=office-fee]")).to_have_text("不收费")
    expect(page.locator("[data-testid=office-hours]")).to_contain_text("周一至周五")
    page.goto(server.url("/register?item=unit_info_change"))
    values = [o.get_attribute("value") for o in page.locator("#channel option").all()]
    assert values == ["window", "online"]


def test_clerk_records_a_delivery_by_post_and_prints_the_receipt(page: Any, server: Server) -> None:
    case_no, code = _completed(server)
    login(page, server, "shawan_clerk")
    page.goto(server.url(f"/cases/{case_no}"))
    form = page.locator("form.action[aria-label='送达']")
    expect(form).to_be_visible()
    form.locator("select[name=method]").select_option("post")
    form.locator("input[name=tracking]").fill(TRACKING)
    form.locator("button[type=submit]").click()
    expect(page.locator("#case")).to_contain_text("承运商 EMS，运单号 1187654321098")
    page.click("text=送达回执")
    page.wait_for_url(re.compile(rf"/cases/{case_no}/notices/delivery$"))
    expect(page.locator("[data-testid=notice-title]")).to_have_text("送达回执")
    expect(page.locator("[data-testid=delivery-method]")).to_have_text("邮寄送达")
    expect(page.locator("[data-testid=delivery-tracking]")).to_have_text("1187654321098")
    expect(page.locator("[data-testid=delivery-decision]")).to_have_text("办结通知书")
    shot(page, "delivery-receipt")
    # A refused form (post without a number) says why in one line and records nothing.
    page.goto(server.url(f"/cases/{case_no}"))
    form = page.locator("form.action[aria-label='送达']")
    form.locator("select[name=method]").select_option("post")
    form.locator("button[type=submit]").click()
    expect(page.locator("[role=alert]")).to_contain_text("邮寄送达须填写承运商和运单号")
    assert len([e for e in server.services.cases.history(case_no) if e.action == "deliver"]) == 1

    page.goto(server.url("/progress"))
    page.fill("#case_no", case_no)
    page.fill("#code", code)
    page.click("button[type=submit]")
    expect(page.locator("#delivery")).to_contain_text("邮寄送达")
    expect(page.locator("#delivery")).to_contain_text("1187654321098")
    expect(page.locator("#office")).to_contain_text("0993-6021279")
    expect(page.locator("#office")).to_contain_text("不收费")

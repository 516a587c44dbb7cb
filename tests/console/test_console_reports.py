"""统计报表 in a real headless Chromium: the supervisor picks a period and a report, reads
the table and the server-drawn charts (SVG, no script), prints the page and downloads the
workbook; other staff are kept out."""

from __future__ import annotations

from typing import Any

from console_support import OFFICE, Server, expect, identity, login, shot
from openpyxl import load_workbook

from jingban.engine import ActionParams


def _completed(server: Server, serial: int) -> str:
    services, now = server.services, server.clock()
    opened = services.cases.open(
        now=now, region="shawan", item="unit_info_change", applicant_name=f"沙湾某公司{serial}",
        applicant_id=identity(serial), actor="shawan_clerk", role="clerk", all_materials=True,
        office=OFFICE,
    )  # fmt: skip
    number = opened.case.case_no
    for action, who, role in (
        ("accept", "shawan_clerk", "clerk"),
        ("approve", "shawan_reviewer", "reviewer"),
        ("complete", "shawan_reviewer", "reviewer"),
    ):
        services.cases.act(number, action, actor=who, role=role, now=now, params=ActionParams())
    return number


def test_the_supervisor_reads_prints_and_downloads_a_report(
    page: Any, server: Server, tmp_path: Any
) -> None:
    for serial in (601, 602):
        _completed(server, serial)
    page.goto(server.url("/login"), timeout=60_000)
    login(page, server, "shawan_supervisor")
    page.click("text=统计报表")
    expect(page.locator("[data-testid=report-title]")).to_have_text(f"{OFFICE} 办件情况汇总表")
    expect(page.locator("[data-testid=period]")).to_contain_text("2026-11-01 至 2026-11-30")
    row = page.locator("[data-testid=report-table] tbody tr").first
    expect(row.locator("td[data-key=office]")).to_have_text(OFFICE)
    expect(row.locator("td[data-key=completed]")).to_have_text("2")
    expect(page.locator("[data-testid=section-supervision]")).to_be_visible()
    for chart in ("trend", "items", "staff"):
        expect(page.locator(f"[data-testid=chart-{chart}] svg")).to_be_visible()
    expect(page.locator("[data-testid=chart-items] svg")).to_contain_text("单位参保信息变更")
    expect(page.locator("[data-testid=chart-staff] svg")).to_contain_text("张伟")
    shot(page, "reports-summary", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator("[data-testid=chart-trend] svg")).to_be_visible()
    shot(page, "reports-print", full_page=True)
    page.emulate_media(media="screen")

    page.select_option("#kind", "staff")
    page.click("button[name=period][value=year]")
    expect(page.locator("[data-testid=report-title]")).to_have_text(f"{OFFICE} 工作人员办件情况表")
    expect(page.locator("[data-testid=period]")).to_contain_text("2026-01-01 至 2026-12-31")
    staff = page.locator("[data-testid=report-table] tbody tr", has_text="张伟")
    expect(staff.locator("td[data-key=completed]")).to_have_text("2")
    with page.expect_download() as info:
        page.click("[data-testid=download]")
    saved = tmp_path / "staff.xlsx"
    info.value.save_as(saved)
    ws = load_workbook(saved).active
    assert ws["A1"].value == f"{OFFICE} 工作人员办件情况表"
    names = [ws.cell(row=r, column=2).value for r in range(4, ws.max_row + 1)]
    assert "张伟" in names


def test_a_bad_period_is_told_on_the_page(page: Any, server: Server) -> None:
    page.goto(server.url("/login"), timeout=60_000)
    login(page, server, "shawan_supervisor")
    page.goto(server.url("/reports?from=2026-11-30&to=2026-11-01"))
    expect(page.locator("body")).to_contain_text("晚于")


def test_a_clerk_has_no_report_page(page: Any, server: Server) -> None:
    page.goto(server.url("/login"), timeout=60_000)
    login(page, server, "shawan_clerk")
    expect(page.locator("nav")).not_to_contain_text("统计报表")
    response = page.goto(server.url("/reports"))
    assert response is not None and response.status == 403


def test_the_work_queue_and_the_overdue_list_download(
    page: Any, server: Server, tmp_path: Any
) -> None:
    page.goto(server.url("/login"), timeout=60_000)
    login(page, server, "shawan_supervisor")
    page.goto(server.url("/work?scope=all"))
    shown = int(page.locator("[data-testid=total]").inner_text().split("共")[1].split("件")[0])
    with page.expect_download() as info:
        page.click("[data-testid=work-download]")
    info.value.save_as(tmp_path / "work.xlsx")
    ws = load_workbook(tmp_path / "work.xlsx").active
    assert ws["A1"].value == f"{OFFICE} 在办件清单 (共 {shown} 件)"
    assert ws.max_row == 3 + shown
    page.goto(server.url("/board"))
    with page.expect_download() as info:
        page.click("[data-testid=overdue-download]")
    info.value.save_as(tmp_path / "overdue.xlsx")
    ws = load_workbook(tmp_path / "overdue.xlsx").active
    overdue = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    assert server.cases["red"] in overdue


def test_an_administrator_chooses_the_region(page: Any, server: Server) -> None:
    _completed(server, 611)
    page.goto(server.url("/login"), timeout=60_000)
    login(page, server, "admin")
    page.goto(server.url("/reports"))
    expect(page.locator("[data-testid=report-title]")).to_have_text("全部地区 办件情况汇总表")
    page.select_option("#region", "shawan")
    page.select_option("#kind", "items")
    page.click("#show")
    expect(page.locator("[data-testid=report-title]")).to_have_text("沙湾市 分事项办件情况表")
    expect(page.locator("[data-testid=report-table]")).to_contain_text("单位参保信息变更登记")
    page.goto(server.url("/reports?region=atlantis"))
    expect(page.locator("body")).to_contain_text("atlantis")

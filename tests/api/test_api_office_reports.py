"""`GET /api/reports/summary|items|staff|trend` (JSON and ``format=xlsx``) and the downloads
of the lists (`GET /api/cases?format=xlsx`, `GET /api/alerts?format=xlsx`): the figures of
the caller's scope only, Chinese headers, real dates, numbers as numbers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from api_support import OFFICE_A, OFFICE_B, OFFICE_K, Api
from openpyxl import load_workbook

from jingban.storage.scan import scan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def _seed(api: Api) -> None:
    api.complete_payment_case(n=1)
    api.complete_payment_case(n=2)
    api.open_case("clerk_a", n=3)  # open in office A
    api.open_case("clerk_b", n=4)  # open in office B: not office A's figures


def test_the_summary_is_of_the_callers_office(api: Api) -> None:
    _seed(api)
    r = api.get("supervisor_a", "/api/reports/summary", **NOVEMBER)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["title"] == f"{OFFICE_A} 办件情况汇总表"
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-11-30")
    (row,) = body["rows"]
    assert (row["office"], row["received"], row["accepted"], row["completed"]) == (
        OFFICE_A,
        3,
        2,
        2,
    )
    assert row["within_promised"] == 2 and row["on_time_rate"] == 1.0
    assert (row["open"], row["overdue"]) == (1, 0)
    assert body["total"]["received"] == 3
    assert set(body["sections"]) == {"feedback", "supervision", "audit"}
    assert body["missing_facts"] == 0
    region = api.get("supervisor_sc", "/api/reports/summary", **NOVEMBER).json()
    assert {r["office"] for r in region["rows"]} == {OFFICE_A, OFFICE_B}  # one region: no 小计
    assert region["total"]["received"] == 4
    api.open_case("clerk_k", n=5, region="kashgar", item="inpatient_reimbursement")
    every = api.get("supervisor_all", "/api/reports/summary", **NOVEMBER).json()
    assert [(r["region"], r["office"]) for r in every["rows"]] == [
        ("kashgar", OFFICE_K), ("kashgar", "小计"),
        ("sichuan", OFFICE_A), ("sichuan", OFFICE_B), ("sichuan", "小计"),
    ]  # fmt: skip
    assert [r["received"] for r in every["rows"] if r["office"] == "小计"] == [1, 4]
    assert every["total"]["received"] == 5


@pytest.mark.parametrize("kind", ["items", "staff", "trend"])
def test_every_report_answers_and_downloads(api: Api, kind: str) -> None:
    _seed(api)
    r = api.get("supervisor_a", f"/api/reports/{kind}", **NOVEMBER)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    if kind == "items":
        assert [(x["item_name"], x["completed"]) for x in rows] == [("住院费用报销", 2)]
    elif kind == "staff":
        done = {x["staff"]: (x["accepted"], x["completed"]) for x in rows}
        assert done == {"clerk_a": (2, 0), "payer_a": (0, 2)}
    else:
        assert [(x["month"], x["received"], x["completed"]) for x in rows] == [("2026-11", 3, 2)]
    x = api.get("supervisor_a", f"/api/reports/{kind}", format="xlsx", **NOVEMBER)
    assert x.status_code == 200 and x.headers["content-type"] == XLSX
    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws["A1"].value.startswith(OFFICE_A)
    assert ws["B2"].value == dt.datetime(2026, 11, 1)
    assert ws.freeze_panes == "A4"
    assert ws.cell(row=4, column=1).value is not None


def test_the_summary_workbook_has_its_sections_below(api: Api) -> None:
    _seed(api)
    x = api.get("supervisor_a", "/api/reports/summary", format="xlsx", **NOVEMBER)
    ws = load_workbook(io.BytesIO(x.content)).active
    headers = [c.value for c in ws[3]]
    assert headers[:5] == ["地区", "经办机构", "收件", "受理", "办结"]
    row = {h: c.value for h, c in zip(headers, ws[4], strict=True)}
    assert row["收件"] == 3 and isinstance(row["收件"], int)
    assert row["按时办结率(法定)"] == 1
    rate = ws.cell(row=4, column=headers.index("按时办结率(法定)") + 1)
    assert rate.number_format == "0.0%"
    assert ws.cell(row=5, column=1).value == "合计"
    titles = [ws.cell(row=r, column=1).value for r in range(6, ws.max_row + 1)]
    assert {"好差评", "督办", "稽核"} <= set(titles)


def test_reports_are_for_supervisors_within_their_scope(api: Api) -> None:
    assert api.get("clerk_a", "/api/reports/summary").status_code == 403
    assert api.get("supervisor_a", "/api/reports/summary", region="kashgar").status_code == 403
    assert api.get("supervisor_a", "/api/reports/summary", office=OFFICE_B).status_code == 403
    assert api.get("supervisor_all", "/api/reports/summary", region="nowhere").status_code in (
        400,
        422,
    )
    bad = api.get(
        "supervisor_a", "/api/reports/summary", **{"from": "2026-11-30", "to": "2026-11-01"}
    )
    assert bad.status_code == 400 and "晚于" in bad.json()["error"]["message"]
    both = api.get("supervisor_a", "/api/reports/summary", period="month", **NOVEMBER)
    assert both.status_code == 400
    assert api.get("supervisor_a", "/api/reports/summary", period="week").status_code == 422
    year = api.get("supervisor_a", "/api/reports/trend", period="year").json()
    assert [r["month"] for r in year["rows"]][:2] == ["2026-01", "2026-02"]
    assert len(year["rows"]) == 12


def test_the_case_list_downloads_every_matching_case(api: Api) -> None:
    _seed(api)
    r = api.get("clerk_a", "/api/cases", format="xlsx", page_size=1)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A1"].value == f"{OFFICE_A} 办件清单 (共 3 件)"
    assert [c.value for c in ws[3]][:3] == ["办件编号", "事项", "申请人"]
    numbers = [ws.cell(row=n, column=1).value for n in range(4, ws.max_row + 1)]
    assert len(numbers) == 3  # all of them, not the one page asked
    received = ws.cell(row=4, column=8)
    assert isinstance(received.value, dt.datetime) and received.number_format == "yyyy-mm-dd hh:mm"
    assert "*" in ws.cell(row=4, column=4).value  # the identity number masked
    only_open = api.get("clerk_a", "/api/cases", format="xlsx", open_only="true")
    ws = load_workbook(io.BytesIO(only_open.content)).active
    assert ws["A1"].value.endswith("(共 1 件)")


def test_the_alert_list_downloads(api: Api) -> None:
    _seed(api)
    api.travel(days=40)
    scan(api.db, api.services.calendar, api.clock(), node="test")
    r = api.get("supervisor_a", "/api/alerts", format="xlsx")
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[3]][:3] == ["办件编号", "预警", "时限"]
    assert ws.max_row >= 4
    assert ws.cell(row=4, column=2).value in ("红牌", "橙牌", "黄牌")
    assert isinstance(ws.cell(row=4, column=4).value, dt.datetime)

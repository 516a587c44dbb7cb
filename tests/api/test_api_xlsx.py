"""The on-time report as an Excel workbook: `GET /api/reports/on-time?format=xlsx` and
`jingban report on-time --xlsx FILE`, opened again with openpyxl — the title names the
office and the report, the period's ends are real dates, the Chinese header row is frozen,
counts are numbers and rates percentages."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from api_support import Api
from openpyxl import load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_on_time_report_downloads_as_a_workbook(api: Api, tmp_path: Path) -> None:
    api.complete_payment_case(n=1)
    api.complete_payment_case(n=2)
    r = api.get("supervisor_a", "/api/reports/on-time", format="xlsx", **{
        "from": "2026-11-01", "to": "2026-11-30",
    })  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(r.content))
    ws = book.active
    assert ws.title == "按时办结"
    assert ws["A1"].value == "成都市医疗保障事务中心 按时办结情况表"  # the supervisor's office
    assert ws["B2"].value == dt.datetime(2026, 11, 1) and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["D2"].value == dt.datetime(2026, 11, 30)
    assert [c.value for c in ws[3]][:3] == ["地区", "事项", "办结件数"]
    assert ws.freeze_panes == "A4"
    row = [c.value for c in ws[4]]
    assert row[0] == "四川省" and row[1] == "住院费用报销"
    assert row[2] == 2 and isinstance(row[2], int)
    assert row[7] == 1 and ws.cell(row=4, column=8).number_format == "0.0%"  # 100 %, a number
    assert ws.max_row == 4
    plain = api.get("supervisor_a", "/api/reports/on-time")
    assert plain.headers["content-type"].startswith("application/json")
    bad = api.get("supervisor_a", "/api/reports/on-time", format="csv")
    assert bad.status_code == 422

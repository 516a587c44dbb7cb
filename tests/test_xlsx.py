"""`jingban.xlsx.sheet`, read back with openpyxl: the title merged over the table, the
period as real dates, the frozen header, each kind of column written as its kind, text that
looks like a formula kept as text, the notes below the table."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from jingban.calendar import BEIJING
from jingban.xlsx import Column, sheet

COLUMNS = (
    Column("name", "名称"),
    Column("count", "件数", "int"),
    Column("days", "平均用时", "number"),
    Column("rate", "比率", "rate"),
    Column("day", "日期", "date"),
    Column("at", "时间", "datetime"),
)


def test_each_kind_reads_back_as_itself() -> None:
    at = dt.datetime(2026, 11, 30, 23, 30, tzinfo=BEIJING).astimezone(dt.UTC)  # 15:30 UTC
    data = sheet(
        title="某中心 报表",
        columns=COLUMNS,
        rows=[
            {"name": "=1+1", "count": 3, "days": 2.5, "rate": 0.25, "day": "2026-11-30",
             "at": at},
            {"name": "空行", "count": None},
        ],
        start=dt.date(2026, 11, 1),
        end=dt.date(2026, 11, 30),
        name="测试",
        notes=[("好差评", [("评价数", 4), ("差评率", 0.5)])],
    )  # fmt: skip
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.title == "测试"
    assert ws["A1"].value == "某中心 报表" and "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["B2"].value == dt.datetime(2026, 11, 1) and ws["D2"].value == dt.datetime(
        2026, 11, 30
    )
    assert [c.value for c in ws[3]] == ["名称", "件数", "平均用时", "比率", "日期", "时间"]
    assert ws.freeze_panes == "A4"
    name, count, days, rate, day, when = ws[4]
    assert name.value == "=1+1" and name.data_type == "s"  # text, never a formula
    assert count.value == 3 and isinstance(count.value, int)
    assert days.value == 2.5 and days.number_format == "0.0"
    assert rate.value == 0.25 and rate.number_format == "0.0%"
    assert day.value == dt.datetime(2026, 11, 30) and day.number_format == "yyyy-mm-dd"
    assert when.value == dt.datetime(2026, 11, 30, 23, 30)  # Beijing time, not UTC
    assert ws["B5"].value is None
    assert ws["A7"].value == "好差评"
    assert (ws["A8"].value, ws["B8"].value) == ("评价数", 4)
    assert ws["B9"].value == 0.5 and ws["B9"].number_format == "0.0%"

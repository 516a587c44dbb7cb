"""Excel workbooks (.xlsx) of the lists and reports offices hand in to the 医保局.

`sheet` writes one table: a title row naming the office and what it is, a row with the
period (start and end as real dates), the Chinese header row (frozen, so it stays on screen
while scrolling), then the rows — numbers as numbers, rates as percentages, dates and times as
real dates (Beijing time), never text. `Column` says how each column is written.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jingban.calendar import BEIJING

KINDS = ("text", "int", "number", "rate", "date", "datetime")
"""How a column's values are written."""
_FORMATS = {
    "number": "0.0",
    "rate": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the key of the row mapping it shows, its Chinese header, its kind."""

    key: str
    header: str
    kind: str = "text"
    width: int = 12


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, dt.datetime):
        return value.astimezone(BEIJING).replace(tzinfo=None)  # Excel has no time zones
    if kind == "date" and isinstance(value, dt.datetime):
        return value.astimezone(BEIJING).date()
    if kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if kind == "datetime" and isinstance(value, str):
        return _cell(dt.datetime.fromisoformat(value), kind)
    return value


def sheet(
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
    start: dt.date | None = None,
    end: dt.date | None = None,
    name: str = "报表",
    notes: Sequence[tuple[str, Sequence[tuple[str, Any]]]] = (),
) -> bytes:
    """The workbook of one table (see the module's text), as bytes; ``notes`` are sections
    written below it after an empty row: a bold title, then one label and value per row
    (floats, which are rates there, as percentages). Text is always written as text (a
    name beginning with ``=`` is not a formula)."""
    import xlsxwriter  # imported when a workbook is made: not at start-up

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet(name[:31])
    formats = {kind: book.add_format({"num_format": f}) for kind, f in _FORMATS.items()}
    bold = book.add_format({"bold": True})
    head = book.add_format(
        {"bold": True, "bg_color": "#DDE6F0", "align": "center", "valign": "vcenter",
         "text_wrap": True, "border": 1}
    )  # fmt: skip
    big = book.add_format({"bold": True, "font_size": 14})
    last = max(len(columns), 1) - 1
    if last:
        ws.merge_range(0, 0, 0, last, title, big)
    else:
        ws.write_string(0, 0, title, big)
    ws.write_string(1, 0, "统计期间")
    ws.write_string(1, 2, "至")
    for column, day in ((1, start), (3, end)):
        if day is not None:
            ws.write_datetime(1, column, day, formats["date"])
    for n, col in enumerate(columns):
        ws.write_string(2, n, col.header, head)
        ws.set_column(n, n, col.width)
    r = 3
    for row in rows:
        for n, col in enumerate(columns):
            _write(ws, r, n, _cell(row.get(col.key), col.kind), col.kind, formats)
        r += 1
    r += 1
    for heading, pairs in notes:
        ws.write_string(r, 0, heading, bold)
        for label, value in pairs:
            r += 1
            ws.write_string(r, 0, label)
            _write(ws, r, 1, value, "rate" if isinstance(value, float) else "int", formats)
        r += 2
    ws.freeze_panes(3, 0)
    book.close()
    return out.getvalue()


def _write(ws: Any, r: int, n: int, value: Any, kind: str, formats: Mapping[str, Any]) -> None:
    """One cell: nothing for None, a number, a date or time, or text."""
    if value is None:
        return
    fmt = formats.get(kind)
    if isinstance(value, bool):
        ws.write_boolean(r, n, value)
    elif isinstance(value, int | float) and kind != "text":
        ws.write_number(r, n, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(r, n, value, fmt or formats["datetime"])
    else:
        ws.write_string(r, n, str(value))


ON_TIME_COLUMNS = (
    Column("region_name", "地区", width=10),
    Column("item_name", "事项", width=36),
    Column("completed", "办结件数", "int"),
    Column("within_promised", "承诺时限内办结", "int"),
    Column("within_statutory", "法定时限内办结", "int"),
    Column("extended", "延期办结", "int"),
    Column("late", "超期办结", "int"),
    Column("on_time_rate", "按时办结率", "rate"),
    Column("promised_rate", "承诺时限内办结率", "rate"),
)
"""The on-time report's columns (`jingban.storage.reports.OnTimeRow`)."""


def on_time_workbook(
    rows: Sequence[Any], *, place: str, start: dt.date | None, end: dt.date | None
) -> bytes:
    """The on-time report (`jingban.storage.reports.OnTimeRow` rows) of ``place`` (an
    office or a region's name) as a workbook."""
    from jingban.calendar import region_profile

    table = [
        {
            "region_name": region_profile(r.region).name,
            "item_name": r.item_name,
            "completed": r.completed,
            "within_promised": r.within_promised,
            "within_statutory": r.within_statutory,
            "extended": r.extended,
            "late": r.late,
            "on_time_rate": r.on_time_rate,
            "promised_rate": r.promised_rate,
        }
        for r in rows
    ]
    return sheet(
        title=f"{place} 按时办结情况表",
        columns=ON_TIME_COLUMNS,
        rows=table,
        start=start,
        end=end,
        name="按时办结",
    )


CASE_COLUMNS = (
    Column("case_no", "办件编号", width=24),
    Column("item_name", "事项", width=30),
    Column("applicant_name", "申请人", width=10),
    Column("applicant_id", "证件号码 (隐去)", width=20),
    Column("state_label", "状态", width=12),
    Column("office", "经办机构", width=22),
    Column("assignee", "承办人", width=12),
    Column("received_at", "收件时间", "datetime", 17),
    Column("accepted_at", "受理时间", "datetime", 17),
    Column("promised_due", "承诺办结时限", "datetime", 17),
    Column("statutory_due", "法定办结时限", "datetime", 17),
    Column("completed_at", "办结时间", "datetime", 17),
)
"""The columns of a downloaded list of cases (`jingban.engine.present.case_summary`)."""

ALERT_COLUMNS = (
    Column("case_no", "办件编号", width=24),
    Column("level_label", "预警", width=8),
    Column("due_kind_label", "时限", width=10),
    Column("due_at", "截止时间", "datetime", 17),
    Column("working_days_left", "剩余工作日", "int", 10),
    Column("office", "经办机构", width=22),
    Column("raised_at", "预警时间", "datetime", 17),
    Column("closed_at", "关闭时间", "datetime", 17),
)
"""The columns of a downloaded list of alerts (`jingban.storage.scan.alert_json`)."""

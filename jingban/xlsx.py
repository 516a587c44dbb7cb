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

KINDS = ("text", "int", "rate", "date", "datetime")
"""How a column's values are written."""
_FORMATS = {"rate": "0.0%", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
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
    return value


def sheet(
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
    start: dt.date | None = None,
    end: dt.date | None = None,
    name: str = "报表",
) -> bytes:
    """The workbook of one table (see the module's text), as bytes."""
    from openpyxl import Workbook  # imported when a workbook is made: not at start-up
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    ws = book.active
    ws.title = name[:31]
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(columns), 1))
    ws.cell(row=2, column=1, value="统计期间")
    for column, day in ((2, start), (4, end)):
        if day is not None:
            ws.cell(row=2, column=column, value=day).number_format = _FORMATS["date"]
    ws.cell(row=2, column=3, value="至")
    head = PatternFill("solid", fgColor="DDE6F0")
    for n, col in enumerate(columns, start=1):
        cell = ws.cell(row=3, column=n, value=col.header)
        cell.font, cell.fill = Font(bold=True), head
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = col.width
    for r, row in enumerate(rows, start=4):
        for n, col in enumerate(columns, start=1):
            cell = ws.cell(row=r, column=n, value=_cell(row.get(col.key), col.kind))
            if col.kind in _FORMATS:
                cell.number_format = _FORMATS[col.kind]
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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

"""The year view of `jingban calendar show`: twelve month grids and the list of deviations,
so an administrator can compare them with the published notice at a glance."""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt

from jingban.calendar import WorkCalendar

MARKS = {"off": "休", "work": "班", "regional": "节", "closed": "闭", "cancelled": "休"}
LEGEND = "休=放假  班=调休上班  节=地方节日(肉孜节/古尔邦节)  闭=闭馆  (空白周末为休息日)"
_WEEK_HEADER = " ".join(f"  {c}" for c in "一二三四五六日")
_WIDTH = 34  # seven 4-column cells and six separators


def _month_lines(cal: WorkCalendar, year: int, month: int) -> list[str]:
    title = f"{year}年{month}月"
    pad = (_WIDTH - 2 * len(title) + sum(c.isdigit() for c in title)) // 2
    lines = [" " * pad + title, _WEEK_HEADER]
    for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for day in week:
            if day.month != month:
                cells.append("    ")
                continue
            info = cal.describe(day)
            cells.append(f"{day.day:>2}{MARKS.get(info.kind, '  ')}")
        lines.append(" ".join(cells))
    while len(lines) < 8:
        lines.append(" " * _WIDTH)
    return lines


def render_year(cal: WorkCalendar, year: int) -> str:
    """The year as text: two months side by side, then every deviation with its name."""
    out = [
        f"{cal.profile.name} {year} 年工作日历"
        + ("（暂定）" if cal.is_provisional(dt.date(year, 1, 1)) else ""),
        LEGEND,
        "",
    ]
    for first in range(1, 13, 2):
        left, right = _month_lines(cal, year, first), _month_lines(cal, year, first + 1)
        out.extend(f"{a}    {b}".rstrip() for a, b in zip(left, right, strict=True))
        out.append("")
    out.append("与周一至周五不同的日子:")
    day = dt.date(year, 1, 1)
    while day.year == year:
        info = cal.describe(day)
        if info.kind in MARKS and not (info.kind == "off" and day.weekday() >= 5 and not info.name):
            weekday = "一二三四五六日"[day.weekday()]
            out.append(f"  {day} 周{weekday} {MARKS[info.kind]} {info.name}")
        day += dt.timedelta(days=1)
    return "\n".join(out)

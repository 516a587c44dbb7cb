"""Report periods: 本月, 本季, 本年 of a day, or the days asked for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jingban.errors import BadInput

PERIODS = {"month": "本月", "quarter": "本季", "year": "本年"}
"""Named periods and their Chinese names."""


@dataclass(frozen=True, slots=True)
class Period:
    """Beijing days ``start`` to ``end``, inclusive."""

    start: dt.date
    end: dt.date

    @classmethod
    def named(cls, name: str, today: dt.date) -> Period:
        """本月, 本季 or 本年 (``month``, ``quarter``, ``year``) up to ``today``'s end of it."""
        if name == "month":
            first = today.replace(day=1)
            return cls(first, _month_end(first))
        if name == "quarter":
            first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
            return cls(first, _month_end(first.replace(month=first.month + 2)))
        if name == "year":
            return cls(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
        raise BadInput(f"统计期间 {name!r} 不认识: 可用 month (本月)、quarter (本季)、year (本年)")

    @classmethod
    def chosen(
        cls, start: dt.date | None, end: dt.date | None, name: str | None, today: dt.date
    ) -> Period:
        """The period asked for: ``name`` or from/to (a missing bound: the named period's,
        本月 by default). Raises `BadInput` for both or for a start after the end."""
        if name is not None and (start is not None or end is not None):
            raise BadInput("统计期间: 指定了 period 就不要再给 from/to")
        base = cls.named(name or "month", today)
        chosen = cls(start or base.start, end or base.end)
        if chosen.start > chosen.end:
            raise BadInput(f"统计期间有误: 起始日期 {chosen.start} 晚于截止日期 {chosen.end}")
        if (chosen.end - chosen.start).days > 366 * 5:
            raise BadInput("统计期间最长五年")
        return chosen

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    def months(self) -> list[str]:
        """Every month (YYYY-MM) the period touches, in order."""
        out, day = [], self.start.replace(day=1)
        while day <= self.end:
            out.append(f"{day:%Y-%m}")
            day = _month_end(day) + dt.timedelta(days=1)
        return out


def _month_end(first: dt.date) -> dt.date:
    following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return following - dt.timedelta(days=1)

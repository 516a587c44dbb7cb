"""Office hours: when a region's offices receive applications, by season, in Beijing time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from jingban.calendar.errors import CalendarError

#: Beijing time, which Xinjiang offices use for their posted hours. Not Asia/Urumqi, which
#: tzdata puts two hours behind.
BEIJING = ZoneInfo("Asia/Shanghai")

Session = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class OfficeHours:
    """Opening sessions of a working day, with a summer and a winter timetable.

    Summer runs from ``summer_from`` (month, day) to the day before ``winter_from``.
    """

    summer: tuple[Session, ...]
    winter: tuple[Session, ...]
    summer_from: tuple[int, int] = (5, 1)
    winter_from: tuple[int, int] = (10, 1)

    def __post_init__(self) -> None:
        for sessions in (self.summer, self.winter):
            if not sessions:
                raise CalendarError("办公时间至少要有一个时段")
            previous = dt.time.min
            for opens, closes in sessions:
                if not previous <= opens < closes:
                    raise CalendarError(f"办公时段 {opens}–{closes} 无效或与前一时段重叠")
                previous = closes

    def sessions(self, day: dt.date) -> tuple[Session, ...]:
        """The sessions of ``day`` (whether or not it is a working day)."""
        key = (day.month, day.day)
        return self.summer if self.summer_from <= key < self.winter_from else self.winter

    def opening(self, day: dt.date) -> dt.time:
        """The time the office opens on ``day``."""
        return self.sessions(day)[0][0]

    def closing(self, day: dt.date) -> dt.time:
        """The time the office closes on ``day``: the end of its last session."""
        return self.sessions(day)[-1][1]

    @classmethod
    def from_config(cls, config: dict[str, object]) -> OfficeHours:
        """Build from the ``[hours.*]`` table of the regions file; raises `CalendarError`."""
        try:
            return cls(
                summer=_sessions(config["summer"]),
                winter=_sessions(config["winter"]),
                summer_from=_month_day(str(config.get("summer_from", "05-01"))),
                winter_from=_month_day(str(config.get("winter_from", "10-01"))),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CalendarError(f"办公时间配置无效: {exc}") from exc


def _sessions(value: object) -> tuple[Session, ...]:
    if not isinstance(value, list):
        raise TypeError("时段必须是 [开始, 结束] 的列表")
    return tuple((dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in value)


def _month_day(text: str) -> tuple[int, int]:
    month, day = (int(part) for part in text.split("-"))
    dt.date(2000, month, day)  # validates
    return month, day

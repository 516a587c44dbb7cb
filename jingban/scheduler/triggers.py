"""An APScheduler trigger that fires at a time of day on a region's working days only —
调休 Saturdays included, holidays and 古尔邦节 excluded — which plain cron cannot express."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from apscheduler.triggers.base import BaseTrigger

from jingban.calendar import BEIJING, WorkCalendar


class WorkingDayTrigger(BaseTrigger):
    """Fires at ``at`` (Beijing time) on every working day of the calendar ``calendar()``
    returns (called anew each time, so imported notices and closures take effect)."""

    def __init__(self, calendar: Callable[[], WorkCalendar], at: dt.time) -> None:
        self.calendar = calendar
        self.at = at

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        cal = self.calendar()
        after = max(previous_fire_time, now) if previous_fire_time else now
        local = after.astimezone(BEIJING)
        day = local.date()
        candidate = dt.datetime.combine(day, self.at, BEIJING)
        if (
            not cal.is_working_day(day)
            or candidate < local
            or (previous_fire_time is not None and candidate <= previous_fire_time)
        ):
            day = cal.next_working_day(day)
            candidate = dt.datetime.combine(day, self.at, BEIJING)
        return candidate

    def __str__(self) -> str:
        return f"working days at {self.at:%H:%M} (Beijing)"

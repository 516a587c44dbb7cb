"""The working-day calendar: statutory holidays and 调休, Xinjiang's regional days, local
closures and office hours, and the due dates they give.

Public API (stable)::

    from jingban.calendar import WorkCalendar
    cal = WorkCalendar.for_region("kashgar")
    cal.is_working_day(d); cal.add_working_days(d, n); cal.working_days_between(a, b)
    cal.is_provisional(d); cal.due(received_at, 20, "working_days")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jingban.lazy import lazy_names

if TYPE_CHECKING:
    from jingban.calendar._days import SPAN_FIRST, SPAN_LAST, published_notices
    from jingban.calendar.errors import (
        CalendarError,
        CalendarRangeError,
        NoticeError,
        UnknownRegion,
    )
    from jingban.calendar.notice import Notice, line_of, parse_notice, read_notice
    from jingban.calendar.office_hours import BEIJING, OfficeHours
    from jingban.calendar.official import contradictions, official_year
    from jingban.calendar.regions import (
        RegionProfile,
        RegistryError,
        region_keys,
        region_profile,
        registry,
    )
    from jingban.calendar.workcalendar import UNITS, DayInfo, Due, WorkCalendar

#: Each exported name and the module that defines it (imported on first use).
_HOME = {
    "BEIJING": "office_hours",
    "CalendarError": "errors",
    "CalendarRangeError": "errors",
    "contradictions": "official",
    "DayInfo": "workcalendar",
    "Due": "workcalendar",
    "line_of": "notice",
    "Notice": "notice",
    "NoticeError": "errors",
    "OfficeHours": "office_hours",
    "official_year": "official",
    "parse_notice": "notice",
    "published_notices": "_days",
    "read_notice": "notice",
    "SPAN_FIRST": "_days",
    "SPAN_LAST": "_days",
    "region_keys": "regions",
    "region_profile": "regions",
    "RegionProfile": "regions",
    "registry": "regions",
    "RegistryError": "regions",
    "UNITS": "workcalendar",
    "UnknownRegion": "errors",
    "WorkCalendar": "workcalendar",
}

__all__ = [
    "BEIJING",
    "SPAN_FIRST",
    "SPAN_LAST",
    "UNITS",
    "CalendarError",
    "CalendarRangeError",
    "DayInfo",
    "Due",
    "Notice",
    "NoticeError",
    "OfficeHours",
    "RegionProfile",
    "RegistryError",
    "UnknownRegion",
    "WorkCalendar",
    "contradictions",
    "line_of",
    "official_year",
    "parse_notice",
    "published_notices",
    "read_notice",
    "region_keys",
    "region_profile",
    "registry",
]


__getattr__, __dir__ = lazy_names(__name__, _HOME, __all__)

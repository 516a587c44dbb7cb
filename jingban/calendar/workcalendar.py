"""`WorkCalendar`: is this day a working day for this office, and when is a limit due.

Counting rules (民法典 arts. 201/203, 行政许可法 art. 82):

- "N working days from D" ends on the Nth working day strictly after D: D itself never counts,
  and if D is not a working day, day 1 is the first working day after it.
- Natural-day and month limits whose last day is not a working day end on the next working
  day; a month limit ends on the corresponding day of the last month, or its last day.
- A case is due at office close of its due day (Beijing time); an instant item (即办) is due
  at office close of the day it starts.
- An application received after office close, or on a non-working day, counts as received at
  the next opening.

Every answer comes from tables built once per calendar: a prefix count of working days and the
list of working days, so `add_working_days` and `working_days_between` cost the same whatever N.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate, compress

from jingban.calendar import _days
from jingban.calendar.errors import CalendarError, CalendarRangeError
from jingban.calendar.notice import Notice
from jingban.calendar.office_hours import BEIJING, OfficeHours
from jingban.calendar.regions import RegionProfile, region_profile

UNITS = ("working_days", "natural_days", "months", "instant")


@dataclass(frozen=True)
class Due:
    """A computed due date.

    ``start`` is the day the clock starts from (day 0), ``date`` the due day, ``at`` office
    close of that day in Beijing time, and ``provisional`` is true when any year between the
    two has no published holiday notice yet.
    """

    start: dt.date
    date: dt.date
    at: dt.datetime
    provisional: bool


@dataclass(frozen=True)
class DayInfo:
    """Why a day is what it is: kind is one of workday, weekend, off, work, regional,
    cancelled, closed; name is the holiday, make-up or closure reason."""

    day: dt.date
    working: bool
    kind: str
    name: str


class WorkCalendar:
    """The working days of one region, with its office hours.

    Build one with `WorkCalendar.for_region`; instances are immutable and cheap to share.
    """

    def __init__(
        self,
        profile: RegionProfile,
        notices: Iterable[Notice] = (),
        closures: Mapping[dt.date, str] | None = None,
    ) -> None:
        self.profile = profile
        self.region = profile.key
        self.hours: OfficeHours = profile.hours
        self.notices = tuple(notices)
        self.closures = dict(closures or {})
        self._kinds = _days.day_kinds(profile.overlay, self.notices, self.closures)
        working = _days.working_table(self._kinds)
        self._working = working
        self._base = _days.SPAN_FIRST.toordinal()
        # _cum[i]: working days among days 0..i; _nth[k]: the kth working day (1-based).
        self._cum = list(accumulate(working))
        self._nth: list[dt.date | None] = [None]
        ordinals = range(self._base, self._base + len(working))
        self._nth.extend(map(dt.date.fromordinal, compress(ordinals, working)))
        self._known_years = self._published_years()

    @classmethod
    def for_region(
        cls,
        key: str,
        *,
        notices: Iterable[Notice] = (),
        closures: Mapping[dt.date, str] | None = None,
        overlay: str | None = None,
    ) -> WorkCalendar:
        """The calendar of registered region ``key`` (see `jingban.calendar.registry`).

        ``notices`` are imported holiday notices (national and regional), ``closures`` the
        region's local closure days, ``overlay`` overrides the region's regional calendar
        ("national" or "xinjiang"). Raises `UnknownRegion`.
        """
        return cls(region_profile(key, overlay=overlay), notices, closures)

    # -- the span -----------------------------------------------------------------------

    @property
    def first_day(self) -> dt.date:
        return _days.SPAN_FIRST

    @property
    def last_day(self) -> dt.date:
        return _days.SPAN_LAST

    def _index(self, day: dt.date) -> int:
        i = day.toordinal() - self._base
        if i < 0 or i >= len(self._working):
            raise CalendarRangeError(
                f"日期 {day} 超出日历范围 ({_days.SPAN_FIRST} 至 {_days.SPAN_LAST})"
            )
        return i

    def _range_error(self, day: dt.date, n: int) -> CalendarRangeError:
        return CalendarRangeError(
            f"从 {day} 起第 {n} 个工作日超出日历范围 ({_days.SPAN_FIRST} 至 {_days.SPAN_LAST})"
        )

    # -- days -----------------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        """Whether the region's offices work on ``day``."""
        return bool(self._working[self._index(day)])

    def describe(self, day: dt.date) -> DayInfo:
        """What ``day`` is for this region, and why."""
        working = self.is_working_day(day)
        if day in self._kinds:
            kind, name = self._kinds[day]
            return DayInfo(day, working, kind, name)
        return DayInfo(day, working, "weekend" if day.weekday() >= 5 else "workday", "")

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The Nth working day strictly after ``day`` (N > 0), ``day`` itself for N = 0, or
        the |N|th working day strictly before it (N < 0). Raises `CalendarRangeError`."""
        i = day.toordinal() - self._base
        if n > 0 and i >= 0:
            try:
                found = self._nth[self._cum[i] + n]
            except IndexError:
                raise self._range_error(day, n) from None
            assert found is not None
            return found
        self._index(day)
        if n == 0:
            return day if type(day) is dt.date else dt.date(day.year, day.month, day.day)
        k = self._cum[i] - self._working[i] + n + 1
        if k < 1:
            raise self._range_error(day, n)
        found = self._nth[k]
        assert found is not None
        return found

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """The number of working days x with a < x ≤ b. When b < a it is negative: minus the
        working days x with b ≤ x < a, so that ``working_days_between(a, add_working_days(a,
        n)) == n`` for every n, from working and non-working days alike."""
        base = self._base
        ia, ib = a.toordinal() - base, b.toordinal() - base
        if ia < 0 or ib < 0:
            self._index(a if ia < 0 else b)
        try:
            cum = self._cum
            if ib >= ia:
                return cum[ib] - cum[ia]
            working = self._working
            return (cum[ib] - working[ib]) - (cum[ia] - working[ia])
        except IndexError:
            self._index(a)
            self._index(b)
            raise

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def roll_forward(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next working day."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_natural_days(self, day: dt.date, n: int) -> dt.date:
        """The last day of an N-natural-day period starting after ``day``, moved to the
        next working day when it is not one."""
        return self.roll_forward(day + dt.timedelta(days=n))

    def add_months(self, day: dt.date, n: int) -> dt.date:
        """The corresponding day N months after ``day`` (the month's last day when it has
        none), moved to the next working day when it is not one."""
        month0 = day.month - 1 + n
        year, month = day.year + month0 // 12, month0 % 12 + 1
        last = _stdlib_calendar.monthrange(year, month)[1]
        return self.roll_forward(dt.date(year, month, min(day.day, last)))

    # -- provisional years ----------------------------------------------------------------

    def _published_years(self) -> frozenset[int]:
        horizon = _days.last_published_year()
        years = {y for y in range(_days.SPAN_FIRST.year, horizon + 1)}
        imported_national = {n.year for n in self.notices if n.scope == "national"}
        years |= imported_national
        if self.profile.overlay == "xinjiang":
            # A year is known only once the 自治区 has announced its regional days too: the
            # packaged years (and the history before them), or an imported regional notice.
            packaged_horizon = max(n.year for n in _days.xinjiang_notices())
            imported = {n.year for n in self.notices if n.scope == "xinjiang"}
            years = {y for y in years if y <= packaged_horizon or y in imported}
        return frozenset(years)

    def is_provisional(self, day: dt.date) -> bool:
        """Whether ``day`` lies in a year whose holiday notice is not yet published (for a
        Xinjiang region: national or regional), so its working days are a guess."""
        return day.year not in self._known_years

    def provisional_between(self, a: dt.date, b: dt.date) -> bool:
        """Whether any year from ``a`` to ``b`` is provisional."""
        lo, hi = sorted((a.year, b.year))
        return any(y not in self._known_years for y in range(lo, hi + 1))

    # -- office hours and due instants ----------------------------------------------------

    def office_close(self, day: dt.date) -> dt.datetime:
        """Office close of ``day``, as an aware datetime in Beijing time."""
        return dt.datetime.combine(day, self.hours.closing(day), BEIJING)

    def office_open(self, day: dt.date) -> dt.datetime:
        """Office opening of ``day``, as an aware datetime in Beijing time."""
        return dt.datetime.combine(day, self.hours.opening(day), BEIJING)

    def is_open(self, at: dt.datetime) -> bool:
        """Whether the office is open at the aware instant ``at``."""
        local = _beijing(at)
        day = local.date()
        if not self.is_working_day(day):
            return False
        now = local.time()
        return any(opens <= now < closes for opens, closes in self.hours.sessions(day))

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        """The first instant at or after ``at`` when the office is open."""
        local = _beijing(at)
        day = local.date()
        if self.is_working_day(day):
            for opens, closes in self.hours.sessions(day):
                if local.time() < closes:
                    start = dt.datetime.combine(day, opens, BEIJING)
                    return max(start, local)
        return self.office_open(self.next_working_day(day))

    def receipt_day(self, at: dt.datetime | dt.date) -> dt.date:
        """The day an application received at ``at`` counts as received: that day when it is
        a working day and the office has not yet closed, else the next working day. A bare
        date is taken as received during that day's office hours."""
        if isinstance(at, dt.datetime):
            local = _beijing(at)
            day = local.date()
            if self.is_working_day(day) and local.time() < self.hours.closing(day):
                return day
            return self.next_working_day(day)
        return self.roll_forward(at)

    def due(self, start: dt.datetime | dt.date, value: int, unit: str) -> Due:
        """When a limit of ``value`` ``unit`` counted from ``start`` is due.

        ``start`` is either the aware instant of the start event (receipt or acceptance),
        which counts from `receipt_day` (after office close or on a non-working day: the next
        working day), or a bare date D, which counts by the plain rule (D never counts; day 1
        is the first working day after D). ``unit`` is working_days, natural_days, months or
        instant. Raises `CalendarError` for an unknown unit or a negative value.
        """
        if unit not in UNITS:
            raise CalendarError(f"未知的时限单位 {unit!r}；可用: {'、'.join(UNITS)}")
        if value < 0:
            raise CalendarError(f"时限不能为负数: {value}")
        day0 = self.receipt_day(start) if isinstance(start, dt.datetime) else start
        if unit == "instant" or value == 0:
            due_day = self.roll_forward(day0)
        elif unit == "working_days":
            due_day = self.add_working_days(day0, value)
        elif unit == "natural_days":
            due_day = self.add_natural_days(day0, value)
        else:
            due_day = self.add_months(day0, value)
        return Due(
            day0, due_day, self.office_close(due_day), self.provisional_between(day0, due_day)
        )


def _beijing(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise CalendarError(f"时间 {at} 缺少时区；请给出带时区的时间 (如 +08:00)")
    try:
        return at.astimezone(BEIJING)
    except (OverflowError, ValueError):
        raise CalendarRangeError(f"时间 {at.isoformat()} 超出日历范围") from None

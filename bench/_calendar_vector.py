"""`add_working_days` for arrays of dates, which only the calendar benchmark needs: the
product counts one due date at a time, so numpy is a benchmark dependency, not a runtime one.

The prefix tables are built from the calendar's own `is_working_day` over its span, so the
vectorised answers are the calendar's answers (tests/calendar/test_cal_vector.py holds them
equal to `WorkCalendar.add_working_days`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from jingban.calendar import CalendarError, CalendarRangeError, WorkCalendar


class VectorCalendar:
    """One calendar's working days as numpy prefix tables."""

    def __init__(self, cal: WorkCalendar) -> None:
        self.first, self.last = cal.first_day, cal.last_day
        span = (self.last - self.first).days + 1
        working = np.fromiter(
            (cal.is_working_day(self.first + dt.timedelta(days=i)) for i in range(span)),
            dtype=bool,
            count=span,
        )
        self._base = np.datetime64(self.first, "D")
        # _cum[i]: working days among days 0..i; _nth[k]: the offset of the kth working day.
        self._cum = np.cumsum(working, dtype=np.int64)
        self._nth = np.concatenate(([-1], np.flatnonzero(working))).astype(np.int64)

    def add_working_days_many(self, days: np.ndarray, n: int | np.ndarray) -> np.ndarray:
        """`WorkCalendar.add_working_days` for N ≥ 1 over an array of datetime64[D]; the
        result is datetime64[D] too. Raises `CalendarError` for N < 1 and
        `CalendarRangeError` if any date or answer leaves the span."""
        idx = (days - self._base).astype(np.int64)
        if np.any(np.asarray(n) < 1):
            raise CalendarError("add_working_days_many 只支持 N ≥ 1")
        if idx.size and (idx.min() < 0 or idx.max() >= len(self._cum)):
            raise CalendarRangeError(f"日期超出日历范围 ({self.first} 至 {self.last})")
        k = self._cum[idx] + n
        if k.size and k.max() >= len(self._nth):
            raise CalendarRangeError(f"结果超出日历范围 ({self.first} 至 {self.last})")
        return self._base + self._nth[k]

"""Properties of working-day counting over the whole span, checked with hypothesis against a
naive day-by-day loop over `is_working_day`."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingban.calendar import CalendarRangeError, WorkCalendar

CALENDARS = {
    "sichuan": WorkCalendar.for_region("sichuan"),
    "kashgar": WorkCalendar.for_region("kashgar"),
    "closures": WorkCalendar.for_region(
        "tacheng",
        closures={
            dt.date(2024, 2, 18): "暴雪",
            dt.date(2030, 7, 1): "停电",
            dt.date(2044, 12, 30): "搬迁",
        },
    ),
}

dates = st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2044, 12, 31))
calendars = st.sampled_from(sorted(CALENDARS))


def naive_add(cal: WorkCalendar, day: dt.date, n: int) -> dt.date | None:
    """Step day by day; None when the answer lies beyond the calendar's span."""
    if n == 0:
        return day
    found = 0
    while found < n:
        day += dt.timedelta(days=1)
        if day > cal.last_day:
            return None
        if cal.is_working_day(day):
            found += 1
    return day


@settings(max_examples=300, deadline=None)
@given(key=calendars, day=dates, n=st.integers(min_value=0, max_value=400))
def test_add_working_days_matches_a_naive_loop(key, day, n):
    cal = CALENDARS[key]
    expected = naive_add(cal, day, n)
    if expected is None:
        with pytest.raises(CalendarRangeError):
            cal.add_working_days(day, n)
        return
    result = cal.add_working_days(day, n)
    assert result == expected
    assert cal.working_days_between(day, result) == n
    # backwards, between counts the working days x with day <= x < result
    before = sum(cal.is_working_day(day + dt.timedelta(days=i)) for i in range((result - day).days))
    assert cal.working_days_between(result, day) == -before
    if n > 0:
        assert cal.is_working_day(result)
        assert result > day


@settings(max_examples=200, deadline=None)
@given(key=calendars, day=dates, n=st.integers(min_value=1, max_value=400))
def test_backwards_from_a_working_day_inverts_forwards(key, day, n):
    cal = CALENDARS[key]
    start = cal.roll_forward(day)
    try:
        ahead = cal.add_working_days(start, n)
    except CalendarRangeError:
        assert naive_add(cal, start, n) is None
        return
    assert cal.add_working_days(ahead, -n) == start


@settings(max_examples=200, deadline=None)
@given(key=calendars, a=dates, b=dates)
def test_working_days_between_counts_days_after_a_up_to_b(key, a, b):
    cal = CALENDARS[key]
    lo, hi = sorted((a, b))
    span = (hi - lo).days
    after = sum(cal.is_working_day(lo + dt.timedelta(days=i)) for i in range(1, span + 1))
    before = sum(cal.is_working_day(lo + dt.timedelta(days=i)) for i in range(span))
    # forwards: working x with a < x <= b; backwards: minus working x with b <= x < a
    assert cal.working_days_between(a, b) == (after if a <= b else -before)


@settings(max_examples=200, deadline=None)
@given(key=calendars, day=dates, n=st.integers(min_value=0, max_value=120))
def test_natural_days_end_on_the_first_working_day_on_or_after_the_last_day(key, day, n):
    cal = CALENDARS[key]
    result = cal.add_natural_days(day, n)
    last = day + dt.timedelta(days=n)
    assert cal.is_working_day(result)
    assert result >= last
    assert cal.working_days_between(last, result) == (0 if result == last else 1)

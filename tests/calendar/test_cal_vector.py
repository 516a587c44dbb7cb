"""The calendar benchmark's vectorised `add_working_days` (bench/_calendar_vector.py) gives the
calendar's own answers, and refuses what the calendar refuses."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from _calendar_vector import VectorCalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from jingban.calendar import CalendarError, CalendarRangeError, WorkCalendar

D = dt.date.fromisoformat
CALENDARS = {
    "sichuan": WorkCalendar.for_region("sichuan"),
    "kashgar": WorkCalendar.for_region("kashgar"),
    "closures": WorkCalendar.for_region(
        "tacheng", closures={dt.date(2024, 2, 18): "暴雪", dt.date(2044, 12, 30): "搬迁"}
    ),
}
VECTORS = {key: VectorCalendar(cal) for key, cal in CALENDARS.items()}
dates = st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2044, 12, 31))


def test_add_working_days_many() -> None:
    sichuan = VECTORS["sichuan"]
    days = np.array(["2024-02-17", "2025-01-24", "2025-12-31", "2023-09-20"], dtype="datetime64[D]")
    assert sichuan.add_working_days_many(days, 1).tolist() == [
        D("2024-02-18"),
        D("2025-01-26"),
        D("2026-01-04"),
        D("2023-09-21"),
    ]
    result = sichuan.add_working_days_many(days, np.array([1, 3, 2, 20]))
    assert result.dtype == np.dtype("datetime64[D]")
    assert result.tolist() == [D("2024-02-18"), D("2025-02-05"), D("2026-01-05"), D("2023-10-24")]


def test_add_working_days_many_errors() -> None:
    sichuan = VECTORS["sichuan"]
    with pytest.raises(CalendarError):
        sichuan.add_working_days_many(np.array(["2025-03-03"], dtype="datetime64[D]"), 0)
    with pytest.raises(CalendarRangeError):
        sichuan.add_working_days_many(np.array(["2014-12-31"], dtype="datetime64[D]"), 1)
    with pytest.raises(CalendarRangeError):
        sichuan.add_working_days_many(np.array(["2045-12-28"], dtype="datetime64[D]"), 5)
    empty = sichuan.add_working_days_many(np.array([], dtype="datetime64[D]"), 3)
    assert empty.size == 0


@settings(max_examples=100, deadline=None)
@given(
    key=st.sampled_from(sorted(CALENDARS)),
    days=st.lists(dates, min_size=1, max_size=30),
    n=st.integers(min_value=1, max_value=400),
)
def test_add_working_days_many_agrees_with_the_scalar_form(
    key: str, days: list[dt.date], n: int
) -> None:
    cal, vector = CALENDARS[key], VECTORS[key]
    array = np.array(days, dtype="datetime64[D]")
    try:
        expected = [cal.add_working_days(d, n) for d in days]
    except CalendarRangeError:
        with pytest.raises(CalendarRangeError):
            vector.add_working_days_many(array, n)
        return
    result = vector.add_working_days_many(array, n)
    assert result.dtype == np.dtype("datetime64[D]")
    assert result.tolist() == expected
    ns = np.array([(i % 7) + 1 for i in range(len(days))])
    assert vector.add_working_days_many(array, ns).tolist() == [
        cal.add_working_days(d, int(k)) for d, k in zip(days, ns, strict=True)
    ]

"""Counting rules of `WorkCalendar`: working days, natural days, months, due dates, closures,
provisional years and errors. Expected dates are worked out by hand from the notices."""

from __future__ import annotations

import datetime as dt

import pytest

from jingban.calendar import (
    BEIJING,
    CalendarError,
    CalendarRangeError,
    DayInfo,
    Due,
    UnknownRegion,
    WorkCalendar,
)

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def sichuan() -> WorkCalendar:
    return WorkCalendar.for_region("sichuan")


@pytest.fixture(scope="module")
def kashgar() -> WorkCalendar:
    return WorkCalendar.for_region("kashgar")


# -- N working days from D ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 春节 2025: 01-26 (日) make-up, off 01-28..02-04, 02-08 (六) make-up
        ("2025-01-24", 1, "2025-01-26"),
        ("2025-01-24", 2, "2025-01-27"),
        ("2025-01-24", 3, "2025-02-05"),
        ("2025-01-24", 6, "2025-02-08"),
        ("2025-01-24", 7, "2025-02-10"),
        ("2025-01-27", 1, "2025-02-05"),
        # 春节 2024: 除夕 02-09 works, off 02-10..02-17, 02-18 (日) make-up; 02-04 (日) too
        ("2024-02-08", 1, "2024-02-09"),
        ("2024-02-08", 2, "2024-02-18"),
        ("2024-02-08", 3, "2024-02-19"),
        ("2024-02-02", 1, "2024-02-04"),
        ("2024-02-02", 2, "2024-02-05"),
        # 春节 2026: 02-14 (六) make-up, off 02-15..02-23, 02-28 (六) make-up
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-13", 2, "2026-02-24"),
        ("2026-02-13", 6, "2026-02-28"),
        ("2026-02-13", 7, "2026-03-02"),
        # 国庆 2025: 09-28 (日) make-up, off 10-01..10-08, 10-11 (六) make-up
        ("2025-09-26", 1, "2025-09-28"),
        ("2025-09-26", 3, "2025-09-30"),
        ("2025-09-26", 4, "2025-10-09"),
        ("2025-09-26", 6, "2025-10-11"),
        ("2025-09-26", 7, "2025-10-13"),
        # 中秋/国庆 2024: 09-14 (六) make-up, off 09-15..17; 09-29 (日), off 10-01..07, 10-12 (六)
        ("2024-09-13", 1, "2024-09-14"),
        ("2024-09-13", 2, "2024-09-18"),
        ("2024-09-27", 1, "2024-09-29"),
        ("2024-09-27", 3, "2024-10-08"),
        ("2024-10-11", 1, "2024-10-12"),
        # year ends
        ("2022-12-30", 1, "2023-01-03"),
        ("2023-12-29", 1, "2024-01-02"),
        ("2024-12-31", 1, "2025-01-02"),
        ("2025-12-31", 1, "2026-01-04"),
        ("2025-12-31", 2, "2026-01-05"),
        # 20 working days across 国庆 2023 (off 09-29..10-06, 10-07/10-08 make-up)
        ("2023-09-20", 20, "2023-10-24"),
    ],
)
def test_add_working_days_national(sichuan, start, n, expected):
    assert sichuan.add_working_days(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # make-up Sundays that are the first working day after a break
        ("2024-02-17", "2024-02-18"),
        ("2024-02-10", "2024-02-18"),
        ("2025-01-25", "2025-01-26"),
        ("2026-01-03", "2026-01-04"),
        ("2026-01-01", "2026-01-04"),
        # a plain weekend
        ("2025-03-01", "2025-03-03"),
        ("2025-03-02", "2025-03-03"),
    ],
)
def test_day_one_after_a_non_working_start(sichuan, start, expected):
    assert not sichuan.is_working_day(D(start))
    assert sichuan.add_working_days(D(start), 1) == D(expected)
    assert sichuan.next_working_day(D(start)) == D(expected)
    assert sichuan.roll_forward(D(start)) == D(expected)


@pytest.mark.parametrize(
    ("region", "start", "n", "expected"),
    [
        # 古尔邦节 2025: 06-06..06-10 off in Xinjiang; 端午 05-31..06-02 nationally
        ("kashgar", "2025-05-30", 3, "2025-06-05"),
        ("kashgar", "2025-05-30", 4, "2025-06-11"),
        ("sichuan", "2025-05-30", 4, "2025-06-06"),
        ("kashgar", "2025-06-05", 1, "2025-06-11"),
        ("sichuan", "2025-06-05", 1, "2025-06-06"),
        # 古尔邦节 2023 06-28..06-30 right after 端午 (06-25 (日) make-up)
        ("tacheng", "2023-06-21", 1, "2023-06-25"),
        ("tacheng", "2023-06-21", 4, "2023-07-03"),
        ("sichuan", "2023-06-21", 4, "2023-06-28"),
        # 肉孜节 2023 04-21 (五), then 04-23 (日) make-up for 劳动节
        ("shawan", "2023-04-20", 1, "2023-04-23"),
        ("sichuan", "2023-04-20", 1, "2023-04-21"),
        # 古尔邦节 2026 05-27..05-29; 肉孜节 2026 03-20; 2024 04-10
        ("bingtuan", "2026-05-26", 1, "2026-06-01"),
        ("kashgar", "2026-03-19", 1, "2026-03-23"),
        ("kashgar", "2024-04-09", 1, "2024-04-11"),
    ],
)
def test_add_working_days_xinjiang(region, start, n, expected):
    assert WorkCalendar.for_region(region).add_working_days(D(start), n) == D(expected)


def test_bingtuan_national_overlay_counts_through_guerbang():
    national = WorkCalendar.for_region("bingtuan", overlay="national")
    assert national.add_working_days(D("2026-05-26"), 1) == D("2026-05-27")
    assert national.region == "bingtuan"


def test_add_zero_and_negative_working_days(sichuan):
    assert sichuan.add_working_days(D("2024-02-17"), 0) == D("2024-02-17")
    assert sichuan.add_working_days(D("2024-02-19"), 0) == D("2024-02-19")
    assert sichuan.add_working_days(D("2024-02-18"), -1) == D("2024-02-09")
    assert sichuan.add_working_days(D("2024-02-17"), -1) == D("2024-02-09")
    assert sichuan.add_working_days(D("2024-02-19"), -1) == D("2024-02-18")
    assert sichuan.add_working_days(D("2025-02-05"), -1) == D("2025-01-27")
    assert sichuan.add_working_days(D("2025-02-05"), -2) == D("2025-01-26")
    assert sichuan.add_working_days(D("2026-01-04"), -1) == D("2025-12-31")


def test_add_zero_returns_a_plain_date(sichuan):
    result = sichuan.add_working_days(dt.datetime(2025, 3, 3, 10, 0, tzinfo=BEIJING), 0)
    assert type(result) is dt.date
    assert result == D("2025-03-03")


# -- working days between ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2025-01-24", "2025-02-10", 7),
        ("2025-02-10", "2025-01-24", -7),
        ("2025-01-27", "2025-02-04", 0),
        ("2025-01-28", "2025-02-05", 1),
        ("2024-02-09", "2024-02-18", 1),
        ("2024-02-17", "2024-02-17", 0),
        ("2025-03-03", "2025-03-03", 0),
        ("2025-12-31", "2026-01-04", 1),
        ("2025-01-01", "2026-01-01", 248),
    ],
)
def test_working_days_between(sichuan, a, b, expected):
    assert sichuan.working_days_between(D(a), D(b)) == expected


@pytest.mark.parametrize(
    ("year", "weekday_off", "make_up", "expected"),
    [
        # 2023: 01-02, 01-23..01-27, 04-05, 05-01..05-03, 06-22, 06-23, 09-29, 10-02..10-06
        (2023, 1 + 5 + 1 + 3 + 2 + 6, 7, 249),
        # 2024: 01-01, 02-12..02-16, 04-04, 04-05, 05-01..05-03, 06-10, 09-16, 09-17, 10-01..10-04,
        # 10-07
        (2024, 1 + 5 + 2 + 3 + 1 + 2 + 5, 8, 251),
        # 2025: 01-01, 01-28..01-31, 02-03, 02-04, 04-04, 05-01, 05-02, 05-05, 06-02, 10-01..10-03,
        # 10-06..10-08
        (2025, 1 + 6 + 1 + 3 + 1 + 6, 5, 248),
        # 2026: 01-01, 01-02, 02-16..02-20, 02-23, 04-06, 05-01, 05-04, 05-05, 06-19, 09-25,
        # 10-01, 10-02, 10-05..10-07
        (2026, 2 + 6 + 1 + 3 + 1 + 1 + 5, 6, 248),
    ],
)
def test_working_days_in_a_year(sichuan, year, weekday_off, make_up, expected):
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    weekend = sum(
        (first + dt.timedelta(days=i)).weekday() >= 5 for i in range((last - first).days + 1)
    )
    assert (last - first).days + 1 - weekend - weekday_off + make_up == expected
    assert sichuan.working_days_between(first - dt.timedelta(days=1), last) == expected


@pytest.mark.parametrize("start", ["2024-02-17", "2024-02-18", "2025-01-25", "2026-01-04"])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 20, 60])
def test_between_inverts_add_for_n_at_least_zero(sichuan, kashgar, start, n):
    for cal in (sichuan, kashgar):
        assert cal.working_days_between(D(start), cal.add_working_days(D(start), n)) == n


@pytest.mark.parametrize("n", [-1, -2, -20])
def test_between_inverts_add_backwards_from_a_working_day(sichuan, n):
    start = D("2024-02-18")
    assert sichuan.working_days_between(start, sichuan.add_working_days(start, n)) == n


@pytest.mark.parametrize("n", [-1, -5])
def test_between_inverts_add_backwards_from_a_non_working_day(sichuan, n):
    start = D("2024-02-17")  # 春节, not a working day
    assert sichuan.working_days_between(start, sichuan.add_working_days(start, n)) == n


# -- natural days and months ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2025-03-03", 10, "2025-03-13"),  # plain weekday
        ("2025-03-04", 4, "2025-03-10"),  # a Saturday → Monday
        ("2025-01-21", 10, "2025-02-05"),  # 01-31 in 春节 → first day back
        ("2025-09-21", 10, "2025-10-09"),  # 10-01 in 国庆
        ("2024-02-08", 10, "2024-02-18"),  # lands on a make-up Sunday, which works
        ("2024-02-08", 9, "2024-02-18"),  # lands on 02-17 (春节) → make-up Sunday
        ("2025-12-22", 10, "2026-01-04"),  # 2026-01-01 元旦 → make-up Sunday
        ("2025-02-08", 1, "2025-02-10"),  # from a make-up Saturday
    ],
)
def test_add_natural_days(sichuan, start, n, expected):
    assert sichuan.add_natural_days(D(start), n) == D(expected)


def test_add_natural_days_xinjiang_rolls_over_guerbang(kashgar, sichuan):
    assert sichuan.add_natural_days(D("2025-05-28"), 9) == D("2025-06-06")
    assert kashgar.add_natural_days(D("2025-05-28"), 9) == D("2025-06-11")


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2025-03-03", 1, "2025-04-03"),
        ("2025-01-31", 1, "2025-02-28"),  # no 31st: the month's last day
        ("2024-01-31", 1, "2024-02-29"),  # leap year
        ("2024-12-31", 2, "2025-02-28"),
        ("2025-03-31", 1, "2025-04-30"),
        ("2025-09-01", 1, "2025-10-09"),  # 10-01 in 国庆
        ("2025-12-01", 1, "2026-01-04"),  # 元旦 → make-up Sunday
        ("2026-01-14", 1, "2026-02-14"),  # a make-up Saturday is a working day
        ("2025-11-30", 2, "2026-01-30"),
        ("2025-08-31", 6, "2026-02-28"),  # last day of February, a make-up Saturday
    ],
)
def test_add_months(sichuan, start, n, expected):
    assert sichuan.add_months(D(start), n) == D(expected)


# -- due ---------------------------------------------------------------------------------------


def test_due_from_a_bare_date_uses_the_plain_rule(sichuan):
    due = sichuan.due(D("2025-01-24"), 3, "working_days")
    assert due == Due(
        D("2025-01-24"),
        D("2025-02-05"),
        dt.datetime(2025, 2, 5, 17, 30, tzinfo=BEIJING),
        False,
    )


def test_due_from_a_bare_non_working_date_counts_day_one_after_it(sichuan):
    due = sichuan.due(D("2024-02-17"), 1, "working_days")
    assert (due.start, due.date) == (D("2024-02-17"), D("2024-02-18"))


def test_due_at_is_office_close_of_the_due_day_in_beijing_time(kashgar, sichuan):
    summer = sichuan.due(D("2025-06-03"), 1, "working_days")
    assert summer.at == dt.datetime(2025, 6, 4, 18, 0, tzinfo=BEIJING)
    winter = sichuan.due(D("2025-11-03"), 1, "working_days")
    assert winter.at == dt.datetime(2025, 11, 4, 17, 30, tzinfo=BEIJING)
    xinjiang = kashgar.due(D("2025-11-03"), 1, "working_days")
    assert xinjiang.at == dt.datetime(2025, 11, 4, 20, 0, tzinfo=BEIJING)
    assert xinjiang.at.utcoffset() == dt.timedelta(hours=8)


def test_instant_items_are_due_at_close_of_the_start_day(kashgar):
    due = kashgar.due(dt.datetime(2025, 3, 3, 10, 30, tzinfo=BEIJING), 0, "instant")
    assert (due.start, due.date) == (D("2025-03-03"), D("2025-03-03"))
    assert due.at == dt.datetime(2025, 3, 3, 20, 0, tzinfo=BEIJING)
    late = kashgar.due(dt.datetime(2025, 3, 3, 20, 30, tzinfo=BEIJING), 0, "instant")
    assert late.date == D("2025-03-04")


def test_instant_from_a_bare_non_working_date_is_the_next_working_day(sichuan):
    assert sichuan.due(D("2025-01-25"), 0, "instant").date == D("2025-01-26")


def test_due_natural_days_and_months(sichuan, kashgar):
    assert sichuan.due(D("2025-01-21"), 10, "natural_days").date == D("2025-02-05")
    assert sichuan.due(D("2025-09-01"), 1, "months").date == D("2025-10-09")
    assert kashgar.due(D("2025-05-06"), 1, "months").date == D("2025-06-11")


def test_due_crossing_into_2027_is_provisional(sichuan):
    due = sichuan.due(D("2026-12-25"), 5, "working_days")
    assert due.provisional
    assert due.date.year == 2027
    assert not sichuan.due(D("2026-12-01"), 5, "working_days").provisional


def test_due_errors(sichuan):
    with pytest.raises(CalendarError, match="单位"):
        sichuan.due(D("2025-03-03"), 1, "weeks")
    with pytest.raises(CalendarError, match="负数"):
        sichuan.due(D("2025-03-03"), -1, "working_days")
    with pytest.raises(CalendarError, match="时区"):
        sichuan.due(dt.datetime(2025, 3, 3, 10, 0), 1, "working_days")
    with pytest.raises(CalendarRangeError):
        sichuan.due(D("2014-12-31"), 1, "working_days")


# -- describe and closures ---------------------------------------------------------------


def test_describe(sichuan, kashgar):
    assert sichuan.describe(D("2025-03-03")) == DayInfo(D("2025-03-03"), True, "workday", "")
    assert sichuan.describe(D("2025-03-01")) == DayInfo(D("2025-03-01"), False, "weekend", "")
    off = sichuan.describe(D("2025-01-29"))
    assert (off.working, off.kind) == (False, "off")
    assert "春节" in off.name
    work = sichuan.describe(D("2025-01-26"))
    assert (work.working, work.kind) == (True, "work")
    assert sichuan.describe(D("2026-03-20")).kind == "workday"
    assert kashgar.describe(D("2026-03-20")) == DayInfo(
        D("2026-03-20"), False, "regional", "肉孜节"
    )


def test_closures_are_non_working_for_that_calendar_only():
    closures = {D("2025-03-05"): "停电检修", D("2024-02-18"): "暴雪"}
    closed = WorkCalendar.for_region("sichuan", closures=closures)
    open_ = WorkCalendar.for_region("sichuan")
    assert not closed.is_working_day(D("2025-03-05"))
    assert open_.is_working_day(D("2025-03-05"))
    assert closed.describe(D("2025-03-05")) == DayInfo(D("2025-03-05"), False, "closed", "停电检修")
    assert closed.add_working_days(D("2025-03-04"), 1) == D("2025-03-06")
    assert closed.working_days_between(D("2025-03-03"), D("2025-03-07")) == 3
    # a closure wins over a make-up Sunday
    assert not closed.is_working_day(D("2024-02-18"))
    assert closed.add_working_days(D("2024-02-09"), 1) == D("2024-02-19")


# -- provisional years ---------------------------------------------------------------------


def test_provisional_years(sichuan, kashgar):
    for cal in (sichuan, kashgar):
        assert not cal.is_provisional(D("2026-12-31"))
        assert cal.is_provisional(D("2027-01-01"))
        assert cal.is_provisional(D("2045-06-01"))
        assert cal.provisional_between(D("2026-12-01"), D("2027-01-10"))
        assert cal.provisional_between(D("2027-01-10"), D("2026-12-01"))
        assert not cal.provisional_between(D("2023-01-01"), D("2026-12-31"))


def test_2027_is_guessed_from_the_lunar_calendar(sichuan):
    """Without a notice, 2027 still has its statutory days (a guess, hence provisional)."""
    assert not sichuan.is_working_day(D("2027-01-01"))
    assert not sichuan.is_working_day(D("2027-02-08"))
    assert not sichuan.is_working_day(D("2027-10-01"))
    assert sichuan.is_working_day(D("2027-03-01"))


# -- errors and the span -----------------------------------------------------------------


def test_unknown_region_and_overlay():
    with pytest.raises(UnknownRegion, match="nowhere"):
        WorkCalendar.for_region("nowhere")
    with pytest.raises(UnknownRegion):
        WorkCalendar.for_region("kashgar", overlay="tibet")


@pytest.mark.parametrize("day", ["2014-12-31", "2046-01-01"])
def test_outside_the_span(sichuan, day):
    with pytest.raises(CalendarRangeError):
        sichuan.is_working_day(D(day))
    with pytest.raises(CalendarRangeError):
        sichuan.add_working_days(D(day), 1)
    with pytest.raises(CalendarRangeError):
        sichuan.add_working_days(D(day), -1)
    with pytest.raises(CalendarRangeError):
        sichuan.working_days_between(D("2025-01-01"), D(day))
    with pytest.raises(CalendarRangeError):
        sichuan.working_days_between(D(day), D("2025-01-01"))


def test_span_edges(sichuan):
    assert sichuan.first_day == D("2015-01-01")
    assert sichuan.last_day == D("2045-12-31")
    with pytest.raises(CalendarRangeError):
        sichuan.add_working_days(D("2045-12-28"), 5)
    with pytest.raises(CalendarRangeError):
        sichuan.add_working_days(D("2015-01-05"), -5)
    assert sichuan.add_working_days(D("2045-12-28"), 1) == D("2045-12-29")

"""Office hours and receipt cut-offs, in Beijing time (Asia/Shanghai), never Asia/Urumqi."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from jingban.calendar import BEIJING, CalendarError, OfficeHours, WorkCalendar

D = dt.date.fromisoformat
URUMQI = ZoneInfo("Asia/Urumqi")
UTC = dt.UTC


def bj(text: str) -> dt.datetime:
    """A Beijing-time instant from 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING)


@pytest.fixture(scope="module")
def sichuan() -> WorkCalendar:
    return WorkCalendar.for_region("sichuan")


@pytest.fixture(scope="module")
def kashgar() -> WorkCalendar:
    return WorkCalendar.for_region("kashgar")


def test_beijing_is_asia_shanghai():
    assert BEIJING.key == "Asia/Shanghai"


@pytest.mark.parametrize("region", ["tacheng", "kashgar", "shawan", "bingtuan"])
@pytest.mark.parametrize("day", ["2025-01-06", "2025-07-07", "2025-11-03"])
def test_xinjiang_hours_all_year(region, day):
    cal = WorkCalendar.for_region(region)
    assert cal.office_open(D(day)) == bj(f"{day} 10:00")
    assert cal.office_close(D(day)) == bj(f"{day} 20:00")
    assert cal.hours.sessions(D(day)) == (
        (dt.time(10), dt.time(14)),
        (dt.time(16), dt.time(20)),
    )


@pytest.mark.parametrize(
    ("day", "close", "afternoon"),
    [
        ("2025-04-30", "17:30", "14:00"),
        ("2025-05-06", "18:00", "14:30"),
        ("2025-09-30", "18:00", "14:30"),
        ("2025-10-09", "17:30", "14:00"),
        ("2025-12-31", "17:30", "14:00"),
    ],
)
def test_sichuan_summer_and_winter(sichuan, day, close, afternoon):
    assert sichuan.office_open(D(day)) == bj(f"{day} 09:00")
    assert sichuan.office_close(D(day)) == bj(f"{day} {close}")
    assert sichuan.next_opening(bj(f"{day} 12:30")) == bj(f"{day} {afternoon}")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2025-03-03 19:59", "2025-03-03"),
        ("2025-03-03 20:00", "2025-03-04"),
        ("2025-03-03 15:00", "2025-03-03"),  # between sessions: still that day
        ("2025-03-03 08:00", "2025-03-03"),  # before opening: that day
        ("2025-03-07 20:00", "2025-03-10"),  # Friday after close → Monday
        ("2025-03-08 11:00", "2025-03-10"),  # Saturday
        ("2025-06-05 20:30", "2025-06-11"),  # the eve of 古尔邦节
        ("2025-06-07 12:00", "2025-06-11"),  # during 古尔邦节
        ("2024-02-17 11:00", "2024-02-18"),  # 春节 → make-up Sunday
        ("2024-02-18 11:00", "2024-02-18"),  # the make-up Sunday itself
    ],
)
def test_receipt_cut_off_in_xinjiang(kashgar, at, expected):
    assert kashgar.receipt_day(bj(at)) == D(expected)


def test_receipt_cut_off_in_sichuan_follows_the_season(sichuan):
    assert sichuan.receipt_day(bj("2025-09-30 17:45")) == D("2025-09-30")
    assert sichuan.receipt_day(bj("2025-09-30 18:00")) == D("2025-10-09")
    assert sichuan.receipt_day(bj("2025-10-09 17:29")) == D("2025-10-09")
    assert sichuan.receipt_day(bj("2025-10-09 17:30")) == D("2025-10-10")
    assert sichuan.receipt_day(bj("2025-10-10 13:00")) == D("2025-10-10")


def test_a_utc_instant_that_is_the_next_day_in_beijing(sichuan):
    """17:00 UTC on Monday 2025-03-03 is 01:00 on Tuesday in Beijing."""
    at = dt.datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
    assert sichuan.receipt_day(at) == D("2025-03-04")
    due = sichuan.due(at, 1, "working_days")
    assert (due.start, due.date) == (D("2025-03-04"), D("2025-03-05"))
    # 16:30 UTC on 2024-12-31 is 00:30 on 元旦 in Beijing
    assert sichuan.receipt_day(dt.datetime(2024, 12, 31, 16, 30, tzinfo=UTC)) == D("2025-01-02")


def test_urumqi_wall_clock_is_not_used(kashgar):
    """18:30 in Asia/Urumqi is 20:30 in Beijing: after close."""
    assert kashgar.receipt_day(dt.datetime(2025, 3, 3, 18, 30, tzinfo=URUMQI)) == D("2025-03-04")
    # 09:00 Urumqi is 11:00 Beijing: open
    assert kashgar.is_open(dt.datetime(2025, 3, 3, 9, 0, tzinfo=URUMQI))
    assert not kashgar.is_open(dt.datetime(2025, 3, 3, 7, 30, tzinfo=URUMQI))


def test_received_after_close_counts_from_the_next_working_day(kashgar):
    """Day 0 is the next working day; day 1 the working day after it."""
    before = kashgar.due(bj("2025-03-07 19:59"), 1, "working_days")
    after = kashgar.due(bj("2025-03-07 20:00"), 1, "working_days")
    assert (before.start, before.date) == (D("2025-03-07"), D("2025-03-10"))
    assert (after.start, after.date) == (D("2025-03-10"), D("2025-03-11"))
    weekend = kashgar.due(bj("2025-03-08 10:30"), 1, "working_days")
    bare = kashgar.due(D("2025-03-08"), 1, "working_days")
    assert (weekend.start, weekend.date) == (D("2025-03-10"), D("2025-03-11"))
    assert (bare.start, bare.date) == (D("2025-03-08"), D("2025-03-10"))


def test_received_during_spring_festival_2025(sichuan):
    due = sichuan.due(bj("2025-01-29 10:00"), 1, "working_days")
    assert (due.start, due.date) == (D("2025-02-05"), D("2025-02-06"))
    assert due.at == bj("2025-02-06 17:30")


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        ("2025-03-03 09:59", False),
        ("2025-03-03 10:00", True),
        ("2025-03-03 13:59", True),
        ("2025-03-03 14:00", False),
        ("2025-03-03 15:59", False),
        ("2025-03-03 16:00", True),
        ("2025-03-03 19:59", True),
        ("2025-03-03 20:00", False),
        ("2025-03-08 11:00", False),  # Saturday
        ("2025-03-31 11:00", False),  # 肉孜节
        ("2025-02-08 11:00", True),  # make-up Saturday
    ],
)
def test_is_open_xinjiang(kashgar, at, open_):
    assert kashgar.is_open(bj(at)) is open_


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2025-03-03 08:00", "2025-03-03 10:00"),
        ("2025-03-03 11:15", "2025-03-03 11:15"),
        ("2025-03-03 14:30", "2025-03-03 16:00"),
        ("2025-03-03 20:00", "2025-03-04 10:00"),
        ("2025-03-07 21:00", "2025-03-10 10:00"),
        ("2025-03-28 20:00", "2025-04-01 10:00"),  # 肉孜节 03-29..03-31
        ("2025-01-24 20:00", "2025-01-26 10:00"),  # make-up Sunday
    ],
)
def test_next_opening_xinjiang(kashgar, at, expected):
    assert kashgar.next_opening(bj(at)) == bj(expected)


def test_naive_datetimes_are_refused(kashgar):
    naive = dt.datetime(2025, 3, 3, 11, 0)
    for method in (kashgar.is_open, kashgar.next_opening, kashgar.receipt_day):
        with pytest.raises(CalendarError, match="时区"):
            method(naive)


def test_receipt_of_a_bare_date_rolls_forward(kashgar):
    assert kashgar.receipt_day(D("2025-03-03")) == D("2025-03-03")
    assert kashgar.receipt_day(D("2025-03-29")) == D("2025-04-01")


@pytest.mark.parametrize(
    ("now_utc", "expected_start", "expected_due"),
    [
        ("2025-03-03 11:59:59", "2025-03-03", "2025-03-04"),  # 19:59:59 in Beijing
        ("2025-03-03 12:00:00", "2025-03-04", "2025-03-05"),  # 20:00 in Beijing
        ("2025-03-03 07:00:00", "2025-03-03", "2025-03-04"),  # 15:00, between sessions
        ("2025-03-02 16:30:00", "2025-03-03", "2025-03-04"),  # Sunday UTC, Monday Beijing
    ],
)
def test_received_now_with_a_frozen_clock(kashgar, now_utc, expected_start, expected_due):
    with freeze_time(now_utc):
        received = dt.datetime.now(UTC)
        due = kashgar.due(received, 1, "working_days")
    assert (due.start, due.date) == (D(expected_start), D(expected_due))


def test_the_cut_off_moves_with_the_clock():
    cal = WorkCalendar.for_region("shawan")
    with freeze_time("2025-06-05 11:58:00") as clock:  # 19:58 Beijing, eve of 古尔邦节
        assert cal.is_open(dt.datetime.now(UTC))
        assert cal.receipt_day(dt.datetime.now(UTC)) == D("2025-06-05")
        clock.tick(dt.timedelta(minutes=2))
        assert not cal.is_open(dt.datetime.now(UTC))
        assert cal.receipt_day(dt.datetime.now(UTC)) == D("2025-06-11")
        assert cal.next_opening(dt.datetime.now(UTC)) == bj("2025-06-11 10:00")


def test_office_hours_validation():
    with pytest.raises(CalendarError):
        OfficeHours(summer=(), winter=((dt.time(9), dt.time(17)),))
    with pytest.raises(CalendarError):
        OfficeHours(
            summer=((dt.time(9), dt.time(12)), (dt.time(11), dt.time(17))),
            winter=((dt.time(9), dt.time(17)),),
        )
    with pytest.raises(CalendarError):
        OfficeHours.from_config({"summer": [["09:00", "12:00"]]})
    hours = OfficeHours.from_config(
        {"summer": [["08:30", "17:00"]], "winter": [["09:00", "17:00"]], "summer_from": "06-01"}
    )
    assert hours.closing(D("2025-05-31")) == dt.time(17)
    assert hours.opening(D("2025-05-31")) == dt.time(9)
    assert hours.opening(D("2025-06-01")) == dt.time(8, 30)

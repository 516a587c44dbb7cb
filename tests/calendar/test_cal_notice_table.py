"""Every day of 2023–2026 against the State Council notices, transcribed here, and against
the `chinesecalendar` package as an independent second source."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from jingban.calendar import WorkCalendar

D = dt.date.fromisoformat

# (holiday, first day off, last day off, make-up working days 调休上班) per year, transcribed
# from the published notices (国务院办公厅关于YYYY年部分节假日安排的通知).
NATIONAL: dict[int, list[tuple[str, str, str, tuple[str, ...]]]] = {
    # 2023: 国办发明电〔2022〕16号
    2023: [
        ("元旦", "2022-12-31", "2023-01-02", ()),
        ("春节", "2023-01-21", "2023-01-27", ("2023-01-28", "2023-01-29")),
        ("清明节", "2023-04-05", "2023-04-05", ()),
        ("劳动节", "2023-04-29", "2023-05-03", ("2023-04-23", "2023-05-06")),
        ("端午节", "2023-06-22", "2023-06-24", ("2023-06-25",)),
        ("中秋节、国庆节", "2023-09-29", "2023-10-06", ("2023-10-07", "2023-10-08")),
    ],
    # 2024: 国办发明电〔2023〕7号 (除夕 2024-02-09 is a normal working day)
    2024: [
        ("元旦", "2024-01-01", "2024-01-01", ()),
        ("春节", "2024-02-10", "2024-02-17", ("2024-02-04", "2024-02-18")),
        ("清明节", "2024-04-04", "2024-04-06", ("2024-04-07",)),
        ("劳动节", "2024-05-01", "2024-05-05", ("2024-04-28", "2024-05-11")),
        ("端午节", "2024-06-10", "2024-06-10", ()),
        ("中秋节", "2024-09-15", "2024-09-17", ("2024-09-14",)),
        ("国庆节", "2024-10-01", "2024-10-07", ("2024-09-29", "2024-10-12")),
    ],
    # 2025: 国办发明电〔2024〕12号
    2025: [
        ("元旦", "2025-01-01", "2025-01-01", ()),
        ("春节", "2025-01-28", "2025-02-04", ("2025-01-26", "2025-02-08")),
        ("清明节", "2025-04-04", "2025-04-06", ()),
        ("劳动节", "2025-05-01", "2025-05-05", ("2025-04-27",)),
        ("端午节", "2025-05-31", "2025-06-02", ()),
        ("国庆节、中秋节", "2025-10-01", "2025-10-08", ("2025-09-28", "2025-10-11")),
    ],
    # 2026: 国务院办公厅关于2026年部分节假日安排的通知, issued 2025-11-04
    2026: [
        ("元旦", "2026-01-01", "2026-01-03", ("2026-01-04",)),
        ("春节", "2026-02-15", "2026-02-23", ("2026-02-14", "2026-02-28")),
        ("清明节", "2026-04-04", "2026-04-06", ()),
        ("劳动节", "2026-05-01", "2026-05-05", ("2026-05-09",)),
        ("端午节", "2026-06-19", "2026-06-21", ()),
        ("中秋节", "2026-09-25", "2026-09-27", ()),
        ("国庆节", "2026-10-01", "2026-10-07", ("2026-09-20", "2026-10-10")),
    ],
}

# Xinjiang's regional days off (肉孜节, 古尔邦节), as packaged in calendar/data/xinjiang.toml.
XINJIANG: dict[int, list[tuple[str, str, str]]] = {
    2023: [("肉孜节", "2023-04-21", "2023-04-21"), ("古尔邦节", "2023-06-28", "2023-06-30")],
    2024: [("肉孜节", "2024-04-10", "2024-04-10"), ("古尔邦节", "2024-06-17", "2024-06-19")],
    2025: [("肉孜节", "2025-03-29", "2025-03-31"), ("古尔邦节", "2025-06-06", "2025-06-10")],
    2026: [("肉孜节", "2026-03-20", "2026-03-20"), ("古尔邦节", "2026-05-27", "2026-05-29")],
}

XINJIANG_REGIONS = ("tacheng", "kashgar", "shawan", "bingtuan")


def _span(first: str, last: str) -> list[dt.date]:
    day, end = D(first), D(last)
    days = []
    while day <= end:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


NATIONAL_OFF = {d for rows in NATIONAL.values() for _, a, b, _w in rows for d in _span(a, b)}
NATIONAL_WORK = {D(w) for rows in NATIONAL.values() for *_, work in rows for w in work}
REGIONAL_OFF = {d for rows in XINJIANG.values() for _, a, b in rows for d in _span(a, b)}
DAYS = _span("2023-01-01", "2026-12-31")


def national_working(day: dt.date) -> bool:
    """The notices' rule: Monday–Friday outside the 放假 spans, or a 调休上班 day."""
    return (day.weekday() < 5 and day not in NATIONAL_OFF) or day in NATIONAL_WORK


def xinjiang_working(day: dt.date) -> bool:
    return national_working(day) and day not in REGIONAL_OFF


def _mismatches(cal: WorkCalendar, expected) -> list[tuple[dt.date, bool]]:
    return [(d, cal.is_working_day(d)) for d in DAYS if cal.is_working_day(d) != expected(d)]


def test_table_is_well_formed():
    """The transcription itself: make-up days are weekend days outside every span, spans
    lie in their year (元旦 may start in the last days of December)."""
    for year, rows in NATIONAL.items():
        for _name, first, last, work in rows:
            assert D(first) <= D(last)
            assert D(first).year == year or D(first) == dt.date(year - 1, 12, 31)
            assert D(last).year == year
            for day in map(D, work):
                assert day.year == year
                assert day.weekday() >= 5, day
                assert day not in NATIONAL_OFF, day
    assert len(NATIONAL_WORK) == 7 + 8 + 5 + 6


def test_table_agrees_with_chinesecalendar():
    """The transcription checked against an independent source, day by day."""
    wrong = [d for d in DAYS if chinese_calendar.is_workday(d) != national_working(d)]
    assert wrong == []


def test_national_every_day_2023_to_2026():
    assert _mismatches(WorkCalendar.for_region("sichuan"), national_working) == []


def test_national_every_day_agrees_with_chinesecalendar():
    cal = WorkCalendar.for_region("sichuan")
    wrong = [d for d in DAYS if cal.is_working_day(d) != chinese_calendar.is_workday(d)]
    assert wrong == []


@pytest.mark.parametrize("region", XINJIANG_REGIONS)
def test_xinjiang_every_day_2023_to_2026(region):
    cal = WorkCalendar.for_region(region)
    assert _mismatches(cal, xinjiang_working) == []
    also = [
        d
        for d in DAYS
        if cal.is_working_day(d) != (chinese_calendar.is_workday(d) and d not in REGIONAL_OFF)
    ]
    assert also == []


def test_bingtuan_with_national_overlay_drops_the_regional_days():
    cal = WorkCalendar.for_region("bingtuan", overlay="national")
    assert _mismatches(cal, national_working) == []
    assert cal.is_working_day(D("2026-03-20"))
    assert not WorkCalendar.for_region("bingtuan").is_working_day(D("2026-03-20"))


def test_regional_days_that_are_national_working_days_exist():
    """Guard against a vacuous Xinjiang check: the overlay must remove real working days."""
    removed = [d for d in REGIONAL_OFF if national_working(d)]
    assert len(removed) == 16


def test_describe_names_the_days_of_the_notices():
    cal = WorkCalendar.for_region("kashgar")
    for day in NATIONAL_WORK:
        info = cal.describe(day)
        assert (info.working, info.kind) == (True, "work"), info
    for day in NATIONAL_OFF:
        if day.weekday() < 5 and day.year >= 2023:
            info = cal.describe(day)
            assert (info.working, info.kind) == (False, "off"), info
            assert info.name
    for day in REGIONAL_OFF:
        info = cal.describe(day)
        assert not info.working
        if national_working(day):
            assert info.kind == "regional"
            assert info.name in ("肉孜节", "古尔邦节")


def test_eve_of_spring_festival_2024_is_a_working_day():
    cal = WorkCalendar.for_region("sichuan")
    info = cal.describe(D("2024-02-09"))
    assert (info.working, info.kind) == (True, "workday")


def test_2015_to_2022_agree_with_chinesecalendar():
    cal = WorkCalendar.for_region("sichuan")
    wrong = [
        d
        for d in _span("2015-01-01", "2022-12-31")
        if cal.is_working_day(d) != chinese_calendar.is_workday(d)
    ]
    assert wrong == []


@pytest.mark.parametrize("region", ["sichuan", "bingtuan"])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 10, 20])
def test_add_working_days_against_find_workday(region, n):
    """`chinese_calendar.find_workday(k, d)` counts d itself as day 0 when d is a working day,
    and the first working day on or after d as day 0 otherwise; our rule never counts d, so
    from a non-working day ours is one step shorter: find_workday(n - 1, d)."""
    cal = WorkCalendar.for_region(region, overlay="national")
    wrong = []
    for day in _span("2023-01-01", "2026-11-30"):
        k = n if chinese_calendar.is_workday(day) else n - 1
        if cal.add_working_days(day, n) != chinese_calendar.find_workday(k, day):
            wrong.append(day)
    assert wrong == []


def test_find_workday_differs_from_our_rule_on_a_non_working_start():
    cal = WorkCalendar.for_region("sichuan")
    start = D("2024-02-17")  # last day of 春节; the next day is a make-up Sunday
    assert cal.add_working_days(start, 1) == D("2024-02-18")
    assert chinese_calendar.find_workday(1, start) == D("2024-02-19")

"""The day tables behind `WorkCalendar`: which days are off or worked, and why.

National days come from `holidays.China` (its working-day semantics: statutory days and 调休
days off, plus the weekend days declared working days), replaced year by year by imported
national notices. The Xinjiang overlay adds 肉孜节/古尔邦节 from the packaged data, replaced year
by year by imported regional notices. Closures come last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from jingban.calendar._packaged import PublishedFile, XinjiangFile, read_packaged
from jingban.calendar.notice import Notice

#: The span the calendar answers for; a date outside it raises `CalendarRangeError`.
SPAN_FIRST = dt.date(2015, 1, 1)
SPAN_LAST = dt.date(2045, 12, 31)

OFF = "off"  # a national statutory day or 调休 day off
WORK = "work"  # a weekend day declared a working day (调休上班)
REGIONAL = "regional"  # a regional holiday (肉孜节, 古尔邦节)
CANCELLED = "cancelled"  # a national make-up day the region cancelled
CLOSED = "closed"  # a local closure by an administrator


@dataclass(frozen=True)
class PublishedNotice:
    """A national notice the product knows to be published (its days come from `holidays`)."""

    year: int
    title: str
    number: str
    issued: dt.date | None
    source_url: str


@cache
def published_notices() -> tuple[PublishedNotice, ...]:
    """The packaged list of national notices, oldest first."""
    rows = read_packaged("published.toml", PublishedFile).notice
    return tuple(
        PublishedNotice(r.year, r.title, r.number, r.issued, r.source_url)
        for r in sorted(rows, key=lambda r: r.year)
    )


@cache
def last_published_year() -> int:
    """The last year whose national notice ships with the product."""
    return published_notices()[-1].year


@cache
def _library_days() -> tuple[dict[dt.date, str], dict[dt.date, str]]:
    """National deviations from Monday–Friday according to `holidays.China` (the library is
    imported here, on the first calendar built, not when the calendar package is)."""
    import holidays

    china = holidays.China(years=range(SPAN_FIRST.year, SPAN_LAST.year + 1), language="zh_CN")
    off = {day: str(name) for day, name in china.items()}
    work = {day: "调休上班" for day in china.weekend_workdays}
    return off, work


@cache
def xinjiang_notices() -> tuple[Notice, ...]:
    """The packaged Xinjiang regional holidays, one `Notice` per year."""
    notices = []
    for row in read_packaged("xinjiang.toml", XinjiangFile).year:
        off: dict[dt.date, str] = {}
        for span in row.days_off:
            day = span.first
            while day <= span.last:
                off[day] = span.name
                day += dt.timedelta(days=1)
        notices.append(
            Notice(
                scope="xinjiang",
                year=row.year,
                title=f"新疆维吾尔自治区{row.year}年肉孜节、古尔邦节放假安排",
                number="",
                issued=None,
                source_url="",
                off=off,
                cancel_work=frozenset(row.cancel_workdays),
                verified=row.verified,
            )
        )
    return tuple(notices)


def _by_year(notices: Iterable[Notice], scope: str) -> dict[int, Notice]:
    return {n.year: n for n in notices if n.scope == scope}


def day_kinds(
    overlay: str, notices: Iterable[Notice], closures: Mapping[dt.date, str]
) -> dict[dt.date, tuple[str, str]]:
    """Every day that deviates from Monday–Friday, with its kind and name.

    ``notices`` are imported ones (national and regional); a notice replaces the library or
    the packaged data for its year and scope. Later layers win: national, regional, closures.
    """
    notices = list(notices)
    national = _by_year(notices, "national")
    kinds: dict[dt.date, tuple[str, str]] = {}
    lib_off, lib_work = _library_days()
    for day, name in lib_work.items():
        if day.year not in national:
            kinds[day] = (WORK, name)
    for day, name in lib_off.items():
        if day.year not in national:
            kinds[day] = (OFF, name)
    for notice in national.values():
        for day, name in notice.work.items():
            kinds[day] = (WORK, f"{name}调休上班")
        for day, name in notice.off.items():
            kinds[day] = (OFF, name)
    if overlay == "xinjiang":
        regional = {n.year: n for n in xinjiang_notices()}
        regional.update(_by_year(notices, "xinjiang"))
        for notice in regional.values():
            for day in notice.cancel_work:
                kinds[day] = (CANCELLED, "取消调休上班")
            for day, name in notice.work.items():
                kinds[day] = (WORK, f"{name}调休上班")
            for day, name in notice.off.items():
                kinds[day] = (REGIONAL, name)
    for day, reason in closures.items():
        kinds[day] = (CLOSED, reason)
    return kinds


@cache
def _weekday_pattern() -> bytes:
    first = SPAN_FIRST.toordinal()
    size = SPAN_LAST.toordinal() - first + 1
    offset = SPAN_FIRST.weekday()
    return bytes(1 if (offset + i) % 7 < 5 else 0 for i in range(size))


def working_table(kinds: Mapping[dt.date, tuple[str, str]]) -> bytearray:
    """One byte per day of the span: 1 for a working day, 0 otherwise."""
    table = bytearray(_weekday_pattern())
    first = SPAN_FIRST.toordinal()
    size = len(table)
    for day, (kind, _name) in kinds.items():
        i = day.toordinal() - first
        if 0 <= i < size:
            table[i] = 1 if kind == WORK else 0
    return table

"""The official years the product ships, and how an imported notice differs from them.

A national year listed in ``published.toml`` and a Xinjiang year marked ``verified`` in
``xinjiang.toml`` are official data: importing a notice over one is a deliberate override
(the storage layer asks for ``--replace``, a reason, and, when the notice contradicts the
shipped days, ``--force-official-override``). `contradictions` names the days whose working
status the notice would change.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from jingban.calendar._days import published_notices
from jingban.calendar._packaged import XinjiangFile, read_packaged
from jingban.calendar.notice import Notice
from jingban.calendar.workcalendar import WorkCalendar

__all__ = ["contradictions", "official_year"]


@cache
def _verified_xinjiang() -> dict[int, str]:
    data = read_packaged("xinjiang.toml", XinjiangFile)
    return {y.year: y.source for y in data.year if y.verified}


def official_year(scope: str, year: int) -> str | None:
    """What the product ships as official for ``scope`` ("national" or "xinjiang") and
    ``year`` (the notice's number, or the source of the regional days); None when nothing
    official ships for that year."""
    if scope == "national":
        for shipped in published_notices():
            if shipped.year == year:
                return shipped.number or shipped.title
        return None
    return _verified_xinjiang().get(year)


def contradictions(notice: Notice) -> list[dt.date]:
    """The days of ``notice``'s year (with the days before it that it lists) whose working
    status differs between the shipped calendar and the shipped one with ``notice``."""
    overlay = "national" if notice.scope == "national" else "xinjiang"
    shipped = WorkCalendar.for_region("sichuan", overlay=overlay)
    imported = WorkCalendar.for_region("sichuan", overlay=overlay, notices=[notice])
    listed = [*notice.off, *notice.work, *notice.cancel_work]
    day = min([dt.date(notice.year, 1, 1), *listed])
    last = dt.date(notice.year, 12, 31)
    found = []
    while day <= last:
        if shipped.is_working_day(day) != imported.is_working_day(day):
            found.append(day)
        day += dt.timedelta(days=1)
    return found

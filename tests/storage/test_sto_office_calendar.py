"""The calendar of an office: its region's, plus the office's own closure days; an office
without any shares the region's calendar object (one build per region, not per office)."""

from __future__ import annotations

import datetime as dt

import pytest

from jingban.errors import Conflict
from jingban.services import Services
from jingban.storage import Database

NOW = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 12, 9)  # a Wednesday
OFFICE = "沙湾市医疗保障事业服务中心"


def test_an_offices_closures_count_only_in_its_calendar(database: Database) -> None:
    services = Services(database)
    assert services.calendar("shawan", OFFICE) is services.calendar("shawan")
    services.calendar_store.close("shawan", DAY, "消防检查", actor="s", now=NOW, office=OFFICE)
    services.reload_calendars()
    assert not services.calendar("shawan", OFFICE).is_working_day(DAY)
    assert services.calendar("shawan").is_working_day(DAY)
    assert services.calendar("shawan", "别的中心").is_working_day(DAY)
    assert services.calendar("shawan", "别的中心") is services.calendar("shawan")

    with pytest.raises(Conflict):
        services.calendar_store.close("shawan", DAY, "又一次", now=NOW, office=OFFICE)
    services.calendar_store.close("shawan", DAY, "全市停电", now=NOW)  # the region: its own row
    assert [c.office for c in services.calendar_store.closures("shawan")] == [None, OFFICE]
    assert [c.office for c in services.calendar_store.closures("shawan", office="别的中心")] == [
        None
    ]
    services.calendar_store.reopen("shawan", DAY, office=OFFICE)
    assert [c.office for c in services.calendar_store.closures("shawan")] == [None]

"""The console's calendar page refuses what it cannot apply as asked: an unknown region
(never stored as another one), a closure day outside the window around today; and it says
when a calendar change's recalculation of open cases is still running."""

from __future__ import annotations

import datetime as dt

import pytest
from test_console_accounts import PASSWORD, Console, csrf, login
from test_console_accounts import console as console  # the fixture

from jingban.storage.calendar_changes import changes


def _admin(console: Console):  # type: ignore[no-untyped-def]
    console.services.accounts.add_user("admin", role="admin", password=PASSWORD, now=console.now)
    client = console.client()
    login(client, "admin")
    return client, csrf(client, "/calendar?region=sichuan")


def _stored(console: Console) -> list[object]:
    return list(console.services.calendar_store.closures())


def test_a_closure_for_an_unknown_region_is_refused(console: Console) -> None:
    client, token = _admin(console)
    form = {"csrf": token, "region": "mars", "day": "2026-11-25", "reason": "停电"}
    refused = client.post("/calendar/closures", data=form)
    assert refused.status_code == 400
    assert "未知的地区" in refused.text and "mars" in refused.text
    assert _stored(console) == []
    assert changes(console.services.db) == []
    page = client.get("/calendar?region=mars")
    assert page.status_code == 400 and "未知的地区" in page.text


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "2025-11-01", "2030-01-01"])
def test_a_closure_day_outside_the_window_is_refused(console: Console, day: str) -> None:
    client, token = _admin(console)
    form = {"csrf": token, "region": "sichuan", "day": day, "reason": "停电"}
    refused = client.post("/calendar/closures", data=form)
    assert refused.status_code == 400
    assert "超出可登记的范围" in refused.text
    assert _stored(console) == []


def test_the_page_says_while_a_recalculation_is_pending(console: Console) -> None:
    client, _ = _admin(console)
    assert "重新计算进行中" not in client.get("/calendar?region=sichuan").text
    # A change recorded by a process that stopped before recalculating.
    day = (console.now + dt.timedelta(days=2)).date()
    console.services.calendar_store.close("sichuan", day, "停电", now=console.now)
    assert "重新计算进行中" in client.get("/calendar?region=sichuan").text
    console.services.finish_calendar_changes(console.now)
    assert "重新计算进行中" not in client.get("/calendar?region=sichuan").text

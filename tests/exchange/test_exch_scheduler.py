"""The scheduler's leader pushes waiting events on its ``exchange`` job; without a configured
platform it leaves them waiting."""

from __future__ import annotations

import datetime as dt

import pytest
from exchange_support import SECRET, open_case, platform, services_on

from jingban.calendar import BEIJING
from jingban.scheduler.runner import SchedulerService

AT = dt.datetime(2026, 10, 9, 16, 0, tzinfo=BEIJING).astimezone(dt.UTC)


def test_the_leader_pushes_events_when_a_platform_is_configured(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with services_on(db_url) as services, platform() as stub:
        no = open_case(services, AT)
        service = SchedulerService(services, clock=lambda: AT, node="leader-test")
        assert service.exchange_once() is None  # no platform configured: nothing leaves
        assert stub.attempts == []
        monkeypatch.setenv("JINGBAN_EXCHANGE_URL", stub.url)
        monkeypatch.setenv("JINGBAN_EXCHANGE_SECRET", SECRET)
        report = service.exchange_once()
        service.scheduler.start(paused=True)
        try:
            assert service.elect()
            assert service.scheduler.get_job("exchange") is not None
        finally:
            service.stop()
    assert report is not None and report.sent == 1
    assert stub.keys() == [f"jingban-{no}-1"]

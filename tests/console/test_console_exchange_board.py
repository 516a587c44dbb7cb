"""The supervisor board shows how many case events wait for the provincial platform and how
long the oldest has waited (a real headless Chromium on the served console)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from console_support import Server, expect, login

from jingban.console.routes_board import waited


def test_the_board_shows_the_waiting_events_and_the_oldest_ones_age(
    page: Any, server: Server
) -> None:
    backlog = server.services.exchange.backlog(region="shawan")
    assert backlog.pending > 0 and backlog.oldest_at is not None  # the seeded cases' events
    age = waited(backlog.oldest_age(server.clock()))
    login(page, server, "shawan_supervisor")
    page.goto(server.url("/board"))
    shown = page.locator("[data-testid=exchange-backlog]")
    expect(shown).to_contain_text(f"待报送 {backlog.pending} 条")
    expect(shown).to_contain_text(f"最早一条已等待 {age}")


def test_a_wait_reads_in_days_hours_or_minutes() -> None:
    assert waited(None) is None
    assert waited(dt.timedelta(minutes=7, seconds=59)) == "7 分钟"
    assert waited(dt.timedelta(hours=2, minutes=5)) == "2 小时 5 分钟"
    assert waited(dt.timedelta(days=45, hours=4, minutes=1)) == "45 天 4 小时"

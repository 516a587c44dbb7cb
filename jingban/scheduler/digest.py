"""The daily digest: each supervisor's open red, orange and yellow cases, once a working day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from jingban.calendar import BEIJING, WorkCalendar, region_profile
from jingban.scheduler.notify import DigestRow, digest_message
from jingban.scheduler.store import AlertStore


def digest_rows(
    store: AlertStore, region: str, office: str | None, now: dt.datetime
) -> list[DigestRow]:
    """The open alerts of a region (or one office), one row per case at its worst level."""
    seen: dict[str, DigestRow] = {}
    for alert in store.alerts(as_of=now, region=region, office=office, open_only=True, limit=None):
        if alert.case_no in seen:
            continue  # alerts come most severe first
        seen[alert.case_no] = DigestRow(
            level=alert.level,
            case_no=alert.case_no,
            item_name=_item_name(store, alert.case_no),
            due_kind=alert.due_kind,
            due_at=alert.due_at,
            working_days_left=alert.working_days_left,
        )
    return list(seen.values())


def _item_name(store: AlertStore, case_no: str) -> str:
    import json

    from sqlalchemy import select

    from jingban.storage.models import CaseRow

    table = CaseRow.__table__
    with store.db.engine.connect() as conn:
        data = conn.execute(select(table.c.data).where(table.c.case_no == case_no)).scalar()
    return json.loads(data).get("item_name", "") if data else ""


def enqueue_digests(
    store: AlertStore, calendars: Callable[[str], WorkCalendar], region: str, now: dt.datetime
) -> int:
    """Queue today's digest for every route of ``region`` (once per route and day, even if
    called again). Returns how many were queued."""
    cal = calendars(region)
    day = now.astimezone(BEIJING).date()
    queued = 0
    for route in store.routes(region):
        if not route.enabled:
            continue
        rows = digest_rows(store, region, route.office, now)
        message = digest_message(
            supervisor=route.name, region_name=region_profile(region).name, day=day, rows=rows
        )
        first_try = now if cal.is_open(now) else cal.next_opening(now)
        queued += store.enqueue_message(
            f"digest:{region}:{day.isoformat()}", route, message, first_try=first_try
        )
    return queued

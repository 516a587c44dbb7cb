"""The daily digest: each supervisor's open red, orange and yellow cases, once a working day."""

from __future__ import annotations

import datetime as dt

from jingban.calendar import BEIJING, region_profile
from jingban.services import Services
from jingban.storage.alerts import AlertStore
from jingban.storage.messages import DigestRow, digest_message
from jingban.storage.scan import AlertView


def digest_rows(
    store: AlertStore, region: str, office: str | None, now: dt.datetime
) -> list[DigestRow]:
    """The open alerts of a region (or one office), one row per case at its worst level."""
    worst: dict[str, AlertView] = {}
    alerts = store.alerts(as_of=now, region=region, office=office, open_only=True, limit=None)
    for alert in alerts:  # most severe first
        worst.setdefault(alert.case_no, alert)
    names = store.item_names(worst)
    return [
        DigestRow(
            level=a.level,
            case_no=a.case_no,
            item_name=names.get(a.case_no, ""),
            due_kind=a.due_kind,
            due_at=a.due_at,
            working_days_left=a.working_days_left,
        )
        for a in worst.values()
    ]


def enqueue_digests(services: Services, region: str, now: dt.datetime) -> int:
    """Queue today's digest for every route of ``region`` but the personal ones (once per
    route and day, even if called again): the digest is the office's, not one person's.
    Returns how many were queued."""
    cal = services.calendar(region)
    day = now.astimezone(BEIJING).date()
    queued = 0
    for route in services.routes.routes(region):
        if not route.enabled or route.personal:
            continue
        rows = digest_rows(services.alerts, region, route.office, now)
        message = digest_message(
            supervisor=route.name, region_name=region_profile(region).name, day=day, rows=rows
        )
        first_try = now if cal.is_open(now) else cal.next_opening(now)
        queued += services.deliveries.enqueue_message(
            f"digest:{region}:{day.isoformat()}",
            route,
            message,
            first_try=first_try,
            kind="digest",
        )
    return queued

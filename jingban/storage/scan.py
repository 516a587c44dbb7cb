"""The deadline scan: yellow, orange and red cards from the stored due dates.

Levels, per case and per due date:

- ``yellow`` (黄牌预警): the promised due is within its warning window;
- ``orange`` (橙牌): the promised due has passed, or the statutory due is within its window;
- ``red`` (红牌): the statutory due has passed; or the 5-working-day acceptance window passed
  with no decision; or a stage sub-limit passed.

Each level is one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` over a range of an
indexed column: the warning instants are stored on the case (working days already turned into
an instant), and partial indexes cover only cases whose clock runs, so a scan's cost follows
the number of alerts, never the number of cases. The unique key (case, level, due kind, due
instant) makes a re-run, a second process or a restart harmless; a due that moves alerts again.
Suspended cases and cases waiting for a supplement do not age; cases that ended have their
open alerts closed.

A recording scan is incremental: from its base (the latest finished scan) it reads only the
thresholds crossed in ``(base as_of, as_of]`` and the cases written since (``scan_queue``:
every write of a case queues it in the same transaction; the scan deletes only the queue
rows it read, so a write that races the scan is seen by the next one). Everything it would
raise or close it finds: a case alerts either because a threshold was crossed or because the
case changed. With no base, a base later than ``as_of`` (a back-dated scan), or ``full=True``,
it scans every open case's range. A forecast (dry run) is always full and records nothing.
Hits are kept as tuples; `ScanResult.alerts` builds the views (with working days left) only
when asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from jingban.calendar import BEIJING, WorkCalendar
from jingban.engine.deadlines import working_days_left
from jingban.engine.model import AGING_STATES
from jingban.errors import BadInput
from jingban.storage import _scan_recording as recording
from jingban.storage.database import Database
from jingban.storage.scan_rules import (
    DUE_KIND_LABELS,
    HIT_COLUMNS,
    LEVEL_LABELS,
    LEVELS,
    RULES,
    Hit,
    Rule,
    driver_sql,
)
from jingban.storage.timecodec import aware, bind_time

__all__ = [
    "AGING_STATES",
    "DUE_KIND_LABELS",
    "LEVELS",
    "LEVEL_LABELS",
    "RULES",
    "AlertView",
    "Rule",
    "ScanResult",
    "alert_json",
    "scan",
]


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert as the CLI and API show it."""

    case_no: str
    region: str
    office: str | None
    level: str
    due_kind: str
    due_at: dt.datetime
    working_days_left: int
    raised_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    alert_id: int | None = None


def alert_json(alert: AlertView) -> dict[str, Any]:
    """An alert as the CLI's --json and the API show it (times in Beijing time)."""

    def iso(value: dt.datetime | None) -> str | None:
        return value.astimezone(BEIJING).isoformat() if value else None

    return {
        "case_no": alert.case_no,
        "region": alert.region,
        "office": alert.office,
        "level": alert.level,
        "level_label": LEVEL_LABELS[alert.level],
        "due_kind": alert.due_kind,
        "due_at": iso(alert.due_at),
        "working_days_left": alert.working_days_left,
        "raised_at": iso(alert.raised_at),
        "closed_at": iso(alert.closed_at),
    }


class ScanResult:
    """What one scan found: the alerts it raised (or, dry, would show) and how many it closed.

    The hits are kept as driver tuples; `alerts` turns them into sorted `AlertView` s, with
    the working days left, on first access."""

    __slots__ = (
        "_alerts",
        "_hits",
        "_views",
        "as_of",
        "closed",
        "incremental",
        "queued",
        "scan_id",
        "skipped",
    )

    def __init__(
        self,
        as_of: dt.datetime,
        hits: list[Hit],
        views: _Views | None,
        closed: int,
        scan_id: int | None,
        *,
        skipped: bool = False,
        incremental: bool = False,
    ) -> None:
        self.as_of = as_of
        self.closed = closed
        self.scan_id = scan_id
        self.skipped = skipped
        self.incremental = incremental
        self.queued = 0  # deliveries queued with the scan (see ``deliver``)
        self._hits = hits
        self._views = views
        self._alerts: list[AlertView] | None = None

    @property
    def count(self) -> int:
        """How many alerts the scan raised (dry: would show), without building views."""
        return len(self._hits)

    @property
    def alerts(self) -> list[AlertView]:
        """The alerts, red first, then by working days left and case number."""
        if self._alerts is None:
            views = self._views
            self._alerts = [] if views is None else _sorted([views(h) for h in self._hits])
        return self._alerts


_FUTURE_SLACK = dt.timedelta(minutes=1)


def scan(
    db: Database,
    calendars: Callable[[str], WorkCalendar],
    as_of: dt.datetime,
    *,
    dry_run: bool = False,
    full: bool = False,
    slot: str | None = None,
    node: str = "cli",
    now: dt.datetime | None = None,
    deliver: Callable[[Connection, list[AlertView]], int] | None = None,
) -> ScanResult:
    """Run one scan as of ``as_of``: record the alerts that are new and close the alerts of
    cases that ended or whose due moved. ``dry_run`` records nothing and lists everything that
    would be alerted as of then (a forecast). ``slot`` names a scheduled run: a slot already in
    the ledger is skipped, so two schedulers never scan the same slot twice. ``full`` scans
    every open case's range instead of only what changed since the base scan (the result is
    the same; see the module's docstring). ``deliver`` queues the deliveries of the new
    alerts in the scan's own transaction (`DeliveryStore.enqueue_alerts` with ``conn``): a
    crash between the two loses neither, as both or neither are stored."""
    now = now or as_of
    if not dry_run and as_of > now + _FUTURE_SLACK:
        # Recorded alerts are facts: a future instant can only be forecast (and a recorded
        # future scan would become the base of the next ones, which would then run in full).
        raise BadInput("扫描时间是将来的时间: 将来只能预测，请加 --dry-run")
    views = _Views(calendars, as_of)
    if dry_run:  # a forecast only reads: no write lock
        with db.engine.connect() as conn, conn.begin():  # one snapshot for all rules
            cur = conn.connection.cursor()
            dialect = conn.dialect.name
            params = {"as_of": bind_time(conn, as_of)}
            hits: list[Hit] = []
            for i, rule in enumerate(RULES):
                sql = (
                    f"SELECT {HIT_COLUMNS}, {rule.due_column} FROM {rule.source(dialect)}"
                    f" WHERE {rule.condition}"
                )
                cur.execute(driver_sql(conn, sql), params)
                hits += [(i, None, r[1], r[2], r[3], r[4]) for r in cur.fetchall()]
        return ScanResult(as_of, hits, views, 0, None)
    with db.write() as conn:
        started = recording.start(conn, as_of, now, slot or f"manual:{now.isoformat()}", node)
        if started is None:
            return ScanResult(as_of, [], None, 0, None, skipped=True)
        scan_id, base = started
        since = None if full or base is None or base > as_of else base
        cur = conn.connection.cursor()
        queued, cases = recording.queued(cur)
        hits = recording.raise_new(conn, cur, as_of, now, scan_id, since, cases)
        closed = recording.close(conn, cur, now, None if since is None else cases)
        recording.dequeue(conn, cur, queued)
        conn.execute(
            text(
                "UPDATE scan_runs SET finished_at = :now, new_alerts = :n, closed_alerts = :c"
                " WHERE id = :id"
            ),
            {"now": bind_time(conn, now), "n": len(hits), "c": closed, "id": scan_id},
        )
        views.raised = now
        result = ScanResult(as_of, hits, views, closed, scan_id, incremental=since is not None)
        if deliver is not None and hits:
            result.queued = deliver(conn, result.alerts)
    return result


class _Views:
    """Builds alert views for one scan; many alerts share a region and a due instant (office
    close of the same day), so the time parsing and the working-day count are memoised."""

    def __init__(self, calendars: Callable[[str], WorkCalendar], as_of: dt.datetime) -> None:
        self.calendars = calendars
        self.as_of = as_of
        self.raised: dt.datetime | None = None
        self._times: dict[dt.datetime | str, dt.datetime] = {}
        self._left: dict[tuple[str, dt.datetime], int] = {}

    def __call__(self, hit: Hit) -> AlertView:
        index, alert_id, case_no, region, office, due = hit
        due_at = self._times.get(due)
        if due_at is None:
            due_at = self._times[due] = aware(due)
        left = self._left.get((region, due_at))
        if left is None:
            left = working_days_left(self.calendars(region), self.as_of, due_at)
            self._left[(region, due_at)] = left
        rule = RULES[index]
        return AlertView(
            case_no,
            region,
            office,
            rule.level,
            rule.due_kind,
            due_at,
            left,
            self.raised,
            None,
            alert_id,
        )


_ORDER = {level: i for i, level in enumerate(reversed(LEVELS))}


def _sorted(views: list[AlertView]) -> list[AlertView]:
    return sorted(views, key=lambda v: (_ORDER[v.level], v.working_days_left, v.case_no))

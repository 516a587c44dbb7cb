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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from jingban.calendar import BEIJING, WorkCalendar
from jingban.engine.deadlines import working_days_left
from jingban.storage import Database

AGING_STATES = ("submitted", "prereviewed", "accepted", "transferred", "reviewed", "paid")
_AGING = "state IN ({})".format(", ".join(f"'{s}'" for s in AGING_STATES))
_UNDECIDED = "state IN ('submitted', 'prereviewed')"
_TERMINAL = "('completed', 'not_accepted', 'withdrawn')"
LEVELS = ("yellow", "orange", "red")
LEVEL_LABELS = {"yellow": "黄牌预警", "orange": "橙牌", "red": "红牌"}
DUE_KIND_LABELS = {
    "accept": "受理时限(一次性告知)",
    "promised": "承诺时限",
    "statutory": "法定时限",
    "stage": "环节时限",
}
_DUE_COLUMNS = {
    "accept": "accept_due",
    "promised": "promised_due",
    "statutory": "statutory_due",
    "stage": "stage_due",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One level of one due kind: the due column and the condition, as of :as_of."""

    level: str
    due_kind: str
    condition: str

    @property
    def due_column(self) -> str:
        return _DUE_COLUMNS[self.due_kind]


RULES: tuple[Rule, ...] = (
    Rule("red", "statutory", f"{_AGING} AND statutory_due <= :as_of"),
    Rule("red", "accept", f"{_UNDECIDED} AND accept_due <= :as_of"),
    Rule("red", "stage", f"{_AGING} AND stage_due <= :as_of"),
    Rule("orange", "promised", f"{_AGING} AND promised_due <= :as_of"),
    Rule(
        "orange",
        "statutory",
        f"{_AGING} AND statutory_warn_at <= :as_of AND statutory_due > :as_of",
    ),
    Rule(
        "yellow",
        "promised",
        f"{_AGING} AND promised_warn_at <= :as_of AND promised_due > :as_of",
    ),
)


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


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What one scan found: the alerts it raised (or, dry, would show) and how many it closed."""

    as_of: dt.datetime
    alerts: list[AlertView]
    closed: int
    scan_id: int | None
    skipped: bool = False


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _bind_time(conn: Connection, value: dt.datetime) -> Any:
    """Times as the backend stores them (SQLite: SQLAlchemy's UTC text form)."""
    if conn.dialect.name == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def scan(
    db: Database,
    calendars: Callable[[str], WorkCalendar],
    as_of: dt.datetime,
    *,
    dry_run: bool = False,
    slot: str | None = None,
    node: str = "cli",
    now: dt.datetime | None = None,
) -> ScanResult:
    """Run one scan as of ``as_of``: record the alerts that are new and close the alerts of
    cases that ended or whose due moved. ``dry_run`` records nothing and lists everything that
    would be alerted as of then (a forecast). ``slot`` names a scheduled run: a slot already in
    the ledger is skipped, so two schedulers never scan the same slot twice."""
    now = now or as_of
    view = _Views(calendars, as_of)
    if dry_run:  # a forecast only reads: no write lock
        views = []
        with db.engine.connect() as conn:
            t = _bind_time(conn, as_of)
            for rule in RULES:
                rows = conn.execute(
                    text(
                        f"SELECT id, case_no, region, office, {rule.due_column} FROM cases "
                        f"WHERE {rule.condition}"
                    ),
                    {"as_of": t},
                ).all()
                views += [view(rule, r) for r in rows]
        return ScanResult(as_of, _sorted(views), 0, None)
    with db.write() as conn:
        t = _bind_time(conn, as_of)
        scan_id = _start(conn, as_of, now, slot or f"manual:{now.isoformat()}", node)
        if scan_id is None:
            return ScanResult(as_of, [], 0, None, skipped=True)
        views = []
        for rule in RULES:
            rows = conn.execute(
                text(
                    "INSERT INTO alerts (case_id, case_no, region, office, level, due_kind,"
                    " due_at, raised_at, scan_id) "
                    f"SELECT id, case_no, region, office, :level, :kind, {rule.due_column},"
                    f" :now, :scan FROM cases WHERE {rule.condition} "
                    "ON CONFLICT (case_id, level, due_kind, due_at) DO NOTHING "
                    "RETURNING id, case_id, case_no, region, office, due_at"
                ),
                {
                    "as_of": t,
                    "level": rule.level,
                    "kind": rule.due_kind,
                    "now": _bind_time(conn, now),
                    "scan": scan_id,
                },
            ).all()
            views += [
                view(
                    rule,
                    (r[1], r[2], r[3], r[4], r[5]),
                    raised=now,
                    alert_id=r[0],
                )
                for r in rows
            ]
        closed = _close(conn, _bind_time(conn, now))
        conn.execute(
            text(
                "UPDATE scan_runs SET finished_at = :now, new_alerts = :n, closed_alerts = :c"
                " WHERE id = :id"
            ),
            {"now": _bind_time(conn, now), "n": len(views), "c": closed, "id": scan_id},
        )
    return ScanResult(as_of, _sorted(views), closed, scan_id)


def _start(
    conn: Connection, as_of: dt.datetime, now: dt.datetime, slot: str, node: str
) -> int | None:
    row = conn.execute(
        text(
            "INSERT INTO scan_runs (slot, as_of, started_at, node, new_alerts, closed_alerts) "
            "VALUES (:slot, :as_of, :now, :node, 0, 0) ON CONFLICT (slot) DO NOTHING "
            "RETURNING id"
        ),
        {
            "slot": slot,
            "as_of": _bind_time(conn, as_of),
            "now": _bind_time(conn, now),
            "node": node,
        },
    ).first()
    return None if row is None else int(row[0])


def _close(conn: Connection, now: Any) -> int:
    """Close open alerts of cases that ended, of dues that moved (the new due alerts afresh),
    and acceptance-window alerts of cases since accepted or refused. Cost: the open alerts,
    each probing its case by primary key."""
    moved = " OR ".join(
        f"(alerts.due_kind = '{kind}' AND (c.{column} IS NULL OR c.{column} <> alerts.due_at))"
        for kind, column in _DUE_COLUMNS.items()
    )
    ended = conn.execute(
        text(
            "UPDATE alerts SET closed_at = :now, closed_reason = 'case_ended' "
            "WHERE closed_at IS NULL AND EXISTS (SELECT 1 FROM cases c WHERE "
            f"c.id = alerts.case_id AND c.state IN {_TERMINAL})"
        ),
        {"now": now},
    ).rowcount
    shifted = conn.execute(
        text(
            "UPDATE alerts SET closed_at = :now, closed_reason = 'due_moved' "
            "WHERE closed_at IS NULL AND EXISTS (SELECT 1 FROM cases c WHERE "
            f"c.id = alerts.case_id AND ({moved}))"
        ),
        {"now": now},
    ).rowcount
    decided = conn.execute(
        text(
            "UPDATE alerts SET closed_at = :now, closed_reason = 'decided' "
            "WHERE closed_at IS NULL AND due_kind = 'accept' AND EXISTS (SELECT 1 FROM cases c"
            " WHERE c.id = alerts.case_id AND c.state NOT IN ('submitted', 'prereviewed'))"
        ),
        {"now": now},
    ).rowcount
    return int(ended or 0) + int(shifted or 0) + int(decided or 0)


class _Views:
    """Builds alert views for one scan; many alerts share a region and a due instant (office
    close of the same day), so the time parsing and the working-day count are memoised."""

    def __init__(self, calendars: Callable[[str], WorkCalendar], as_of: dt.datetime) -> None:
        self.calendars = calendars
        self.as_of = as_of
        self._times: dict[Any, dt.datetime] = {}
        self._left: dict[tuple[str, dt.datetime], int] = {}

    def __call__(
        self,
        rule: Rule,
        row: Any,
        *,
        raised: dt.datetime | None = None,
        alert_id: int | None = None,
    ) -> AlertView:
        _, case_no, region, office, due = row
        due_at = self._times.get(due)
        if due_at is None:
            due_at = self._times[due] = _aware(due)
        left = self._left.get((region, due_at))
        if left is None:
            left = working_days_left(self.calendars(region), self.as_of, due_at)
            self._left[(region, due_at)] = left
        return AlertView(
            case_no, region, office, rule.level, rule.due_kind, due_at, left, raised, None, alert_id
        )


def _sorted(views: list[AlertView]) -> list[AlertView]:
    order = {level: i for i, level in enumerate(reversed(LEVELS))}
    return sorted(views, key=lambda v: (order[v.level], v.working_days_left, v.case_no))

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
import re
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


_THRESHOLD_INDEXES = {
    "accept_due": "ix_cases_open_accept_due",
    "promised_due": "ix_cases_open_promised_due",
    "statutory_due": "ix_cases_open_statutory_due",
    "stage_due": "ix_cases_open_stage_due",
    "promised_warn_at": "ix_cases_open_promised_warn",
    "statutory_warn_at": "ix_cases_open_statutory_warn",
}
# The queued cases, as a condition on a column: PostgreSQL gets the ids read (its planner then
# probes them by key; over the queue table, whose size it cannot know between analyses, it
# chose to scan each rule's range instead); SQLite reads the queue under the scan's write lock.
_QUEUED = {
    "postgresql": "{column} = ANY(:cases)",
    "sqlite": "{column} IN (SELECT case_id FROM scan_queue)",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One level of one due kind: the due column, the condition as of :as_of, and the
    column whose crossing of :as_of brings a case into the rule (its range is indexed)."""

    level: str
    due_kind: str
    condition: str
    threshold: str

    @property
    def due_column(self) -> str:
        return _DUE_COLUMNS[self.due_kind]

    @property
    def index(self) -> str:
        """The partial index over the threshold (migration 0003), named to SQLite, whose
        planner may otherwise prefer the state index while the table has no statistics."""
        return _THRESHOLD_INDEXES[self.threshold]

    def source(self, dialect: str) -> str:
        """The FROM target: ``cases``, on SQLite through the rule's index."""
        return f"cases INDEXED BY {self.index}" if dialect == "sqlite" else "cases"


RULES: tuple[Rule, ...] = (
    Rule("red", "statutory", f"{_AGING} AND statutory_due <= :as_of", "statutory_due"),
    Rule("red", "accept", f"{_UNDECIDED} AND accept_due <= :as_of", "accept_due"),
    Rule("red", "stage", f"{_AGING} AND stage_due <= :as_of", "stage_due"),
    Rule("orange", "promised", f"{_AGING} AND promised_due <= :as_of", "promised_due"),
    Rule(
        "orange",
        "statutory",
        f"{_AGING} AND statutory_warn_at <= :as_of AND statutory_due > :as_of",
        "statutory_warn_at",
    ),
    Rule(
        "yellow",
        "promised",
        f"{_AGING} AND promised_warn_at <= :as_of AND promised_due > :as_of",
        "promised_warn_at",
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


# A hit: (rule index, alert id or None, case number, region, office, due as the driver
# returned it).
Hit = tuple[int, int | None, str, str, str | None, Any]


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


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value + "+00:00")
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _bind_time(conn: Connection, value: dt.datetime) -> Any:
    """Times as the backend stores them (SQLite: SQLAlchemy's UTC text form)."""
    if conn.dialect.name == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def _driver_sql(conn: Connection, sql: str) -> str:
    """``:name`` parameters in the driver's style (sqlite3 takes them as they are)."""
    return sql if conn.dialect.name == "sqlite" else _NAMED.sub(r"%(\1)s", sql)


_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_HIT_COLUMNS = "id, case_no, region, office"


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
    alerts in the scan's own transaction (`AlertStore.enqueue_alerts` with ``conn``): a
    crash between the two loses neither, as both or neither are stored."""
    now = now or as_of
    views = _Views(calendars, as_of)
    if dry_run:  # a forecast only reads: no write lock
        with db.engine.connect() as conn, conn.begin():  # one snapshot for all rules
            cur = conn.connection.cursor()
            dialect = conn.dialect.name
            params = {"as_of": _bind_time(conn, as_of)}
            hits: list[Hit] = []
            for i, rule in enumerate(RULES):
                sql = (
                    f"SELECT {_HIT_COLUMNS}, {rule.due_column} FROM {rule.source(dialect)}"
                    f" WHERE {rule.condition}"
                )
                cur.execute(_driver_sql(conn, sql), params)
                hits += [(i, None, r[1], r[2], r[3], r[4]) for r in cur.fetchall()]
        return ScanResult(as_of, hits, views, 0, None)
    with db.write() as conn:
        started = _start(conn, as_of, now, slot or f"manual:{now.isoformat()}", node)
        if started is None:
            return ScanResult(as_of, [], None, 0, None, skipped=True)
        scan_id, base = started
        since = None if full or base is None or base > as_of else base
        cur = conn.connection.cursor()
        queued, cases = _queued(cur)
        hits = _raise(conn, cur, as_of, now, scan_id, since, cases)
        closed = _close(conn, cur, now, None if since is None else cases)
        _dequeue(conn, cur, queued)
        conn.execute(
            text(
                "UPDATE scan_runs SET finished_at = :now, new_alerts = :n, closed_alerts = :c"
                " WHERE id = :id"
            ),
            {"now": _bind_time(conn, now), "n": len(hits), "c": closed, "id": scan_id},
        )
        views.raised = now
        result = ScanResult(as_of, hits, views, closed, scan_id, incremental=since is not None)
        if deliver is not None and hits:
            result.queued = deliver(conn, result.alerts)
    return result


def _start(
    conn: Connection, as_of: dt.datetime, now: dt.datetime, slot: str, node: str
) -> tuple[int, dt.datetime | None] | None:
    """Enter the scan in the ledger: its id and its base (the latest finished tracked scan's
    as_of), or None when the slot was already scanned."""
    base = conn.execute(
        text("SELECT max(as_of) FROM scan_runs WHERE finished_at IS NOT NULL AND tracked")
    ).scalar()
    row = conn.execute(
        text(
            "INSERT INTO scan_runs (slot, as_of, started_at, node, new_alerts, closed_alerts,"
            " tracked) VALUES (:slot, :as_of, :now, :node, 0, 0, :tracked)"
            " ON CONFLICT (slot) DO NOTHING RETURNING id"
        ),
        {
            "slot": slot,
            "as_of": _bind_time(conn, as_of),
            "now": _bind_time(conn, now),
            "node": node,
            "tracked": True,
        },
    ).first()
    if row is None:
        return None
    return int(row[0]), None if base is None else _aware(base)


def _queued(cur: Any) -> tuple[list[int], list[int]]:
    """The queue: its rows' ids, and the cases written since they were last scanned."""
    cur.execute("SELECT id, case_id FROM scan_queue")
    rows = cur.fetchall()
    return [int(r[0]) for r in rows], sorted({int(r[1]) for r in rows})


def _raise(
    conn: Connection,
    cur: Any,
    as_of: dt.datetime,
    now: dt.datetime,
    scan_id: int,
    since: dt.datetime | None,
    cases: list[int],
) -> list[Hit]:
    """Insert the alerts that are new as of ``as_of``: every hit of each rule, or (with a
    base) the hits whose threshold was crossed after ``since`` and those of queued cases."""
    params = {
        "cases": cases,
        "as_of": _bind_time(conn, as_of),
        "now": _bind_time(conn, now),
        "scan": scan_id,
        "since": None if since is None else _bind_time(conn, since),
    }
    hits: list[Hit] = []
    dialect = conn.dialect.name
    for i, rule in enumerate(RULES):
        parts = [(rule.source(dialect), rule.condition)]
        if since is not None:
            parts = [(rule.source(dialect), f"{rule.condition} AND {rule.threshold} > :since")]
            if cases:
                queued = _QUEUED[dialect].format(column="id")
                parts.append(("cases", f"{queued} AND {rule.condition}"))
        for source, where in parts:
            sql = (
                "INSERT INTO alerts (case_id, case_no, region, office, level, due_kind,"
                " due_at, raised_at, scan_id) "
                f"SELECT {_HIT_COLUMNS}, '{rule.level}', '{rule.due_kind}', {rule.due_column},"
                f" :now, :scan FROM {source} WHERE {where} "
                "ON CONFLICT (case_id, level, due_kind, due_at) DO NOTHING "
                "RETURNING id, case_no, region, office, due_at"
            )
            cur.execute(_driver_sql(conn, sql), params)
            hits += [(i, r[0], r[1], r[2], r[3], r[4]) for r in cur.fetchall()]
    return hits


def _close(conn: Connection, cur: Any, now: dt.datetime, cases: list[int] | None) -> int:
    """Close, in one pass, the open alerts of cases that ended, of dues that moved (the new
    due alerts afresh), and acceptance-window alerts of cases since accepted or refused.
    Only queued cases can have changed since a base scan: given ``cases``, only their alerts
    are looked at (none: nothing to do); with None, every open alert, each probing its case
    by primary key. The reason is one CASE, which the planner treats as opaque: as ORs over
    the case's indexed columns, planning alone took about 10 ms on PostgreSQL."""
    moved = " OR ".join(
        f"(alerts.due_kind = '{kind}' AND (c.{column} IS NULL OR c.{column} <> alerts.due_at))"
        for kind, column in _DUE_COLUMNS.items()
    )
    reason = (
        f"(SELECT CASE WHEN c.state IN {_TERMINAL} THEN 'case_ended'"
        f" WHEN {moved} THEN 'due_moved'"
        " WHEN alerts.due_kind = 'accept' AND c.state NOT IN ('submitted', 'prereviewed')"
        " THEN 'decided' END FROM cases c WHERE c.id = alerts.case_id)"
    )
    sqlite = conn.dialect.name == "sqlite"
    if cases is not None:
        if not cases:
            return 0
        target = "alerts"
        scope = _QUEUED[conn.dialect.name].format(column="alerts.case_id") + " AND "
    else:
        target = "alerts INDEXED BY ix_alerts_closed_at" if sqlite else "alerts"
        scope = ""
    sql = (
        f"UPDATE {target} SET closed_at = :now, closed_reason = {reason} "
        f"WHERE {scope}alerts.closed_at IS NULL AND {reason} IS NOT NULL"
    )
    cur.execute(_driver_sql(conn, sql), {"now": _bind_time(conn, now), "cases": cases})
    return max(int(cur.rowcount or 0), 0)


def _dequeue(conn: Connection, cur: Any, queued: list[int]) -> None:
    """Delete the queue rows the scan read, and only those: a case queued by a write the scan
    did not see (committed after its reads, on PostgreSQL) stays for the next scan."""
    if not queued:
        return
    if conn.dialect.name == "postgresql":
        cur.execute("DELETE FROM scan_queue WHERE id = ANY(%s)", (queued,))
    else:  # the scan holds the write lock: nobody queued anything since it read
        cur.execute("DELETE FROM scan_queue WHERE id <= ?", (max(queued),))


class _Views:
    """Builds alert views for one scan; many alerts share a region and a due instant (office
    close of the same day), so the time parsing and the working-day count are memoised."""

    def __init__(self, calendars: Callable[[str], WorkCalendar], as_of: dt.datetime) -> None:
        self.calendars = calendars
        self.as_of = as_of
        self.raised: dt.datetime | None = None
        self._times: dict[Any, dt.datetime] = {}
        self._left: dict[tuple[str, dt.datetime], int] = {}

    def __call__(self, hit: Hit) -> AlertView:
        index, alert_id, case_no, region, office, due = hit
        due_at = self._times.get(due)
        if due_at is None:
            due_at = self._times[due] = _aware(due)
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

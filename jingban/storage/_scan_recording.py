"""The recording scan's statements, inside the scan's write transaction: enter the ledger,
read the queue, raise what is new, close what ended or moved, empty the queue read.

See `jingban.storage.scan` for the incremental scheme these serve.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text
from sqlalchemy.engine.interfaces import DBAPICursor

from jingban.storage.scan_rules import (
    DUE_COLUMNS,
    HIT_COLUMNS,
    QUEUED,
    RULES,
    TERMINAL,
    Hit,
    driver_sql,
)
from jingban.storage.timecodec import aware, bind_time


def start(
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
            "as_of": bind_time(conn, as_of),
            "now": bind_time(conn, now),
            "node": node,
            "tracked": True,
        },
    ).first()
    if row is None:
        return None
    return int(row[0]), None if base is None else aware(base)


def queued(cur: DBAPICursor) -> tuple[list[int], list[int]]:
    """The queue: its rows' ids, and the cases written since they were last scanned."""
    cur.execute("SELECT id, case_id FROM scan_queue")
    rows = cur.fetchall()
    return [int(r[0]) for r in rows], sorted({int(r[1]) for r in rows})


def raise_new(
    conn: Connection,
    cur: DBAPICursor,
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
        "as_of": bind_time(conn, as_of),
        "now": bind_time(conn, now),
        "scan": scan_id,
        "since": None if since is None else bind_time(conn, since),
    }
    hits: list[Hit] = []
    dialect = conn.dialect.name
    for i, rule in enumerate(RULES):
        parts = [(rule.source(dialect), rule.condition)]
        if since is not None:
            parts = [(rule.source(dialect), f"{rule.condition} AND {rule.threshold} > :since")]
            if cases:
                queued = QUEUED[dialect].format(column="id")
                parts.append(("cases", f"{queued} AND {rule.condition}"))
        for source, where in parts:
            sql = (
                "INSERT INTO alerts (case_id, case_no, region, office, level, due_kind,"
                " due_at, raised_at, scan_id) "
                f"SELECT {HIT_COLUMNS}, '{rule.level}', '{rule.due_kind}', {rule.due_column},"
                f" :now, :scan FROM {source} WHERE {where} "
                "ON CONFLICT (case_id, level, due_kind, due_at) DO NOTHING "
                "RETURNING id, case_no, region, office, due_at"
            )
            cur.execute(driver_sql(conn, sql), params)
            hits += [(i, r[0], r[1], r[2], r[3], r[4]) for r in cur.fetchall()]
    return hits


def close(conn: Connection, cur: DBAPICursor, now: dt.datetime, cases: list[int] | None) -> int:
    """Close, in one pass, the open alerts of cases that ended, of dues that moved (the new
    due alerts afresh), and acceptance-window alerts of cases since accepted or refused.
    Only queued cases can have changed since a base scan: given ``cases``, only their alerts
    are looked at (none: nothing to do); with None, every open alert, each probing its case
    by primary key. The reason is one CASE, which the planner treats as opaque: as ORs over
    the case's indexed columns, planning alone took about 10 ms on PostgreSQL."""
    moved = " OR ".join(
        f"(alerts.due_kind = '{kind}' AND (c.{column} IS NULL OR c.{column} <> alerts.due_at))"
        for kind, column in DUE_COLUMNS.items()
    )
    reason = (
        # An awaited delivery (送达) is a card of an ended case: it closes when the result is
        # delivered (its due cleared: moved), not because the case ended.
        f"(SELECT CASE WHEN c.state IN {TERMINAL} AND alerts.due_kind <> 'delivery'"
        " THEN 'case_ended'"
        " WHEN alerts.due_kind = 'delivery' AND c.delivery_due IS NULL THEN 'delivered'"
        f" WHEN {moved} THEN 'due_moved'"
        " WHEN alerts.due_kind = 'accept' AND c.state NOT IN ('submitted', 'prereviewed')"
        " THEN 'decided' END FROM cases c WHERE c.id = alerts.case_id)"
    )
    sqlite = conn.dialect.name == "sqlite"
    if cases is not None:
        if not cases:
            return 0
        target = "alerts"
        scope = QUEUED[conn.dialect.name].format(column="alerts.case_id") + " AND "
    else:
        target = "alerts INDEXED BY ix_alerts_closed_at" if sqlite else "alerts"
        scope = ""
    sql = (
        f"UPDATE {target} SET closed_at = :now, closed_reason = {reason} "
        f"WHERE {scope}alerts.closed_at IS NULL AND {reason} IS NOT NULL"
    )
    cur.execute(driver_sql(conn, sql), {"now": bind_time(conn, now), "cases": cases})
    return max(int(cur.rowcount or 0), 0)


def dequeue(conn: Connection, cur: DBAPICursor, queued: list[int]) -> None:
    """Delete the queue rows the scan read, and only those: a case queued by a write the scan
    did not see (committed after its reads, on PostgreSQL) stays for the next scan."""
    if not queued:
        return
    if conn.dialect.name == "postgresql":
        cur.execute("DELETE FROM scan_queue WHERE id = ANY(%s)", (queued,))
    else:  # the scan holds the write lock: nobody queued anything since it read
        cur.execute("DELETE FROM scan_queue WHERE id <= ?", (max(queued),))

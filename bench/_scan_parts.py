"""Parts of the scan benchmark beside the scan itself: the bare indexed queries on the raw
driver, the rules evaluated in Python over every loaded case, and the untimed setup between
runs (queueing written cases, emptying the alerts)."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from typing import Any

from _pg import pg_dsn
from _scan_data import OPEN_STATES
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jingban.storage.scan import RULES


class Bare:
    """The six rule queries on the raw driver (read-only, no transaction of ours)."""

    def __init__(self, url: str) -> None:
        self.dialect = make_url(url).get_backend_name()
        if self.dialect == "sqlite":
            self.conn: Any = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        else:
            import psycopg

            self.conn = psycopg.connect(pg_dsn(url), autocommit=True)

    def bind(self, as_of: dt.datetime) -> Any:
        if self.dialect == "sqlite":
            return as_of.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return as_of

    def sql(self, columns: str, rule: Any) -> str:
        """The rule's SELECT as the scan sends it: on SQLite through the rule's partial index
        (``INDEXED BY``), as the scan names it; the planner's own choice between two range
        indexes is a coin toss that can cost seconds (see the README)."""
        condition = rule.condition
        if self.dialect != "sqlite":
            condition = condition.replace(":as_of", "%(as_of)s")
        return f"SELECT {columns} FROM {rule.source(self.dialect)} WHERE {condition}"

    def ids(self, as_of: dt.datetime) -> list[list[Any]]:
        params = {"as_of": self.bind(as_of)}
        cur = self.conn.cursor()
        out = []
        for rule in RULES:
            cur.execute(self.sql("id", rule), params)
            out.append(cur.fetchall())
        return out

    def tuples(self, as_of: dt.datetime) -> list[list[Any]]:
        params = {"as_of": self.bind(as_of)}
        cur = self.conn.cursor()
        out = []
        for rule in RULES:
            columns = f"id, case_no, region, office, {rule.due_column}"
            cur.execute(self.sql(columns, rule), params)
            out.append(cur.fetchall())
        return out

    def load_all(self) -> tuple[list[Any], list[str]]:
        """Every open case, every column, as driver tuples; and the column names."""
        cur = self.conn.cursor()
        marks = ", ".join(f"'{s}'" for s in OPEN_STATES)
        cur.execute(f"SELECT * FROM cases WHERE state IN ({marks})")
        return cur.fetchall(), [d[0] for d in cur.description]

    def explain(self, rule: Any, as_of: dt.datetime) -> list[str]:
        cur = self.conn.cursor()
        sql = self.sql("id", rule)
        if self.dialect == "sqlite":
            cur.execute(f"EXPLAIN QUERY PLAN {sql}", {"as_of": self.bind(as_of)})
            return [f"{row[-1]}" for row in cur.fetchall()]
        cur.execute(
            f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}",
            {"as_of": self.bind(as_of)},
        )
        return [row[0] for row in cur.fetchall()]

    def close(self) -> None:
        self.conn.close()


def python_filter(rows: list[Any], description: list[str], as_of: Any) -> set[tuple[str, ...]]:
    """The six rules evaluated in Python over loaded rows: (case_no, level, due kind)."""
    col = {name: i for i, name in enumerate(description)}
    aging = {"submitted", "prereviewed", "accepted", "transferred", "reviewed", "paid"}
    undecided = {"submitted", "prereviewed"}
    i_state, i_no = col["state"], col["case_no"]
    i_acc, i_pro, i_sta, i_stg = (
        col["accept_due"],
        col["promised_due"],
        col["statutory_due"],
        col["stage_due"],
    )
    i_pw, i_sw = col["promised_warn_at"], col["statutory_warn_at"]
    found = set()
    for r in rows:
        state = r[i_state]
        if state not in aging:
            continue
        no = r[i_no]
        sta, pro = r[i_sta], r[i_pro]
        if sta is not None and sta <= as_of:
            found.add((no, "red", "statutory"))
        if state in undecided and r[i_acc] is not None and r[i_acc] <= as_of:
            found.add((no, "red", "accept"))
        if r[i_stg] is not None and r[i_stg] <= as_of:
            found.add((no, "red", "stage"))
        if pro is not None and pro <= as_of:
            found.add((no, "orange", "promised"))
        if r[i_sw] is not None and r[i_sw] <= as_of and sta is not None and sta > as_of:
            found.add((no, "orange", "statutory"))
        if r[i_pw] is not None and r[i_pw] <= as_of and pro is not None and pro > as_of:
            found.add((no, "yellow", "promised"))
    return found


def pend(url: str, n: int, seed: int) -> list[int]:
    """Queue ``n`` random cases as written since the last scan (what ``n`` actions between
    two scans leave behind in ``scan_queue``); their ids."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        top = int(conn.execute(text("SELECT max(id) FROM cases")).scalar_one())
        ids = random.Random(seed).sample(range(1, top + 1), n)
        conn.execute(
            text("INSERT INTO scan_queue (case_id) VALUES (:id)"), [{"id": i} for i in ids]
        )
    engine.dispose()
    return ids


def pending(url: str) -> int:
    """Rows left in the scan queue."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = int(conn.execute(text("SELECT count(*) FROM scan_queue")).scalar_one())
    engine.dispose()
    return found


def clear_alerts(url: str) -> None:
    """Empty alerts and the scan ledger between timed first runs (not timed)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DELETE FROM alerts"))
        conn.execute(text("DELETE FROM scan_runs"))
        if engine.dialect.name == "postgresql":
            conn.execute(text("VACUUM ANALYZE alerts"))
    engine.dispose()

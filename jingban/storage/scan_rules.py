"""The scan's rules: which stored column makes a case yellow, orange or red, as SQL.

Each rule is a range over one indexed column (a due, or a warning instant stored on the case)
for the cases whose clock runs; partial indexes (migrations 0003, 0006) cover exactly those
cases.
Also the few helpers that bind the rules' parameters for either driver (times through
`jingban.storage.timecodec`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Connection

from jingban.engine.levels import (
    DUE_COLUMNS,
    DUE_KIND_LABELS,
    LEVEL_LABELS,
    LEVELS,
    AlertRule,
)
from jingban.engine.levels import RULES as ALERT_RULES
from jingban.workflows.vocabulary import FINAL_STATES, sql_state_list

__all__ = ["DUE_COLUMNS", "DUE_KIND_LABELS", "LEVELS", "LEVEL_LABELS", "RULES", "TERMINAL", "Rule"]

TERMINAL = sql_state_list(FINAL_STATES)


THRESHOLD_INDEXES = {
    "accept_due": "ix_cases_open_accept_due",
    "promised_due": "ix_cases_open_promised_due",
    "statutory_due": "ix_cases_open_statutory_due",
    "stage_due": "ix_cases_open_stage_due",
    "promised_warn_at": "ix_cases_open_promised_warn",
    "statutory_warn_at": "ix_cases_open_statutory_warn",
    "delivery_due": "ix_cases_delivery_due",
}
# The queued cases, as a condition on a column: PostgreSQL gets the ids read (its planner then
# probes them by key; over the queue table, whose size it cannot know between analyses, it
# chose to scan each rule's range instead); SQLite reads the queue under the scan's write lock.
QUEUED = {
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
        return DUE_COLUMNS[self.due_kind]

    @property
    def index(self) -> str:
        """The partial index over the threshold (migration 0003), named to SQLite, whose
        planner may otherwise prefer the state index while the table has no statistics."""
        return THRESHOLD_INDEXES[self.threshold]

    def source(self, dialect: str) -> str:
        """The FROM target: ``cases``, on SQLite through the rule's index."""
        return f"cases INDEXED BY {self.index}" if dialect == "sqlite" else "cases"


def _rule(rule: AlertRule) -> Rule:
    # ``running`` is stored true exactly in the running states (0006_running_flag).
    return Rule(rule.level, rule.due_kind, rule.sql_condition("running"), rule.threshold)


RULES: tuple[Rule, ...] = tuple(_rule(rule) for rule in ALERT_RULES)
"""The scan's rules as SQL, generated from `jingban.engine.levels.RULES` (the rules the
console evaluates in Python), in the same order."""


# A hit: (rule index, alert id or None, case number, region, office, due as the driver
# returned it).
Hit = tuple[int, int | None, str, str, str | None, dt.datetime | str]
HIT_COLUMNS = "id, case_no, region, office"
NAMED = re.compile(r"(?<![:\w]):(\w+)")


def driver_sql(conn: Connection, sql: str) -> str:
    """``:name`` parameters in the driver's style (sqlite3 takes them as they are)."""
    return sql if conn.dialect.name == "sqlite" else NAMED.sub(r"%(\1)s", sql)

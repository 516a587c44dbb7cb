"""The hot path of an action in driver SQL, per backend.

SQLAlchemy Core costs tens of microseconds per statement in Python; an action is a read, an
update and an insert, so the stores run these three through the pool's DBAPI connection with
prepared SQL. SQLite: one ``BEGIN IMMEDIATE`` transaction. PostgreSQL: two round trips in
autocommit mode — the read, then one statement whose CTE updates the case only at the version
read and inserts the audit row only if that update happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from jingban.storage._case_rows import COLUMN_FIELDS
from jingban.storage.timecodec import aware, sqlite_time

AUDIT_COLUMNS = (
    "case_no",
    "seq",
    "at",
    "recorded_at",
    "actor",
    "role",
    "action",
    "from_state",
    "to_state",
    "reason",
    "payload",
    "refused",
    "backdated",
    "prev_hash",
    "hash",
    "format",
    "digest",
)
# Values a compact record may leave NULL, typed where PostgreSQL reads them from a SELECT
# list (an untyped NULL there is text, which no time or byte column takes).
_AUDIT_CASTS = {"recorded_at": "timestamptz", "digest": "bytea"}
# A refused attempt's row (0012_audit_refusals): ``refusal_no`` second, as the PostgreSQL
# statement fills it from the count it takes.
REFUSAL_COLUMNS = (
    "case_no",
    "refusal_no",
    "after_seq",
    "after_hash",
    "at",
    "recorded_at",
    "actor",
    "role",
    "action",
    "from_state",
    "to_state",
    "reason",
    "payload",
    "backdated",
    "hash",
    "format",
)
# What an action may change, and what it reads; the query hash is written on opening, and
# again only when the code is reissued (`CaseStore.act`'s extra column).
CASE_WRITE_COLUMNS = (*COLUMN_FIELDS, "running", "data", "audit_seq", "audit_head")
# The keyed hash of the identity number is read for the reissue check (`CaseStore.act`).
CASE_READ_COLUMNS = ("id", *CASE_WRITE_COLUMNS, "applicant_id_hash")
CASE_INSERT_COLUMNS = (
    *COLUMN_FIELDS,
    "running",
    "query_hash",
    "applicant_id_hash",
    "applicant_id_cipher",
    "data",
    "audit_seq",
    "audit_head",
)
TIME_COLUMNS = frozenset(
    {
        "received_at",
        "accepted_at",
        "completed_at",
        "accept_due",
        "promised_due",
        "statutory_due",
        "stage_due",
        "promised_warn_at",
        "statutory_warn_at",
        "delivery_due",
        "at",
        "recorded_at",
    }
)


class FastSQL:
    """Prepared statements and value conversion for one backend ("sqlite" or "postgresql")."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        mark = "?" if dialect == "sqlite" else "%s"
        self._mark = mark
        self._updates: dict[tuple[str, ...], str] = {}
        marks = ", ".join([mark] * len(CASE_INSERT_COLUMNS))
        # The calendar version comes with the case row (same statement, same snapshot): an
        # action decided on calendars of an older version reloads them first.
        self.select_case = (
            f"SELECT {', '.join(CASE_READ_COLUMNS)}, "
            "(SELECT version FROM calendar_state WHERE id = 1) "
            f"FROM cases WHERE case_no = {mark}"
        )
        self.calendar_version = "SELECT version FROM calendar_state WHERE id = 1"
        audit_cols = ", ".join(AUDIT_COLUMNS)
        audit_marks = ", ".join([mark] * len(AUDIT_COLUMNS))
        # The audit row as the SELECT list of an INSERT … SELECT (PostgreSQL's statements).
        self._audit_selected = ", ".join(
            f"{mark}::{_AUDIT_CASTS[c]}" if c in _AUDIT_CASTS else mark for c in AUDIT_COLUMNS
        )
        self.insert_case = f"INSERT INTO cases ({', '.join(CASE_INSERT_COLUMNS)}) VALUES ({marks})"
        self.insert_audit = f"INSERT INTO audit_events ({audit_cols}) VALUES ({audit_marks})"
        # A case's audit trail in order (`case_reader`, which reads a case without the engine).
        self.select_events = (
            f"SELECT {audit_cols} FROM audit_events WHERE case_no = {mark} ORDER BY seq"
        )
        # Its refused attempts kept outside the chain, in their order (0012_audit_refusals).
        self.select_refusals = (
            f"SELECT {', '.join(REFUSAL_COLUMNS)} FROM audit_refusals WHERE case_no = {mark} "
            "ORDER BY refusal_no, id"
        )
        # Every write of a case queues it for the next deadline scan (0005_scan_queue).
        self.queue_case = f"INSERT INTO scan_queue (case_id) VALUES ({mark})"
        # A refused attempt: numbered by one upsert of its case's count (concurrent refusals
        # of one case queue on that row, none fails), then stored outside the chain; the
        # case row is not touched (0012_audit_refusals).
        self.number_refusal = (
            f"INSERT INTO audit_refusal_counts (case_no, last_no) VALUES ({mark}, 1) "
            "ON CONFLICT (case_no) DO UPDATE SET last_no = audit_refusal_counts.last_no + 1 "
            "RETURNING last_no"
        )
        refusal_cols = ", ".join(REFUSAL_COLUMNS)
        self.insert_refusal = (
            f"INSERT INTO audit_refusals ({refusal_cols}) "
            f"VALUES ({', '.join([mark] * len(REFUSAL_COLUMNS))})"
        )
        # PostgreSQL: both in one statement (one round trip, atomic).
        rest = ", ".join([mark] * (len(REFUSAL_COLUMNS) - 2))
        self.number_and_insert_refusal = (
            f"WITH numbered AS ({self.number_refusal}) "
            f"INSERT INTO audit_refusals ({refusal_cols}) "
            f"SELECT {mark}, last_no, {rest} FROM numbered RETURNING refusal_no"
        )
        # PostgreSQL: write the case, queue it and insert the audit row in one statement
        # (one round trip, atomic); nothing is queued or audited when the write matched no row.
        self.insert_case_and_audit = (
            f"WITH opened AS ({self.insert_case} RETURNING id), "
            "queued AS (INSERT INTO scan_queue (case_id) SELECT id FROM opened) "
            f"INSERT INTO audit_events ({audit_cols}) SELECT {self._audit_selected} FROM opened "
            "RETURNING id"
        )
        self.next_sequence = (
            "INSERT INTO case_counters (region, day, last_seq) VALUES "
            f"({mark}, {mark}, 1) ON CONFLICT (region, day) DO UPDATE "
            "SET last_seq = case_counters.last_seq + 1 RETURNING last_seq, "
            "(SELECT version FROM calendar_state WHERE id = 1)"
        )

    def changed_update(self, columns: tuple[str, ...]) -> str:
        """The UPDATE (PostgreSQL: UPDATE + audit INSERT) setting only ``columns``: SQLite
        rewrites every index of a column named in SET, so unchanged ones are left out."""
        found = self._updates.get(columns)
        if found is None:
            mark = self._mark
            sets = ", ".join(f"{c} = {mark}" for c in columns)
            found = (
                f"UPDATE cases SET {sets} WHERE id = {mark} AND version = {mark} "
                f"AND audit_seq = {mark}"
            )
            if self.dialect == "postgresql":
                found = (
                    f"WITH moved AS ({found} RETURNING id), "
                    "queued AS (INSERT INTO scan_queue (case_id) SELECT id FROM moved) "
                    f"INSERT INTO audit_events ({', '.join(AUDIT_COLUMNS)}) "
                    f"SELECT {self._audit_selected} FROM moved RETURNING id"
                )
            self._updates[columns] = found
        return found

    def effect_insert(
        self,
        table: str,
        columns: tuple[str, ...],
        key: tuple[str, ...] = (),
        add: tuple[str, ...] = (),
    ) -> str:
        """SQLite: the INSERT of one effect row (`jingban.storage.action_effects`); with
        ``key``, replacing the row of the same key (adding to its ``add`` columns)."""
        marks = ", ".join([self._mark] * len(columns))
        upsert = _upsert(table, columns, key, add)
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}){upsert}"

    def with_effects(
        self,
        statement: str,
        source: str,
        shapes: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...],
    ) -> str:
        """PostgreSQL: ``statement`` (``WITH source AS (…), … INSERT INTO audit_events …``)
        with one more part per effect row, each inserting only when ``source`` returned a
        row. ``shapes`` are (table, key, add, columns) per row (``key``: see `effect_insert`);
        their parameters come after the statement's own before the audit record's (the parts
        precede its INSERT)."""
        if not shapes:
            return statement
        mark = self._mark
        head, sep, tail = statement.partition(" INSERT INTO audit_events ")
        if not sep:
            raise ValueError("not an action statement")
        parts = [
            f"effect{i} AS (INSERT INTO {table} ({', '.join(cols)}) "
            f"SELECT {', '.join([mark] * len(cols))} FROM {source}"
            f"{_upsert(table, cols, key, add)})"
            for i, (table, key, add, cols) in enumerate(shapes)
        ]
        return f"{head}, {', '.join(parts)}{sep}{tail}"

    def effect_params(self, values: Mapping[str, object]) -> list[object]:
        """An effect row's values as the driver binds them, in their mapping's order."""
        return self._params(tuple(values), values)

    def to_db(self, name: str, value: object) -> object:
        """A Python value as the driver should bind it."""
        if value is None or self.dialect != "sqlite":
            return value
        if isinstance(value, dt.datetime):
            return sqlite_time(value)
        if isinstance(value, dt.date) and name == "day":
            return value.isoformat()
        return value

    def _params(self, columns: tuple[str, ...], values: Mapping[str, object]) -> list[object]:
        if self.dialect != "sqlite":
            return [values[c] for c in columns]
        params = [values[c] for c in columns]
        for i, value in enumerate(params):
            if isinstance(value, dt.datetime):
                params[i] = sqlite_time(value)
        return params

    def case_params(self, values: Mapping[str, object]) -> list[object]:
        """Parameters of `insert_case` (``values`` with query_hash, audit_seq, audit_head)."""
        return self._params(CASE_INSERT_COLUMNS, values)

    def changed_params(
        self, columns: tuple[str, ...], values: Mapping[str, object]
    ) -> list[object]:
        return self._params(columns, values)

    def audit_params(self, values: Mapping[str, object]) -> list[object]:
        return self._params(AUDIT_COLUMNS, values)

    def refusal_params(self, values: Mapping[str, object]) -> list[object]:
        """Parameters of `insert_refusal` (``values`` of `refusal_values`)."""
        return self._params(REFUSAL_COLUMNS, values)

    def case_mapping(self, row: Sequence[object]) -> dict[str, Any]:
        m = read_mapping(row[:-1])
        m["calendar_version"] = row[-1]
        return m

    def event_mapping(self, row: Sequence[object]) -> dict[str, Any]:
        """A row of `select_events` as a mapping of column name → value, times aware."""
        return _aware_times(dict(zip(AUDIT_COLUMNS, row, strict=True)))

    def refusal_mapping(self, row: Sequence[object]) -> dict[str, Any]:
        """A row of `select_refusals` as a mapping of column name → value, times aware."""
        return _aware_times(dict(zip(REFUSAL_COLUMNS, row, strict=True)))


def read_mapping(row: Sequence[object]) -> dict[str, Any]:
    """A row of `CASE_READ_COLUMNS` (a list's rows, `case_search.LIST_COLUMNS`) as a mapping
    of column name → value, times aware."""
    m = dict(zip(CASE_READ_COLUMNS, row, strict=True))
    for name in _READ_TIMES:
        value = m[name]
        if isinstance(value, dt.datetime | str):  # None stays None
            m[name] = aware(value)
    m["provisional"] = bool(m["provisional"])
    return m


def _aware_times(m: dict[str, Any]) -> dict[str, Any]:
    """``m`` with its record times (``at``, ``recorded_at``) read as aware UTC times."""
    for name in ("at", "recorded_at"):
        value = m[name]
        if isinstance(value, dt.datetime | str):
            m[name] = aware(value)
    return m


_READ_TIMES = tuple(c for c in CASE_READ_COLUMNS if c in TIME_COLUMNS)


def _upsert(
    table: str, columns: tuple[str, ...], key: tuple[str, ...], add: tuple[str, ...] = ()
) -> str:
    """The ON CONFLICT clause that makes an insert replace the row of the same ``key``, or
    add to its ``add`` columns."""
    if not key:
        return ""
    rest = [c for c in columns if c not in key]
    sets = ", ".join(
        f"{c} = {table}.{c} + excluded.{c}" if c in add else f"{c} = excluded.{c}" for c in rest
    )
    return f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"

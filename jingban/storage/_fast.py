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
        self.select_case = (
            f"SELECT {', '.join(CASE_READ_COLUMNS)} FROM cases WHERE case_no = {mark}"
        )
        audit_cols = ", ".join(AUDIT_COLUMNS)
        audit_marks = ", ".join([mark] * len(AUDIT_COLUMNS))
        self.insert_case = f"INSERT INTO cases ({', '.join(CASE_INSERT_COLUMNS)}) VALUES ({marks})"
        self.insert_audit = f"INSERT INTO audit_events ({audit_cols}) VALUES ({audit_marks})"
        self.move_head = (
            f"UPDATE cases SET audit_seq = {mark}, audit_head = {mark} "
            f"WHERE id = {mark} AND audit_seq = {mark}"
        )
        # Every write of a case queues it for the next deadline scan (0005_scan_queue).
        self.queue_case = f"INSERT INTO scan_queue (case_id) VALUES ({mark})"
        self.refusal_and_audit = (
            f"WITH moved AS ({self.move_head} RETURNING id) "
            f"INSERT INTO audit_events ({audit_cols}) SELECT {audit_marks} FROM moved "
            "RETURNING id"
        )
        # PostgreSQL: write the case, queue it and insert the audit row in one statement
        # (one round trip, atomic); nothing is queued or audited when the write matched no row.
        self.insert_case_and_audit = (
            f"WITH opened AS ({self.insert_case} RETURNING id), "
            "queued AS (INSERT INTO scan_queue (case_id) SELECT id FROM opened) "
            f"INSERT INTO audit_events ({audit_cols}) SELECT {audit_marks} FROM opened "
            "RETURNING id"
        )
        self.next_sequence = (
            "INSERT INTO case_counters (region, day, last_seq) VALUES "
            f"({mark}, {mark}, 1) ON CONFLICT (region, day) DO UPDATE "
            "SET last_seq = case_counters.last_seq + 1 RETURNING last_seq"
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
                    f"SELECT {', '.join([mark] * len(AUDIT_COLUMNS))} FROM moved RETURNING id"
                )
            self._updates[columns] = found
        return found

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

    def case_mapping(self, row: Sequence[object]) -> dict[str, Any]:
        m = dict(zip(CASE_READ_COLUMNS, row, strict=True))
        for name in _READ_TIMES:
            value = m[name]
            if isinstance(value, dt.datetime | str):  # None stays None
                m[name] = aware(value)
        m["provisional"] = bool(m["provisional"])
        return m


_READ_TIMES = tuple(c for c in CASE_READ_COLUMNS if c in TIME_COLUMNS)

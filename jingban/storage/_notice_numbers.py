"""Notice numbers (文号) without gaps, taken in the transaction of the action that issues them.

An action whose declaration prints a notice (`jingban.workflows.actions.Notice`) gets the next
number of its series — region, office short name, notice code, Beijing year of the action —
from ``notice_counters`` in the same transaction that writes the case and its audit record.
The number is formatted in the region's 文号 style (`jingban.calendar.offices`) and kept in
the audit payload as ``notice_no``, so a reprint shows the number the applicant was given.
A refused attempt takes no number; an action that rolls back (a conflict, an error) gives
its number back with the rollback. The counter row stays locked until the action commits,
so two concurrent actions of one series are numbered one after the other, never alike.

On SQLite the number is drawn by one upsert inside the action's ``BEGIN IMMEDIATE``. On
PostgreSQL, whose action statements run in autocommit, a numbered action is one explicit
transaction of two round trips after its read: the first opens it and locks the series' row
(created at 0 when the series is new), the second is the action's own write, which adds one
to the counter only when the case row matched, followed by COMMIT in the same pipeline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine.interfaces import DBAPICursor

from jingban.calendar import BEIJING, region_profile
from jingban.calendar.offices import format_notice_number
from jingban.engine import AuditEvent, Case
from jingban.storage.action_effects import EffectRow
from jingban.workflows.actions import ACTIONS

#: The audit payload key of an issued notice's number.
NOTICE_NO = "notice_no"


@dataclass(frozen=True, slots=True)
class Series:
    """One numbering series and the region's format of its numbers."""

    region: str
    office_short: str
    kind: str
    year: int
    fmt: str

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.region, self.office_short, self.kind, self.year)

    def number(self, seq: int) -> str:
        return format_notice_number(
            self.fmt, office_short=self.office_short, year=self.year, kind=self.kind, seq=seq
        )


def series_of(case: Case, event: AuditEvent) -> Series | None:
    """The series the notice of ``event`` is numbered in, or None when its action prints no
    notice (or the event is a refusal)."""
    spec = ACTIONS.get(event.action)
    if event.refused or spec is None or spec.notice is None:
        return None
    region = region_profile(case.region)
    office = region.office(case.office)
    year = event.at.astimezone(BEIJING).year
    return Series(case.region, office.short, spec.notice.code, year, region.notice_number)


def numbered(event: AuditEvent, number: str) -> AuditEvent:
    """``event`` with ``number`` in its payload (before it is chained and hashed)."""
    return dataclasses.replace(event, payload={**event.payload, NOTICE_NO: number})


#: The unique key of a series' counter row.
_KEY = ("region", "office_short", "kind", "year")

#: psycopg's ``TransactionStatus`` of a connection inside a transaction (INTRANS) or in a
#: failed one (INERROR): the states a ROLLBACK ends.
_IN_TRANSACTION = (2, 3)


class NoticeCounters:
    """The ``notice_counters`` statements of one backend ("sqlite" or "postgresql")."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        mark = "?" if dialect == "sqlite" else "%s"
        where = " AND ".join(f"{c} = {mark}" for c in _KEY)
        self.next_seq = (
            "INSERT INTO notice_counters (region, office_short, kind, year, last_seq) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}, 1) "
            "ON CONFLICT (region, office_short, kind, year) DO UPDATE "
            "SET last_seq = notice_counters.last_seq + 1 RETURNING last_seq"
        )
        # PostgreSQL: the series' row made to exist, then locked and read.
        self.ensure = (
            "INSERT INTO notice_counters (region, office_short, kind, year, last_seq) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}, 0) "
            "ON CONFLICT (region, office_short, kind, year) DO NOTHING"
        )
        self.lock = f"SELECT last_seq FROM notice_counters WHERE {where} FOR UPDATE"

    def take(self, cur: DBAPICursor, series: Series) -> str:
        """The next number of ``series``, counted inside the cursor's open transaction."""
        cur.execute(self.next_seq, series.key)
        row = cur.fetchone()
        if row is None:  # the upsert always returns the row
            raise RuntimeError("notice numbering returned no row")
        return series.number(int(row[0]))

    @contextmanager
    def numbering(self, cur: DBAPICursor, series: Series) -> Iterator[tuple[str, EffectRow | None]]:
        """The next number of ``series`` for the action written in the block, and on
        PostgreSQL the counter's increment as one more row of that write.

        SQLite: counted by `take` in the open ``BEGIN IMMEDIATE``; the row is None.
        PostgreSQL: BEGIN, and the series' row locked and read (one round trip); the write
        must add the row (an upsert adding one to ``last_seq``) and end the transaction
        with COMMIT (`CaseStore._store` pipelines both). On any error, or when the block
        ends with the transaction still open, it is rolled back: nothing is counted."""
        if self.dialect == "sqlite":
            yield self.take(cur, series), None
            return
        conn = cur.connection
        try:
            with conn.pipeline():
                cur.execute("BEGIN")
                cur.execute(self.ensure, series.key)
                cur.execute(self.lock, series.key)
                row = cur.fetchone()
            if row is None:  # the row was made to exist in this transaction
                raise RuntimeError("notice numbering found no counter row")
            counted = EffectRow(
                "notice_counters",
                dict(zip(_KEY, series.key, strict=True), last_seq=1),
                key=_KEY,
                add=("last_seq",),
            )
            yield series.number(int(row[0]) + 1), counted
        finally:
            if conn.info.transaction_status in _IN_TRANSACTION:
                cur.execute("ROLLBACK")

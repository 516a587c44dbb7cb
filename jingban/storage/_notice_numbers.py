"""Notice numbers (文号) without gaps, taken in the transaction of the action that issues them.

An action whose declaration prints a notice (`jingban.workflows.actions.Notice`) gets the next
number of its series — region, office short name, notice code, Beijing year of the action —
from ``notice_counters`` in the same transaction that writes the case and its audit record.
The number is formatted in the region's 文号 style (`jingban.calendar.offices`) and kept in
the audit payload as ``notice_no``, so a reprint shows the number the applicant was given.
A refused attempt takes no number; an action that rolls back (a conflict, an error) gives
its number back with the rollback. The counter row stays locked until the action commits,
so two concurrent actions of one series are numbered one after the other, never alike.
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


class NoticeCounters:
    """The ``notice_counters`` statements of one backend ("sqlite" or "postgresql")."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        mark = "?" if dialect == "sqlite" else "%s"
        self.next_seq = (
            "INSERT INTO notice_counters (region, office_short, kind, year, last_seq) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}, 1) "
            "ON CONFLICT (region, office_short, kind, year) DO UPDATE "
            "SET last_seq = notice_counters.last_seq + 1 RETURNING last_seq"
        )

    def take(self, cur: DBAPICursor, series: Series) -> str:
        """The next number of ``series``, counted inside the cursor's open transaction."""
        cur.execute(self.next_seq, series.key)
        row = cur.fetchone()
        if row is None:  # the upsert always returns the row
            raise RuntimeError("notice numbering returned no row")
        return series.number(int(row[0]))

    @contextmanager
    def transaction(self, cur: DBAPICursor) -> Iterator[None]:
        """On PostgreSQL (whose action cursors run in autocommit) an explicit transaction
        around the number and the action's write, rolled back on any error; on SQLite the
        action already runs in ``BEGIN IMMEDIATE``, so nothing is added."""
        if self.dialect == "sqlite":
            yield
            return
        cur.execute("BEGIN")
        try:
            yield
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

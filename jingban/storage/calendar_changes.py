"""The calendar's version and its change log (0011_calendar_version).

Every notice import and every closure added or removed calls `record_change` inside its own
write transaction: the version in ``calendar_state`` goes up by one and a
``calendar_changes`` row records what changed, who changed it, when and why. That row is
also the recalculation the change owes the open cases in its scope: `finish_pending` works
through them in batches of case ids, saving ``last_case_id`` after each batch, and sets
``finished_at`` when none is left. A process killed half-way leaves the row unfinished, and
whichever process runs `finish_pending` next resumes after the last case saved. Recomputing
a case whose dues already follow the current calendar changes nothing, so a batch done twice
(killed after its cases, before its progress) costs time, never a wrong due.
"""

from __future__ import annotations

import builtins
import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, func, insert, select, update

from jingban.engine.model import TERMINAL_STATES
from jingban.errors import Conflict
from jingban.storage.database import Database
from jingban.storage.models import CALENDAR_CHANGES, CALENDAR_STATE, CASES

#: What a change row's ``kind`` says, in the operator's words.
KIND_LABELS = {
    "import": "导入节假日安排",
    "replace": "替换节假日安排",
    "override": "替换内置的官方节假日安排",
    "close": "登记闭馆",
    "reopen": "撤销闭馆",
}

DEFAULT_BATCH = 200


@dataclass(frozen=True)
class CalendarChange:
    """One recorded calendar change and the state of the recalculation it owes."""

    id: int
    version: int
    kind: str
    region: str | None
    office: str | None
    year: int | None
    detail: str
    reason: str
    actor: str
    at: dt.datetime
    last_case_id: int
    recalculated: int
    finished_at: dt.datetime | None

    @property
    def pending(self) -> bool:
        return self.finished_at is None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "version": self.version,
            "kind": self.kind,
            "region": self.region,
            "office": self.office,
            "year": self.year,
            "detail": self.detail,
            "reason": self.reason,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "last_case_id": self.last_case_id,
            "recalculated": self.recalculated,
            "finished_at": None if self.finished_at is None else self.finished_at.isoformat(),
            "pending": self.pending,
        }


def current_version(conn: Connection) -> int:
    """The calendar version the database holds (1 before any change)."""
    found = conn.execute(select(CALENDAR_STATE.c.version).where(CALENDAR_STATE.c.id == 1))
    return int(found.scalar_one_or_none() or 1)


def record_change(
    conn: Connection,
    *,
    kind: str,
    detail: str,
    actor: str,
    now: dt.datetime,
    region: str | None = None,
    office: str | None = None,
    year: int | None = None,
    reason: str = "",
) -> int:
    """Raise the calendar version and record the change, in ``conn``'s transaction (the one
    that makes the change); returns the new version. The update takes the version row's
    lock, so concurrent changes get consecutive versions in commit order."""
    state = CALENDAR_STATE.c
    moved = conn.execute(
        update(CALENDAR_STATE).where(state.id == 1).values(version=state.version + 1)
    )
    if moved.rowcount == 0:  # a database created before the row existed
        conn.execute(insert(CALENDAR_STATE).values(id=1, version=2))
    version = current_version(conn)
    conn.execute(
        insert(CALENDAR_CHANGES).values(
            version=version,
            kind=kind,
            region=region,
            office=office or None,
            year=year,
            detail=detail[:500],
            reason=reason[:500],
            actor=actor[:100],
            at=now,
        )
    )
    return version


def changes(db: Database, *, pending_only: bool = False) -> builtins.list[CalendarChange]:
    """Recorded calendar changes, oldest first (only unfinished ones with ``pending_only``)."""
    query = select(CALENDAR_CHANGES).order_by(CALENDAR_CHANGES.c.id)
    if pending_only:
        query = query.where(CALENDAR_CHANGES.c.finished_at.is_(None))
    with db.engine.connect() as conn:
        return [CalendarChange(**row._mapping) for row in conn.execute(query)]


class _Recalculating(Protocol):
    """What `finish_pending` needs of the case store (`CaseStore`)."""

    def recalculate_case(self, case_no: str, now: dt.datetime, reason: str) -> bool: ...


@dataclass(frozen=True)
class Finished:
    """One change whose recalculation this run finished: the cases whose dues moved."""

    change: CalendarChange
    changed: builtins.list[str]


def finish_pending(
    db: Database,
    cases: _Recalculating,
    *,
    now: dt.datetime,
    batch: int = DEFAULT_BATCH,
) -> builtins.list[Finished]:
    """Finish the recalculation of every unfinished change, oldest first, resuming each
    after its ``last_case_id``; returns what this run finished. A case another writer
    changed meanwhile is retried once; a case still conflicting is left as it is (that
    writer's action computed its dues from the current calendar already)."""
    done = []
    for change in changes(db, pending_only=True):
        done.append(Finished(change, _finish(db, cases, change, now, batch)))
    return done


def _finish(
    db: Database,
    cases: _Recalculating,
    change: CalendarChange,
    now: dt.datetime,
    batch: int,
) -> builtins.list[str]:
    c = CASES.c
    query = select(c.id, c.case_no).where(c.state.not_in(TERMINAL_STATES))
    if change.region is not None:
        query = query.where(c.region == change.region)
    if change.office is not None:
        query = query.where(c.office == change.office)
    changed: builtins.list[str] = []
    after = change.last_case_id
    row = CALENDAR_CHANGES.c
    while True:
        with db.engine.connect() as conn:
            found = conn.execute(query.where(c.id > after).order_by(c.id).limit(batch)).all()
        moved = 0
        for _, number in found:
            for _attempt in range(2):
                try:
                    if cases.recalculate_case(number, now, change.detail):
                        changed.append(number)
                        moved += 1
                    break
                except Conflict:
                    continue
        with db.write() as conn:
            if found:
                after = int(found[-1][0])
                conn.execute(
                    update(CALENDAR_CHANGES)
                    .where(row.id == change.id)
                    .values(
                        last_case_id=func.max(row.last_case_id, after)
                        if db.engine.dialect.name == "sqlite"
                        else func.greatest(row.last_case_id, after),
                        recalculated=row.recalculated + moved,
                    )
                )
            if len(found) < batch:
                conn.execute(
                    update(CALENDAR_CHANGES)
                    .where(row.id == change.id, row.finished_at.is_(None))
                    .values(finished_at=now)
                )
                return changed

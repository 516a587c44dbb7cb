"""Cases in the database: one action is one transaction, with optimistic locking.

An action loads the case, lets the engine decide, then updates the case row only if its
version is still the one read (``WHERE version = ?``) and appends the hash-chained audit record
in the same transaction: state, due dates and audit row commit together or not at all. Of
concurrent actions on one case exactly one wins; the others get `Conflict`. A refused attempt
(the engine says `NotAllowed`) is recorded in the audit trail too, marked refused, without
changing the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jingban.calendar import BEIJING
from jingban.engine import (
    AuditEvent,
    Case,
    ChainBreak,
    Engine,
    Result,
    format_case_number,
    hash_query_code,
    new_query_code,
    normalise_case_number,
    verify_chain,
)
from jingban.engine.audit import GENESIS
from jingban.engine.params import ActionParams
from jingban.errors import Conflict, NotAllowed, NotFound
from jingban.storage._case_rows import case_from_row, case_values, event_from_row, event_values
from jingban.storage.database import Database
from jingban.storage.models import AuditRow, CaseCounterRow, CaseRow

CASES = CaseRow.__table__
AUDIT = AuditRow.__table__
COUNTERS = CaseCounterRow.__table__
_REFUSAL_RETRIES = 5


class CaseNotFound(NotFound):
    """No case with that number."""


@dataclass(frozen=True, slots=True)
class Opened:
    """A newly registered case and its query code (shown once, stored only as a hash)."""

    case: Case
    query_code: str
    event: AuditEvent


class CaseStore:
    """Reads and changes cases through the engine, one transaction per action."""

    def __init__(self, db: Database, engine: Engine) -> None:
        self.db = db
        self.engine = engine
        dialect = db.engine.dialect.name
        self._upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self._load = select(CASES).where(CASES.c.case_no == bindparam("case_no"))

    # -- opening --------------------------------------------------------------------------

    def _next_sequence(self, conn: Connection, region: str, day: dt.date) -> int:
        statement = (
            self._upsert(COUNTERS)
            .values(region=region, day=day, last_seq=1)
            .on_conflict_do_update(
                index_elements=[COUNTERS.c.region, COUNTERS.c.day],
                set_={"last_seq": COUNTERS.c.last_seq + 1},
            )
            .returning(COUNTERS.c.last_seq)
        )
        return int(conn.execute(statement).scalar_one())

    def open(self, *, now: dt.datetime, region: str, received_at: dt.datetime | None = None,
             **fields: Any) -> Opened:
        """Register an application; the engine validates everything first (`BadInput`,
        `NotAllowed`), and nothing is stored unless it succeeds."""
        received = received_at or now
        query_code = new_query_code()
        with self.db.write() as conn:
            self.engine.catalog.item(region, fields.get("item", ""))  # fail before numbering
            day = received.astimezone(BEIJING).date()
            seq = self._next_sequence(conn, region, day)
            case_no = format_case_number(region, day, seq)
            result = self.engine.open_case(
                case_no=case_no, query_hash=hash_query_code(query_code), region=region,
                received_at=received, now=now, **fields,
            )
            event = result.event.chained(1, GENESIS)
            values = case_values(result.case)
            values.update(audit_seq=1, audit_head=event.hash)
            conn.execute(insert(CASES).values(**values))
            conn.execute(insert(AUDIT).values(**event_values(event)))
        return Opened(result.case, query_code, event)

    # -- reading --------------------------------------------------------------------------

    def _row(self, conn: Connection, case_no: str) -> Any:
        canonical = normalise_case_number(case_no)
        row = conn.execute(self._load, {"case_no": canonical}).first()
        if row is None:
            raise CaseNotFound(f"没有编号为 {canonical} 的办件")
        return row

    def get(self, case_no: str) -> Case:
        """The case; raises `BadCaseNumber` (malformed) or `CaseNotFound`."""
        with self.db.engine.connect() as conn:
            return case_from_row(self._row(conn, case_no))

    def history(self, case_no: str) -> list[AuditEvent]:
        """The case's audit records in order."""
        canonical = normalise_case_number(case_no)
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                select(AUDIT).where(AUDIT.c.case_no == canonical).order_by(AUDIT.c.seq)
            )
            return [event_from_row(r) for r in rows]

    def list(
        self, *, region: str | None = None, state: str | None = None, item: str | None = None,
        office: str | None = None, limit: int = 100, offset: int = 0,
    ) -> list[Case]:
        """Cases, newest first, filtered by region, state, item key and office."""
        query = select(CASES).order_by(CASES.c.id.desc()).limit(limit).offset(offset)
        for column, value in (("region", region), ("state", state), ("item_key", item),
                              ("office", office)):
            if value is not None:
                query = query.where(CASES.c[column] == value)
        with self.db.engine.connect() as conn:
            return [case_from_row(r) for r in conn.execute(query)]

    def count(self) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(CASES)).scalar_one())

    # -- acting ---------------------------------------------------------------------------

    def act(
        self,
        case_no: str,
        action: str,
        *,
        actor: str,
        role: str,
        now: dt.datetime,
        params: ActionParams | None = None,
        expected_version: int | None = None,
    ) -> Result:
        """Take ``action`` on the case in one transaction.

        Raises `Conflict` when the case is not at ``expected_version`` or changed while the
        engine decided; `NotAllowed` (recorded as a refused attempt) or `BadInput` when the
        engine refuses. On any error the stored case is unchanged.
        """
        refused: tuple[Case, NotAllowed] | None = None
        with self.db.write() as conn:
            row = self._row(conn, case_no)
            case = case_from_row(row)
            if expected_version is not None and expected_version != case.version:
                raise Conflict(
                    f"办件 {case.case_no} 已被他人更新 (当前版本 {case.version}，"
                    f"您看到的是版本 {expected_version})，请刷新后重试"
                )
            try:
                result = self.engine.act(case, action, actor=actor, role=role, now=now,
                                         params=params)
            except NotAllowed as exc:
                refused = (case, exc)
            else:
                self._write(conn, row, result)
                return result
        assert refused is not None
        case, error = refused
        self._record_refusal(case, action, actor, role, now, error)
        raise error

    def _write(self, conn: Connection, row: Any, result: Result) -> AuditEvent:
        m = row._mapping
        event = result.event.chained(m["audit_seq"] + 1, m["audit_head"])
        values = case_values(result.case)
        values.update(audit_seq=event.seq, audit_head=event.hash)
        done = conn.execute(
            update(CASES)
            .where(and_(CASES.c.id == m["id"], CASES.c.version == m["version"]))
            .values(**values)
        )
        if done.rowcount != 1:
            raise Conflict(f"办件 {m['case_no']} 刚被他人更新，请刷新后重试")
        conn.execute(insert(AUDIT).values(**event_values(event)))
        return event

    def _record_refusal(self, case: Case, action: str, actor: str, role: str,
                        now: dt.datetime, error: NotAllowed) -> None:
        event = self.engine.refusal(case, action, actor=actor, role=role, now=now, error=error)
        for _ in range(_REFUSAL_RETRIES):
            with self.db.write() as conn:
                row = conn.execute(self._load, {"case_no": case.case_no}).first()
                if row is None:
                    return
                m = row._mapping
                chained = event.chained(m["audit_seq"] + 1, m["audit_head"])
                done = conn.execute(
                    update(CASES)
                    .where(and_(CASES.c.id == m["id"], CASES.c.audit_seq == m["audit_seq"]))
                    .values(audit_seq=chained.seq, audit_head=chained.hash)
                )
                if done.rowcount == 1:
                    conn.execute(insert(AUDIT).values(**event_values(chained)))
                    return

    # -- verifying ------------------------------------------------------------------------

    def verify(self, case_no: str | None = None) -> tuple[int, list[ChainBreak]]:
        """Recompute the hash chain of one case (or of every case); returns the number of
        records checked and the first break of each broken case."""
        breaks: list[ChainBreak] = []
        checked = 0
        with self.db.engine.connect() as conn:
            query = select(CASES.c.case_no, CASES.c.audit_head).order_by(CASES.c.id)
            if case_no is not None:
                query = query.where(CASES.c.case_no == normalise_case_number(case_no))
            heads = list(conn.execute(query))
            if case_no is not None and not heads:
                raise CaseNotFound(f"没有编号为 {normalise_case_number(case_no)} 的办件")
            for number, head in heads:
                events = list(self._events(conn, number))
                checked += len(events)
                found = verify_chain(events, head)
                if found is not None:
                    breaks.append(found)
        return checked, breaks

    def _events(self, conn: Connection, case_no: str) -> Iterator[AuditEvent]:
        rows = conn.execute(select(AUDIT).where(AUDIT.c.case_no == case_no).order_by(AUDIT.c.seq))
        for row in rows:
            yield event_from_row(row)

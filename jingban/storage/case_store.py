"""Cases in the database: one action is one transaction, with optimistic locking.

An action loads the case, lets the engine decide, then updates the case row only if its
version is still the one read (``WHERE version = ?``) and appends the hash-chained audit record
in the same transaction: state, due dates and audit row commit together or not at all. Of
concurrent actions on one case exactly one wins; the others get `Conflict`. A refused attempt
(the engine says `NotAllowed`) is recorded too, outside the case's chain and without touching
the case row (`_append_refusal`), so refusals never make an action conflict and none is lost.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.pool import PoolProxiedConnection

from jingban.calendar import BEIJING
from jingban.engine import (
    AuditEvent,
    Case,
    Engine,
    Result,
    format_case_number,
    hash_query_code,
    new_query_code,
    normalise_case_number,
)
from jingban.engine.audit import GENESIS
from jingban.engine.identity import mask_identity
from jingban.engine.params import ActionParams, checked_instant
from jingban.engine.phone import mask_mobile, normalise_mobile
from jingban.errors import Conflict, DatabaseUnavailable, NotAllowed
from jingban.settings import settings
from jingban.storage._case_attachments import CaseAttachments
from jingban.storage._case_migration import CaseMigrations
from jingban.storage._case_queries import CaseQueries
from jingban.storage._case_rows import (
    CaseNotFound,
    case_from_mapping,
    case_from_row,
    case_values,
    event_values,
    refusal_values,
)
from jingban.storage._fast import CASE_WRITE_COLUMNS, FastSQL
from jingban.storage._notice_numbers import NoticeCounters, numbered, series_of
from jingban.storage._reconnect import checked_out
from jingban.storage.accounts import AccountStore
from jingban.storage.action_effects import ActionEffect, EffectRow, Effects, Written
from jingban.storage.action_log import log_action
from jingban.storage.case_agents import agent_rows
from jingban.storage.database import Database
from jingban.storage.definition_store import DefinitionStore
from jingban.storage.driver_errors import database_error, typed_driver_errors
from jingban.storage.limits import fits, stored_name
from jingban.storage.models import AUDIT, CASES
from jingban.storage.write_gate import held
from jingban.workflows.actions import ACTIONS


def _changed_meanwhile(case_no: str) -> Conflict:
    return Conflict(f"办件 {case_no} 刚被他人更新，请刷新后重试")


@dataclass(frozen=True, slots=True)
class Opened:
    """A newly registered case and its query code (shown once, stored only as a hash)."""

    case: Case
    query_code: str
    event: AuditEvent


@dataclass(frozen=True, slots=True)
class Acted(Result):
    """An action's outcome as stored; ``query_code`` is the new query code when the action
    reissued it (`REISSUE`: shown once, stored only as a hash), else None."""

    query_code: str | None = None


REISSUE = "reissue_code"
"""The action that replaces a case's query code (the engine checks the applicant's identity
number; this store draws the code and writes its hash with the audit record)."""

_NAMES_COLLEAGUE = frozenset(
    key for key, spec in ACTIONS.items() if any(p.kind == "assignee" for p in spec.params)
)
"""Actions whose ``assignee`` names an account the engine checks (改派, 督办)."""


class CaseStore(CaseQueries, CaseMigrations, CaseAttachments):
    """Reads and changes cases through the engine, one transaction per action."""

    def __init__(
        self, db: Database, engine: Engine, definitions: DefinitionStore | None = None
    ) -> None:
        """``engine`` decides; when it finds no stored definitions of its own, the store
        works with a copy of it that reads them from ``definitions`` (by default a
        `DefinitionStore` of ``db``), so every case is decided under its pinned version."""
        self.db = db
        # Accounts a reassignment names, for the engine to check (see `act`).
        self._colleague = AccountStore(db).colleague
        self.definitions = definitions or DefinitionStore(db)
        self.engine = (
            engine
            if engine.definitions is not None
            else engine.with_definitions(self.definitions.item)
        )
        #: Called with the calendar version an action read with its case row (None on a
        #: database without one), before the engine decides: `Services` reloads its
        #: calendars there when another process changed them (see `sync_calendar`).
        self.calendar_sync: Callable[[int | None], None] | None = None
        self.dialect = db.engine.dialect.name
        self.sql = FastSQL(self.dialect)
        #: What every stored action also writes in its own unit (`add_effect`).
        self.effects = Effects(self.sql)
        self.notice_counters = NoticeCounters(self.dialect)
        self._load = select(CASES).where(CASES.c.case_no == bindparam("case_no"))
        # PostgreSQL actions run in autocommit on a pool of their own (two round trips, each
        # statement atomic), so no connection in autocommit ever serves a normal transaction.
        self._fast_engine = db.autocommit_engine() if self.dialect == "postgresql" else db.engine
        self._integrity_error: type[Exception] = db.engine.dialect.loaded_dbapi.IntegrityError
        self._busy_seconds = settings().sqlite_busy_seconds
        # PostgreSQL: an opening that also records its item definition (one statement).
        self._defining_insert = (
            f"WITH defined AS ({self.definitions.insert_sql}), "
            + self.sql.insert_case_and_audit.removeprefix("WITH ")
        )

    def add_effect(self, effect: ActionEffect) -> None:
        """Have every stored action (and registration) also insert the rows ``effect``
        decides, in the same transaction (`jingban.storage.action_effects`)."""
        self.effects.add(effect)

    def sync_calendar(self, version: int | None) -> None:
        """Make the engine's calendars those of ``version``, the calendar version read in
        the current transaction (a no-op without a `calendar_sync`)."""
        if self.calendar_sync is not None:
            self.calendar_sync(version)

    @contextmanager
    def _cursor(
        self, first: str, params: Sequence[object], *, writes: bool
    ) -> Iterator[DBAPICursor]:
        """A DBAPI cursor on which the unit's first statement ``first`` has run with
        ``params`` (its result ready to fetch); on SQLite inside BEGIN IMMEDIATE … COMMIT
        (ROLLBACK on error). On PostgreSQL a connection the server closed (a restart, a
        terminated backend) is replaced without a ping, and a first statement that only
        reads (``writes=False``) is run again once on a fresh connection when the
        connection is lost under it (`jingban.storage._reconnect`). A driver's failure
        (busy, disk full, connection lost) is raised as its typed error
        (`jingban.storage.driver_errors`), nothing committed; a lost connection is not
        returned to the pool."""
        with typed_driver_errors():
            if self.dialect != "sqlite":
                raw, cur = checked_out(self._fast_engine, first, params, writes=writes)
                with _given_back(raw):
                    yield cur
                return
            with held(self.db.write_gate, self._busy_seconds):
                raw = self._fast_engine.raw_connection()
                with _given_back(raw):
                    cur = raw.cursor()
                    cur.execute("BEGIN IMMEDIATE")
                    try:
                        cur.execute(first, params)
                        yield cur
                    except BaseException:
                        # SQLite may have rolled back already (SQLITE_FULL): keep the first
                        # error.
                        if raw.driver_connection.in_transaction:  # type: ignore[union-attr]
                            cur.execute("ROLLBACK")
                        raise
                    cur.execute("COMMIT")

    # -- opening --------------------------------------------------------------------------

    def open(
        self,
        *,
        now: dt.datetime,
        region: str,
        received_at: dt.datetime | None = None,
        **fields: Any,
    ) -> Opened:
        """Register an application; the engine validates everything first (`BadInput`,
        `NotAllowed`), and nothing is stored unless it succeeds (on PostgreSQL a refused
        registration may leave a gap in the day's numbering)."""
        received = checked_instant(received_at or now, "received_at")
        stored_name(CASES.c.office, fields.get("office"), "经办机构")
        stored_name(AUDIT.c.actor, fields.get("actor"), "操作人")
        # The applicant's mobile number is the store's, not the engine's: checked before
        # numbering, stored masked on the case and encrypted by an effect (`Written.phone`).
        phone = fields.pop("phone", None)
        phone = normalise_mobile(phone) if phone is not None and phone.strip() else None
        sms_optout = bool(fields.pop("sms_optout", False))
        query_code = new_query_code(secrets.randbelow)
        sql = self.sql
        self.engine.catalog.item(region, str(fields.get("item", "")))  # fail before numbering
        day = received.astimezone(BEIJING).date()
        # The day's number is taken by an upsert: a write, never sent twice.
        with self._cursor(sql.next_sequence, (region, sql.to_db("day", day)), writes=True) as cur:
            numbered = cur.fetchone()
            if numbered is None:  # the upsert always returns the day's number
                raise RuntimeError("case numbering returned no row")
            seq = int(numbered[0])
            self.sync_calendar(numbered[1])
            case_no = format_case_number(region, day, seq)
            result = self.engine.open_case(
                case_no=case_no, region=region, received_at=received, now=now, **fields
            )
            event = result.event.chained(1, GENESIS)
            number = result.case.applicant_id
            shown = result.case.copy()
            shown.applicant_id = mask_identity(number)
            shown.agent = None if shown.agent is None else shown.agent.masked()
            shown.phone = None if phone is None else mask_mobile(phone)
            shown.sms_optout = sms_optout
            values = case_values(shown)
            cipher = self.cipher
            values.update(
                query_hash=hash_query_code(query_code),
                applicant_id_hash=cipher.hash(number),
                applicant_id_cipher=cipher.encrypt(number, case_no),
                audit_seq=1,
                audit_head=event.hash,
            )
            audit = sql.audit_params(event_values(event))
            defining = self._new_definition(result.case)
            define = [] if defining is None else self.definitions.insert_params(*defining, now)
            effects = self.effects.rows(Written(shown, event, opened=True, phone=phone))
            effects += agent_rows(result.case, case_no, cipher)  # the agent's number, sealed
            if self.dialect == "postgresql":
                statement = sql.insert_case_and_audit
                if defining is not None:
                    statement = self._defining_insert
                statement, effect_params = self.effects.statement(statement, "opened", effects)
                cur.execute(statement, [*define, *sql.case_params(values), *effect_params, *audit])
            else:
                if defining is not None:
                    cur.execute(self.definitions.insert_sql, define)
                cur.execute(sql.insert_case, sql.case_params(values))
                cur.execute(sql.queue_case, (cur.lastrowid,))
                cur.execute(sql.insert_audit, audit)
                self.effects.insert(cur, effects)
        if defining is not None:
            self.definitions.mark_recorded(*defining)
        log_action(event)
        return Opened(shown, query_code, event)

    # -- reading --------------------------------------------------------------------------

    def _row(self, conn: Connection, case_no: str) -> Any:
        canonical = normalise_case_number(case_no)
        row = conn.execute(self._load, {"case_no": canonical}).first()
        if row is None:
            raise CaseNotFound(f"没有编号为 {canonical} 的办件")
        return row

    def get_with_query_hash(self, case_no: str) -> tuple[Case, str]:
        """The case and the stored hash of its query code (查询码), from one read; raises like
        `get`. Only the public progress query needs the hash: the engine's `Case` does not
        carry it, and the code itself is never stored."""
        with self.db.engine.connect() as conn:
            row = self._row(conn, case_no)
        return case_from_row(row), str(row._mapping["query_hash"])

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
        visible_to: Callable[[Case], bool] | None = None,
    ) -> Acted:
        """Take ``action`` on the case in one transaction.

        With ``visible_to``, a case it does not accept is answered as one that does not exist
        (`CaseNotFound`), from the same read the action decides on.

        Raises `Conflict` when the case is not at ``expected_version`` or changed while the
        engine decided; `NotAllowed` (recorded as a refused attempt) or `BadInput` when the
        engine refuses. On any error the stored case is unchanged. An action that prints a
        notice takes its notice number (``notice_no`` in the audit payload) in the same
        transaction (`jingban.storage._notice_numbers`): only a stored action consumes one.
        `REISSUE` draws a new query code, returned once in `Acted.query_code`: its hash
        replaces the old one in the same write as the audit record, so the old code stops
        working at once.
        """
        canonical = normalise_case_number(case_no)
        stored_name(AUDIT.c.actor, actor, "操作人")
        if params is not None:
            fits(CASES.c.assignee, params.assignee, "承办人")
        sql = self.sql
        if action in _NAMES_COLLEAGUE and params is not None and params.assignee:
            # The engine checks the account a case is handed or sent to; it does no I/O.
            params = replace(params, assignee_account=self._colleague(params.assignee.strip()))
        code = new_query_code(secrets.randbelow) if action == REISSUE else None
        extra: dict[str, object] = {} if code is None else {"query_hash": hash_query_code(code)}
        # The reissue check compares keyed hashes: the stored number is never decrypted.
        typed_hash = (
            self.id_hash(params.id_number)
            if action == REISSUE and params is not None and params.id_number
            else None
        )
        with self._cursor(sql.select_case, (canonical,), writes=False) as cur:
            row = cur.fetchone()
            if row is None:
                raise CaseNotFound(f"没有编号为 {canonical} 的办件")
            m = sql.case_mapping(row)
            self.sync_calendar(m["calendar_version"])
            if typed_hash is not None and params is not None:
                stored = str(m["applicant_id_hash"] or "")
                matches = hmac.compare_digest(typed_hash, stored) and bool(stored)
                params = replace(params, identity_matches=matches)
            case = case_from_mapping(m, compact=False)
            if visible_to is not None and not visible_to(case):
                raise CaseNotFound(f"没有编号为 {canonical} 的办件")
            if expected_version is not None and expected_version != case.version:
                raise Conflict(
                    f"办件 {case.case_no} 已被他人更新 (当前版本 {case.version}，"
                    f"您看到的是版本 {expected_version})，请刷新后重试"
                )
            try:
                result = self.engine.act(
                    case, action, actor=actor, role=role, now=now, params=params
                )
            except NotAllowed as exc:
                refused: NotAllowed | None = exc
                event = self.engine.refusal(
                    case, action, actor=actor, role=role, now=now, error=exc
                )
                self._append_refusal(cur, m, event)
            else:
                refused = None
                series = series_of(case, result.event)
                if series is None:
                    event = self._store(cur, m, result, canonical, extra, case)
                else:  # its notice's number is taken in the same transaction as the write
                    with self.notice_counters.numbering(cur, series) as (number, counted):
                        result = Result(result.case, numbered(result.event, number))
                        event = self._store(cur, m, result, canonical, extra, case, counted)
        log_action(event)
        if refused is not None:
            raise refused
        return Acted(result.case, event, code)

    def _store(
        self,
        cur: DBAPICursor,
        m: dict[str, Any],
        result: Result,
        canonical: str,
        extra: dict[str, object] | None,
        before: Case,
        counted: EffectRow | None = None,
    ) -> AuditEvent:
        """Write the decided case and its audit record, only over the version read;
        ``extra`` columns (a new query hash) are written in the same statement, the
        effects' rows (`add_effect`, told the case ``before`` the action) in the same unit.
        PostgreSQL, with ``counted`` (a notice counter's increment, in the transaction
        `NoticeCounters.numbering` opened): the row is one more part of the statement, and
        COMMIT follows it in the same round trip."""
        sql = self.sql
        event = result.event.chained(m["audit_seq"] + 1, m["audit_head"])
        values = case_values(result.case)
        values.update(audit_seq=event.seq, audit_head=event.hash)
        where = [m["id"], m["version"], m["audit_seq"]]
        audit = sql.audit_params(event_values(event))
        columns = tuple(c for c in CASE_WRITE_COLUMNS if values[c] != m[c])
        if extra:
            values.update(extra)
            columns = (*columns, *extra)
        statement = sql.changed_update(columns)
        params = sql.changed_params(columns, values)
        effects = self.effects.rows(Written(result.case, event, before=before))
        try:
            if self.dialect == "postgresql":
                if counted is not None:
                    effects.append(counted)
                statement, effect_params = self.effects.statement(statement, "moved", effects)
                bound = [*params, *where, *effect_params, *audit]
                if counted is None:
                    cur.execute(statement, bound)
                    written = cur.fetchone()
                else:
                    conn = cur.connection
                    with conn.pipeline():
                        cur.execute(statement, bound)
                        conn.cursor().execute("COMMIT")
                        written = cur.fetchone()
                if written is None:
                    raise _changed_meanwhile(canonical)
            else:
                cur.execute(statement, [*params, *where])
                if cur.rowcount != 1:
                    raise _changed_meanwhile(canonical)
                cur.execute(sql.queue_case, (m["id"],))
                cur.execute(sql.insert_audit, audit)
                self.effects.insert(cur, effects)
        except self._integrity_error:
            raise _changed_meanwhile(canonical) from None
        return event

    def _append_refusal(self, cur: DBAPICursor, m: dict[str, Any], event: AuditEvent) -> None:
        """Record a refused attempt outside the case's chain, placed after the chain record it
        was decided against (the head read in ``m``): the case row is not touched, so it
        never conflicts with an action, and its number comes from one upsert, so concurrent
        refusals queue instead of failing. On SQLite it runs inside the action's transaction;
        on PostgreSQL it is one statement. A database error propagates: a refusal is recorded
        or the request fails, never dropped."""
        sql = self.sql
        placed = event.chained(m["audit_seq"], m["audit_head"])
        values = refusal_values(placed)
        if self.dialect == "postgresql":
            params = sql.refusal_params(values)
            del params[1]  # refusal_no: the statement takes it from the count
            cur.execute(sql.number_and_insert_refusal, [placed.case_no, *params])
            numbered = cur.fetchone()
        else:
            cur.execute(sql.number_refusal, (placed.case_no,))
            numbered = cur.fetchone()
            if numbered is not None:
                values["refusal_no"] = int(numbered[0])
                cur.execute(sql.insert_refusal, sql.refusal_params(values))
        if numbered is None:  # the upsert always returns the number
            raise RuntimeError("refusal numbering returned no row")

    def recalculate_case(self, case_no: str, now: dt.datetime, reason: str) -> bool:
        """Recompute one open case's dues on the calendar the database holds, in one
        transaction with an audit record (``reason``); False when nothing moved (or the
        case is gone). Raises `Conflict` when the case changed meanwhile."""
        with self._cursor(self.sql.select_case, (case_no,), writes=False) as cur:
            row = cur.fetchone()
            if row is None:
                return False
            m = self.sql.case_mapping(row)
            self.sync_calendar(m["calendar_version"])
            before = case_from_mapping(m, compact=False)
            result = self.engine.recalculate(before, now=now, reason=reason)
            if result is None:
                return False
            self._store(cur, m, result, case_no, None, before)
            return True


@contextmanager
def _given_back(raw: PoolProxiedConnection) -> Iterator[None]:
    """Return ``raw`` to its pool after the block; a connection the block found lost is
    invalidated first, so the pool never hands it out again."""
    try:
        yield
    except BaseException as exc:
        if type(database_error(exc)) is DatabaseUnavailable:  # the connection is lost
            raw.invalidate()
        raise
    finally:
        raw.close()

"""The bare baseline of the case-action benchmark: raw ``sqlite3`` / ``psycopg`` doing the
reads and writes jingban's store does, with row values prebuilt from the engine (no engine
work, no JSON, no hashing inside the timing). That includes the rows the store's action
effects write — notice counter, report facts and month tallies, exchange outbox — as
captured from the store itself (`_actions_effects`), on PostgreSQL as parts of the action's
one statement."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from _actions_common import (
    NOW,
    STEPS,
    bare_engine,
    open_in_memory,
)
from _actions_effects import EffectWrite, captured_effects

from jingban.engine import GENESIS, hash_query_code, mask_identity
from jingban.storage._case_rows import case_values, event_values
from jingban.storage.idcrypt import IdCipher
from jingban.storage.models import AUDIT, CASES

# Columns of the bare baseline, from the schema (the tables' definitions, not jingban's store
# code): every column but the key. case_no comes first in both, then seq in the audit row.
CASE_COLUMNS = tuple(c.name for c in CASES.columns if c.name != "id")
AUDIT_COLUMNS = tuple(c.name for c in AUDIT.columns if c.name != "id")
assert CASE_COLUMNS[0] == "case_no" and AUDIT_COLUMNS[:2] == ("case_no", "seq")
_VERSIONING = ("version", "audit_seq", "audit_head")


def bare_value(value: Any, dialect: str) -> Any:
    """A value as the driver binds it: SQLite gets SQLAlchemy's UTC text form for times."""
    if dialect == "sqlite" and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


@dataclass
class BareStep:
    columns: tuple[str, ...]  # changed columns besides version, audit_seq, audit_head
    values: tuple[Any, ...]
    audit_head: str
    audit_rest: tuple[Any, ...]  # audit columns after case_no and seq
    update_sql: str = ""
    effects: list[EffectWrite] = field(default_factory=list)  # SQLite: the store's effect rows


@dataclass
class BareTemplate:
    case_rest: tuple[Any, ...]  # case columns after case_no
    audit_rest: tuple[Any, ...]  # audit columns after case_no and seq (seq is 1)
    steps: list[BareStep] = field(default_factory=list)
    # SQLite: the rows the store's effects write on opening, and the case number they name.
    effects: list[EffectWrite] = field(default_factory=list)
    marker: str = ""


def bare_template(dialect: str) -> BareTemplate:
    """Rows of one case through open and the four actions, decided by the engine once, so
    the baseline writes the same columns with values of the same size."""
    engine = bare_engine()
    opened = open_in_memory(engine, "SC-20261123-00001-B")
    event = opened.event.chained(1, GENESIS)
    number = opened.case.applicant_id
    shown = opened.case.copy()
    shown.applicant_id = mask_identity(number)  # stored masked, as CaseStore.open stores it
    values = case_values(shown)
    cipher = IdCipher(bytes(32))
    values.update(
        query_hash=hash_query_code("BENCH"),
        applicant_id_hash=cipher.hash(number),
        applicant_id_cipher=cipher.encrypt(number, opened.case.case_no),
        audit_seq=1,
        audit_head=event.hash,
    )
    audit = event_values(event)
    template = BareTemplate(
        tuple(bare_value(values[c], dialect) for c in CASE_COLUMNS[1:]),
        tuple(bare_value(audit[c], dialect) for c in AUDIT_COLUMNS[2:]),
    )
    case, seq, head = opened.case, 1, event.hash
    for action, actor, role, params in STEPS:
        result = engine.act(case, action, actor=actor, role=role, now=NOW, params=params)
        event = result.event.chained(seq + 1, head)
        shown = result.case.copy()
        shown.applicant_id = values["applicant_id"]
        new = case_values(shown)
        new.update(
            {c: values[c] for c in ("query_hash", "applicant_id_hash", "applicant_id_cipher")},
            audit_seq=seq + 1,
            audit_head=event.hash,
        )
        changed = tuple(c for c in CASE_COLUMNS if new[c] != values[c] and c not in _VERSIONING)
        audit = event_values(event)
        template.steps.append(
            BareStep(
                changed,
                tuple(bare_value(new[c], dialect) for c in changed),
                event.hash,
                tuple(bare_value(audit[c], dialect) for c in AUDIT_COLUMNS[2:]),
            )
        )
        case, seq, head, values = result.case, seq + 1, event.hash, new
    # The store's effect rows, captured from the store itself (`_actions_effects`).
    template.marker, effects = captured_effects()
    template.effects = effects["open"]
    for (action, *_), step in zip(STEPS, template.steps, strict=True):
        step.effects = effects[action]
    return template


class BareSQL:
    """The baseline's SQL, written here (placeholders ``?`` or ``%s``)."""

    def __init__(self, dialect: str, template: BareTemplate) -> None:
        m = "?" if dialect == "sqlite" else "%s"
        self.dialect = dialect
        self.counter = (
            f"INSERT INTO case_counters (region, day, last_seq) VALUES ({m}, {m}, 1) "
            "ON CONFLICT (region, day) DO UPDATE SET last_seq = case_counters.last_seq + 1 "
            "RETURNING last_seq"
        )
        case_marks = ", ".join([m] * len(CASE_COLUMNS))
        audit_marks = ", ".join([m] * len(AUDIT_COLUMNS))
        insert_case = f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({case_marks})"
        self.insert_audit = (
            f"INSERT INTO audit_events ({', '.join(AUDIT_COLUMNS)}) VALUES ({audit_marks})"
        )
        self.queue = f"INSERT INTO scan_queue (case_id) VALUES ({m})"
        if dialect == "postgresql":
            parts = "".join(
                f", {e.pg_part(f'e{i}', 'opened')}" for i, e in enumerate(template.effects)
            )
            self.insert_case = (
                f"WITH opened AS ({insert_case} RETURNING id), "
                f"queued AS (INSERT INTO scan_queue (case_id) SELECT id FROM opened){parts} "
                f"INSERT INTO audit_events ({', '.join(AUDIT_COLUMNS)}) "
                f"SELECT {audit_marks} FROM opened RETURNING id"
            )
        else:
            self.insert_case = insert_case
        read = ("id", *CASE_COLUMNS)
        self.version_at = read.index("version")
        self.seq_at = read.index("audit_seq")
        self.select = f"SELECT {', '.join(read)} FROM cases WHERE case_no = {m}"
        for step in template.steps:
            sets = ", ".join(f"{c} = {m}" for c in (*step.columns, *_VERSIONING))
            update = f"UPDATE cases SET {sets} WHERE id = {m} AND version = {m} AND audit_seq = {m}"
            if dialect == "postgresql":
                parts = "".join(
                    f", {e.pg_part(f'e{i}', 'moved')}" for i, e in enumerate(step.effects)
                )
                update = (
                    f"WITH moved AS ({update} RETURNING id), "
                    f"queued AS (INSERT INTO scan_queue (case_id) SELECT id FROM moved){parts} "
                    f"INSERT INTO audit_events ({', '.join(AUDIT_COLUMNS)}) "
                    f"SELECT {audit_marks} FROM moved RETURNING id"
                )
            step.update_sql = update


def bare_sqlite_connect(path: str, sync: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    for pragma in ("journal_mode=WAL", f"synchronous={sync}", "busy_timeout=10000"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def bare_open(conn: Any, sql: BareSQL, t: BareTemplate, n: int, prefix: str) -> list[str]:
    cur = conn.cursor()
    numbers = []
    day = "2026-11-23" if sql.dialect == "sqlite" else dt.date(2026, 11, 23)
    if sql.dialect == "sqlite":
        for _ in range(n):
            cur.execute("BEGIN IMMEDIATE")
            cur.execute(sql.counter, (prefix, day))
            number = f"{prefix}{cur.fetchone()[0]:05d}"
            cur.execute(sql.insert_case, (number, *t.case_rest))
            cur.execute(sql.queue, (cur.lastrowid,))
            cur.execute(sql.insert_audit, (number, 1, *t.audit_rest))
            for effect in t.effects:
                cur.execute(effect.sql, effect.params(t.marker, number))
            cur.execute("COMMIT")
            numbers.append(number)
    else:
        for _ in range(n):
            cur.execute(sql.counter, (prefix, day))
            number = f"{prefix}{cur.fetchone()[0]:05d}"
            effects = [v for e in t.effects for v in e.pg_params(t.marker, number)]
            cur.execute(sql.insert_case, (number, *t.case_rest, *effects, number, 1, *t.audit_rest))
            if cur.fetchone() is None:
                raise RuntimeError("bare open inserted nothing")
            numbers.append(number)
    return numbers


def bare_act(conn: Any, sql: BareSQL, step: BareStep, numbers: list[str], marker: str = "") -> None:
    cur = conn.cursor()
    v_at, s_at = sql.version_at, sql.seq_at
    statement = step.update_sql
    if sql.dialect == "sqlite":
        for number in numbers:
            cur.execute("BEGIN IMMEDIATE")
            cur.execute(sql.select, (number,))
            row = cur.fetchone()
            version, seq = row[v_at], row[s_at]
            cur.execute(
                statement,
                (*step.values, version + 1, seq + 1, step.audit_head, row[0], version, seq),
            )
            if cur.rowcount != 1:
                raise RuntimeError("bare update lost the version check")
            cur.execute(sql.queue, (row[0],))
            cur.execute(sql.insert_audit, (number, seq + 1, *step.audit_rest))
            for effect in step.effects:
                cur.execute(effect.sql, effect.params(marker, number))
            cur.execute("COMMIT")
    else:
        for number in numbers:
            cur.execute(sql.select, (number,))
            row = cur.fetchone()
            version, seq = row[v_at], row[s_at]
            cur.execute(
                statement,
                (
                    *step.values,
                    version + 1,
                    seq + 1,
                    step.audit_head,
                    row[0],
                    version,
                    seq,
                    *(v for e in step.effects for v in e.pg_params(marker, number)),
                    number,
                    seq + 1,
                    *step.audit_rest,
                ),
            )
            if cur.fetchone() is None:
                raise RuntimeError("bare update lost the version check")


def bare_cycle(
    conn: Any,
    sql: BareSQL,
    t: BareTemplate,
    n: int,
    prefix: str,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Open ``n`` cases and take each through the four actions; ``clock`` units per phase."""
    phases: dict[str, float] = {}
    t0 = clock()
    numbers = bare_open(conn, sql, t, n, prefix)
    phases["open"] = clock() - t0
    for (action, *_), step in zip(STEPS, t.steps, strict=True):
        t0 = clock()
        bare_act(conn, sql, step, numbers, t.marker)
        phases[action] = clock() - t0
    return phases

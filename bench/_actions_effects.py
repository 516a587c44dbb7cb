"""The rows a jingban action writes besides its case row, audit record and scan-queue entry
— the notice number's counter (文书编号), the case's report facts and month tallies, the
exchange outbox — captured per phase from one case taken through the cycle by the real store
on a scratch SQLite file, so that the bare baseline writes the same rows (same tables, same
keys, values of the same size): the same reads and writes as the store, by hand.

Each captured row becomes one statement written here from the schema: an upsert on the
table's key (the counter and the tallies are updated in place, as the store does) or, for
the outbox, whose key is a serial id, an insert; on PostgreSQL each is a part of the
action's one statement, written only when its case row was (as the store's are). The case
number in the values (the report facts' key, the outbox's case number and payload) is
replaced by the baseline's own.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from typing import Any

from _actions_common import NOW, STEPS, jingban_open
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql

from jingban.services import Services
from jingban.storage import Database
from jingban.storage.models import NOTICE_COUNTERS
from jingban.storage.models_exchange import EXCHANGE_EVENTS
from jingban.storage.models_reports import REPORT_FACTS, REPORT_MONTHS
from jingban.storage.timecodec import aware
from jingban.storage.types import UTCDateTime

EFFECT_TABLES: tuple[Table, ...] = (NOTICE_COUNTERS, REPORT_FACTS, REPORT_MONTHS, EXCHANGE_EVENTS)
_TABLES = {t.name: t for t in EFFECT_TABLES}
_PG = postgresql.dialect()


@dataclass(frozen=True)
class EffectWrite:
    """One row to write: its SQL (``?`` marks), the values with the captured case number,
    and which of them hold that number; for PostgreSQL the same row as a part of the
    action's one statement (`pg_part`) and its values as psycopg binds them."""

    table: str
    sql: str
    values: tuple[Any, ...]
    numbered: tuple[int, ...]
    pg_values: tuple[Any, ...] = ()

    def params(self, marker: str, number: str) -> tuple[Any, ...]:
        return _numbered(self.values, self.numbered, marker, number)

    def pg_params(self, marker: str, number: str) -> tuple[Any, ...]:
        return _numbered(self.pg_values, self.numbered, marker, number)

    def pg_part(self, name: str, source: str) -> str:
        """``name AS (INSERT … SELECT … FROM source …)``: the row written only when the
        statement's case row was (``source`` is its CTE)."""
        table = _TABLES[self.table]
        columns = _columns(table)
        casts = ", ".join(f"%s::{table.c[c].type.compile(dialect=_PG)}" for c in columns)
        insert = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {casts} FROM {source}"
        return f"{name} AS ({insert}{_conflict(table, columns)})"


def _numbered(
    values: tuple[Any, ...], numbered: tuple[int, ...], marker: str, number: str
) -> tuple[Any, ...]:
    if not numbered:
        return values
    out = list(values)
    for i in numbered:
        out[i] = out[i].replace(marker, number)
    return tuple(out)


def _pg_value(table: Table, column: str, value: Any) -> Any:
    """A value SQLite returned as psycopg binds it for the column (times aware)."""
    if isinstance(value, str) and isinstance(table.c[column].type, UTCDateTime):
        return aware(value)
    return value


def _columns(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if not (c.primary_key and c.autoincrement is True))


def _conflict(table: Table, columns: tuple[str, ...]) -> str:
    """The upsert on the table's key ('' for a serial key: a plain insert)."""
    key = [c.name for c in table.primary_key.columns if c.name in columns]
    if not key:
        return ""
    sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"


def _statement(table: Table, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" * len(columns))
    insert = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
    return insert + _conflict(table, columns)


def _rows(conn: sqlite3.Connection, table: Table) -> set[tuple[Any, ...]]:
    columns = _columns(table)
    return set(conn.execute(f"SELECT {', '.join(columns)} FROM {table.name}").fetchall())


def captured_effects() -> tuple[str, dict[str, list[EffectWrite]]]:
    """(the captured case's number, phase → the effect rows jingban wrote in it)."""
    tmp = tempfile.mkdtemp(prefix="jingban-bench-")
    try:
        path = os.path.join(tmp, "effects.db")
        db = Database(f"sqlite:///{path}")
        store = Services(db).cases
        conn = sqlite3.connect(path)
        found: dict[str, list[EffectWrite]] = {}
        before = {t.name: _rows(conn, t) for t in EFFECT_TABLES}

        def phase(name: str) -> None:
            writes = []
            for table in EFFECT_TABLES:
                after = _rows(conn, table)
                columns = _columns(table)
                sql = _statement(table, columns)
                for row in sorted(after - before[table.name], key=repr):
                    numbered = tuple(
                        i for i, v in enumerate(row) if isinstance(v, str) and marker in v
                    )
                    pg = tuple(_pg_value(table, c, v) for c, v in zip(columns, row, strict=True))
                    writes.append(EffectWrite(table.name, sql, row, numbered, pg))
                before[table.name] = after
            found[name] = writes

        marker = jingban_open(store)
        phase("open")
        for action, actor, role, params in STEPS:
            store.act(marker, action, actor=actor, role=role, now=NOW, params=params)
            phase(action)
        conn.close()
        db.dispose()
        return marker, found
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

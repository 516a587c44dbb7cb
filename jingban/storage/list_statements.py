"""The statements of case lists, built and compiled once per shape and run on the driver.

A page of the work queue is seven statements (the page, its total and two GROUP BYs, each
over an office's two parts). Built as SQLAlchemy expressions for every request — the colour
rules, the 我的待办 conditions, the page's order — and compiled and cache-keyed on every
execution, they cost the server more than the database takes to answer them (the office
load's profile: 45 % of a work-queue request building expressions, 35 % compiling). Yet
the SQL text depends only on a filter's *shape* (`case_search.filter_shape`: which fields
are set, the states and items it names, the page's order); everything that varies between
requests of one shape — the viewer's region and office, their name, the text typed, the
instant the colours are computed at, the page — is a bound parameter.

So `ListStatements` keeps, per engine, the compiled SQL of each shape met (a bounded
cache: shapes are few — roles × regions' 我的待办 rules × the filters staff combine), and
`read` runs a request's statements with their parameters on one pooled DBAPI connection:
on SQLite in one read transaction (one snapshot for the page, its total and its counts), on
PostgreSQL in autocommit (a lost connection replaced as the action path does,
`jingban.storage._reconnect`). A driver's failure is raised as its typed error
(`jingban.storage.driver_errors`).

Promises: the SQL run is exactly what SQLAlchemy compiles for the statement a shape builds
(`prepare` refuses a statement with a parameter its caller does not supply, so no value is
ever baked into a cached text); text typed by staff reaches SQL only as parameters.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from jingban.storage._reconnect import checked_out
from jingban.storage.driver_errors import typed_driver_errors
from jingban.storage.timecodec import sqlite_time

CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class Prepared:
    """One statement's SQL for a dialect, and the names of its parameters in order (None
    where the driver takes them by name)."""

    sql: str
    names: tuple[str, ...] | None
    needed: frozenset[str]

    def parameters(self, values: Mapping[str, object]) -> Sequence[object] | Mapping[str, object]:
        """The driver's parameters from ``values`` (name → value, times aware)."""
        if self.names is None:
            return values
        return tuple(_sqlite_value(values[name]) for name in self.names)


def _sqlite_value(value: object) -> object:
    return sqlite_time(value) if isinstance(value, dt.datetime) else value


class ListStatements:
    """The compiled statements of one engine's dialect, by shape (a bounded LRU cache)."""

    def __init__(self, engine: Engine, size: int = CACHE_SIZE) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._size = size
        self._found: OrderedDict[Hashable, Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def prepare(
        self, key: Hashable, build: Callable[[], ClauseElement], values: Mapping[str, object]
    ) -> Prepared:
        """The compiled statement of ``key``, built by ``build()`` the first time. Raises
        `RuntimeError` when the statement has a parameter ``values`` does not name (a value
        the text would otherwise keep from its first use)."""
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return found
        compiled = build().compile(dialect=self.engine.dialect)
        assert isinstance(compiled, SQLCompiler)  # a statement's compiler, with its binds
        needed = frozenset(compiled.binds)
        names = None if compiled.positiontup is None else tuple(compiled.positiontup)
        prepared = Prepared(compiled.string, names, needed)
        missing = needed - set(values)
        if missing:
            raise RuntimeError(f"list statement parameters without a value: {sorted(missing)}")
        with self._lock:
            self._found[key] = prepared
            while len(self._found) > self._size:
                self._found.popitem(last=False)
        return prepared

    def __len__(self) -> int:
        return len(self._found)


Statement = tuple[str, Sequence[object] | Mapping[str, object]]
"""Driver SQL and its parameters (positional or by name, as the SQL marks them)."""


def read(
    engine: Engine, autocommit: Callable[[], Engine], statements: Sequence[Statement]
) -> list[Sequence[Any]]:
    """The rows of each of ``statements``, read on one pooled connection: on SQLite in one
    read transaction (one snapshot), on PostgreSQL in autocommit (``autocommit()`` is its
    engine; a connection found lost is replaced, `jingban.storage._reconnect`). A driver's
    failure is raised as its typed error."""
    if not statements:
        return []
    results: list[Sequence[Any]] = []
    with typed_driver_errors():
        if engine.dialect.name != "sqlite":
            (sql, params), rest = statements[0], statements[1:]
            raw, cur = checked_out(autocommit(), sql, params, writes=False)  # type: ignore[arg-type]
            try:
                results.append(cur.fetchall())
                for sql, params in rest:
                    cur.execute(sql, params)
                    results.append(cur.fetchall())
            finally:
                raw.close()
            return results
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            several = len(statements) > 1
            if several:
                cur.execute("BEGIN")  # one snapshot for all
            try:
                for sql, params in statements:
                    cur.execute(sql, params)
                    results.append(cur.fetchall())
            finally:
                if several:
                    cur.execute("ROLLBACK")
        finally:
            raw.close()
    return results

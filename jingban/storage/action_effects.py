"""Rows an action writes beside its case row and audit record, in the same unit.

Some facts must exist exactly when an action does: an event for the provincial platform,
a message queued for the applicant. An *effect* is a function of the stored action
(`Written`) that returns the rows to insert (`EffectRow`: a table and its values); it does
no I/O and may return nothing. `jingban.storage.case_store.CaseStore` inserts the rows of
every registered effect in the action's own unit of work: on SQLite inside its
``BEGIN IMMEDIATE`` after the audit record, on PostgreSQL as further parts of the one
statement that updates the case (each inserts only when the update matched its version).
So an action is never stored without its rows, nor rows without their action; an effect
that raises stops the action, which then stores nothing. Refused attempts have no effects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine.interfaces import DBAPICursor

from jingban.engine import AuditEvent, Case
from jingban.storage._fast import FastSQL


@dataclass(frozen=True, slots=True)
class Written:
    """An action as it is being stored: the case as written and its chained audit record
    (``event.seq`` is its place in the case's chain); ``opened`` on a registration, with
    ``phone`` the applicant's whole mobile number when one was given (the case holds it
    masked; the effect that stores it encrypts it); ``before`` the case as the action found
    it."""

    case: Case
    event: AuditEvent
    opened: bool = False
    phone: str | None = None
    #: The case as it was before the action (None for a registration).
    before: Case | None = None


@dataclass(frozen=True, slots=True)
class EffectRow:
    """One row to insert: ``table`` and its column → value mapping (Python values; times
    aware, converted for the backend by the store). With ``key`` (the columns of a unique
    constraint) the row replaces the one with the same key: its other columns are updated
    (a projection kept current, such as a case's report facts), or added to where named
    in ``add``. No value may be None on
    PostgreSQL, whose parts bind them untyped."""

    table: str
    values: Mapping[str, object]
    key: tuple[str, ...] = ()
    #: With ``key``: the columns added to the stored row's instead of replacing them (a
    #: running total kept beside a projection).
    add: tuple[str, ...] = ()


ActionEffect = Callable[[Written], Sequence[EffectRow]]
"""Decides the rows an action adds (see the module docstring)."""


class Effects:
    """The effects registered on one case store, and how their rows are written."""

    def __init__(self, sql: FastSQL) -> None:
        self.sql = sql
        self.registered: list[ActionEffect] = []

    def add(self, effect: ActionEffect) -> None:
        self.registered.append(effect)

    def rows(self, written: Written) -> list[EffectRow]:
        """Every row the effects decide for ``written``, in registration order."""
        return [row for effect in self.registered for row in effect(written)]

    def insert(self, cur: DBAPICursor, rows: Sequence[EffectRow]) -> None:
        """SQLite: insert ``rows`` in the open ``BEGIN IMMEDIATE`` unit."""
        for row in rows:
            cur.execute(
                self.sql.effect_insert(row.table, tuple(row.values), row.key, row.add),
                self.sql.effect_params(row.values),
            )

    def statement(
        self, statement: str, source: str, rows: Sequence[EffectRow]
    ) -> tuple[str, list[object]]:
        """PostgreSQL: ``statement`` with ``rows`` as further parts of it (each inserting
        only when ``source`` returned a row), and the parameters of those parts."""
        if not rows:
            return statement, []
        shapes = tuple((row.table, row.key, row.add, tuple(row.values)) for row in rows)
        params = [p for row in rows for p in self.sql.effect_params(row.values)]
        return self.sql.with_effects(statement, source, shapes), params

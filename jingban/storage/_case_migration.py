"""Moving open cases to another definition of their item, for `CaseStore`.

A migration is an action like any other: one transaction that writes the case only over the
version read, with its audit record (`Engine.migrate` decides it). The target must be the
current catalog's definition or a stored one first seen after the case's own; a current
definition no case has opened under yet is recorded in the same transaction.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine.interfaces import DBAPICursor

from jingban.engine import AuditEvent, Case, Engine, Result, migration, normalise_case_number
from jingban.engine.model import TERMINAL_STATES
from jingban.errors import NotAllowed
from jingban.storage._case_rows import CaseNotFound, case_from_mapping
from jingban.storage._fast import FastSQL
from jingban.storage.database import Database
from jingban.storage.definition_store import DefinitionStore
from jingban.storage.models import CASES
from jingban.workflows import Item


class CaseMigrations:
    """The migration half of `CaseStore` (which provides the attributes below)."""

    db: Database
    engine: Engine
    definitions: DefinitionStore
    sql: FastSQL
    sync_calendar: Callable[[int | None], None]

    if TYPE_CHECKING:

        def _cursor(
            self, first: str, params: Sequence[object], *, writes: bool
        ) -> AbstractContextManager[DBAPICursor]: ...

        def _store(
            self, cur: DBAPICursor, m: dict[str, Any], result: Result, canonical: str
        ) -> AuditEvent: ...

        def _append_refusal(
            self, cur: DBAPICursor, m: dict[str, Any], event: AuditEvent
        ) -> None: ...

    def _new_definition(self, case: Case) -> tuple[Item, str] | None:
        """The definition ``case`` opened under and its version, unless already stored."""
        item = self.engine.item_of(case)
        version = case.item_version
        if version != self.engine.item_version(item) or self.definitions.is_recorded(item, version):
            return None
        return item, version

    def migrate(
        self,
        case_no: str,
        to_version: str | None = None,
        *,
        actor: str,
        role: str,
        now: dt.datetime,
        reason: str,
    ) -> Result:
        """Move one open case to ``to_version`` of its item (default: the current catalog's)
        in one transaction, with its dues recomputed and one audit record (`Engine.migrate`).

        The target must be the current catalog's definition or a stored one first seen after
        the case's own. Raises `CaseNotFound`, `BadInput`, `NotFound` (no such version),
        `NotAllowed` (an older version; see `Engine.migrate`) or `Conflict`. A refusal
        (`NotAllowed`) is recorded in the audit trail as a refused attempt, as for actions.
        """
        canonical = normalise_case_number(case_no)
        sql = self.sql
        with self._cursor(sql.select_case, (canonical,), writes=False) as cur:
            row = cur.fetchone()
            if row is None:
                raise CaseNotFound(f"没有编号为 {canonical} 的办件")
            m = sql.case_mapping(row)
            self.sync_calendar(m["calendar_version"])
            case = case_from_mapping(m, compact=False)
            current = self.engine.current_version(case.region, case.item_key)
            target = to_version or current
            refused: NotAllowed | None = None
            try:
                migration.check_request(case, role, reason, target)
                if target not in (current, case.item_version):
                    self._require_newer(case, target)
                result = self.engine.migrate(
                    case, target, actor=actor, role=role, now=now, reason=reason
                )
            except NotAllowed as exc:
                refused = exc
                attempt = self.engine.refusal(
                    case, migration.MIGRATE, actor=actor, role=role, now=now, error=exc
                )
                self._append_refusal(cur, m, attempt)
            else:
                defining = self._new_definition(result.case)
                if defining is not None:
                    cur.execute(
                        self.definitions.insert_sql,
                        self.definitions.insert_params(*defining, now),
                    )
                event = self._store(cur, m, result, canonical)
        if refused is not None:
            raise refused
        if defining is not None:
            self.definitions.mark_recorded(*defining)
        return Result(result.case, event)

    def _require_newer(self, case: Case, target: str) -> None:
        seen = self.definitions.first_seen(case.region, case.item_key, target)
        if seen is None:
            return  # the engine names the unknown version
        own = self.definitions.first_seen(case.region, case.item_key, case.item_version)
        if own is not None and seen <= own:
            raise NotAllowed(
                f"版本 {target} 早于办件 {case.case_no} 当前的版本 {case.item_version}，"
                "只能迁移到更新的版本"
            )

    def migrate_open(
        self,
        *,
        region: str,
        item: str,
        to_version: str | None = None,
        actor: str,
        role: str,
        now: dt.datetime,
        reason: str,
    ) -> builtins.list[Result]:
        """`migrate` every open case of ``item`` in ``region`` not yet at the target version
        (default: the current catalog's), each in its own transaction; returns what moved.
        The first refusal stops the run and is raised (the cases moved before it stay
        moved)."""
        found = self.engine.catalog.item(region, item)
        target = to_version or self.engine.current_version(region, found.key)
        query = (
            select(CASES.c.case_no)
            .where(
                CASES.c.region == found.region,
                CASES.c.item_key == found.key,
                CASES.c.item_version != target,
                CASES.c.state.not_in(TERMINAL_STATES),
            )
            .order_by(CASES.c.id)
        )
        with self.db.engine.connect() as conn:
            numbers = [r[0] for r in conn.execute(query)]
        return [
            self.migrate(number, target, actor=actor, role=role, now=now, reason=reason)
            for number in numbers
        ]

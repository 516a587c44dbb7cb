"""Moving open cases to another definition of their item, for `CaseStore`.

A migration is an action like any other: one transaction that writes the case only over the
version read, with its audit record (`Engine.migrate` decides it). The target must be the
current catalog's definition or a stored one first seen after the case's own; a current
definition no case has opened under yet is recorded in the same transaction.
"""

from __future__ import annotations

import builtins
import datetime as dt

from sqlalchemy import select
from sqlalchemy.engine.interfaces import DBAPICursor

from jingban.engine import Case, Result, migration
from jingban.engine.model import TERMINAL_STATES
from jingban.errors import NotAllowed
from jingban.storage._case_decisions import Attempt, CaseDecisions
from jingban.storage.database import Database
from jingban.storage.definition_store import DefinitionStore
from jingban.storage.models import CASES
from jingban.workflows import Item


class CaseMigrations(CaseDecisions):
    """The migration half of `CaseStore` (which provides `CaseDecisions`' attributes and
    the ones below)."""

    db: Database
    definitions: DefinitionStore

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
        defining: tuple[Item, str] | None = None

        def decision(case: Case) -> Result:
            current = self.engine.current_version(case.region, case.item_key)
            target = to_version or current
            migration.check_request(case, role, reason, target)
            if target not in (current, case.item_version):
                self._require_newer(case, target)
            return self.engine.migrate(case, target, actor=actor, role=role, now=now, reason=reason)

        def record_definition(cur: DBAPICursor, result: Result) -> None:
            nonlocal defining
            defining = self._new_definition(result.case)
            if defining is not None:
                cur.execute(
                    self.definitions.insert_sql, self.definitions.insert_params(*defining, now)
                )

        result = self.decide(
            case_no,
            decision,
            attempt=Attempt(migration.MIGRATE, actor, role, now),
            before_store=record_definition,
        )
        if defining is not None:
            self.definitions.mark_recorded(*defining)
        return result

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

"""Storing what a pure decision makes of a case, for `CaseStore`: the system's own actions
(the lapse of an unsupplemented case), the applicant's (a rating, an appeal) and the
attaching of a file, each decided by a function of the engine from the case as read.

One transaction reads the case, lets the decision decide, and writes the case row only over
the version read with its chained audit record and the rows of the store's effects. A
refusal (`NotAllowed`) is recorded as a refused attempt outside the chain where the caller
names the attempt (`Attempt`); on any error nothing else is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine.interfaces import DBAPICursor

from jingban.engine import AuditEvent, Case, Engine, Result, normalise_case_number
from jingban.errors import NotAllowed
from jingban.storage._case_rows import CaseNotFound, case_from_mapping
from jingban.storage._fast import FastSQL


@dataclass(frozen=True, slots=True)
class Attempt:
    """What a refused decision is recorded as: the action tried, by whom, when."""

    action: str
    actor: str
    role: str
    at: dt.datetime


class CaseDecisions:
    """The deciding half of `CaseStore` (which provides the attributes below)."""

    engine: Engine
    sql: FastSQL
    sync_calendar: Callable[[int | None], None]

    if TYPE_CHECKING:

        def _cursor(
            self, first: str, params: Sequence[object], *, writes: bool
        ) -> AbstractContextManager[DBAPICursor]: ...

        def _store(
            self,
            cur: DBAPICursor,
            m: dict[str, Any],
            result: Result,
            canonical: str,
            extra: dict[str, object] | None,
            before: Case,
        ) -> AuditEvent: ...

        def _append_refusal(
            self, cur: DBAPICursor, m: dict[str, Any], event: AuditEvent
        ) -> None: ...

    def decide(
        self,
        case_no: str,
        decision: Callable[[Case], Result],
        *,
        attempt: Attempt | None = None,
        before_store: Callable[[DBAPICursor, Result], None] | None = None,
    ) -> Result:
        """Store ``decision(case)`` for the case as read, in one transaction, over its
        version (``before_store`` writes what else belongs to that transaction). Raises
        `CaseNotFound`, `Conflict` (changed meanwhile) or what the decision raises; a
        `NotAllowed` is recorded as a refused ``attempt`` when one is named."""
        canonical = normalise_case_number(case_no)
        sql = self.sql
        refused: NotAllowed | None = None
        with self._cursor(sql.select_case, (canonical,), writes=False) as cur:
            row = cur.fetchone()
            if row is None:
                raise CaseNotFound(f"没有编号为 {canonical} 的办件")
            m = sql.case_mapping(row)
            self.sync_calendar(m["calendar_version"])
            case = case_from_mapping(m, compact=False)
            try:
                result = decision(case)
            except NotAllowed as exc:
                if attempt is None:
                    raise
                refused = exc
                self._append_refusal(
                    cur,
                    m,
                    self.engine.refusal(
                        case,
                        attempt.action,
                        actor=attempt.actor,
                        role=attempt.role,
                        now=attempt.at,
                        error=exc,
                    ),
                )
            else:
                if before_store is not None:
                    before_store(cur, result)
                event = self._store(cur, m, result, canonical, None, case)
        if refused is not None:
            raise refused
        return Result(result.case, event)

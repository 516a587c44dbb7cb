"""Attaching a file to a case's material, for `CaseStore`: the ``attach`` audit record.

Like every action, one transaction writes the case row only over the version read, with
its chained audit record (`jingban.engine.attachments.attach` decides it) and the rows the
store's effects add (the ``case_files`` row, `jingban.storage.attachments`). A refusal
(`NotAllowed`) is recorded as a refused attempt outside the chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine.interfaces import DBAPICursor

from jingban.engine import AuditEvent, Case, Engine, Result, normalise_case_number
from jingban.engine.attachments import ATTACH, FileFacts, attach, material_name
from jingban.errors import NotAllowed
from jingban.storage._case_rows import CaseNotFound, case_from_mapping
from jingban.storage._fast import FastSQL


class CaseAttachments:
    """The attaching half of `CaseStore` (which provides the attributes below)."""

    engine: Engine
    sql: FastSQL
    sync_calendar: Callable[[int | None], None]

    if TYPE_CHECKING:

        def get(self, case_no: str) -> Case: ...

        def _cursor(
            self, first: str, params: Sequence[object], *, writes: bool
        ) -> AbstractContextManager[DBAPICursor]: ...

        def _store(
            self, cur: DBAPICursor, m: dict[str, Any], result: Result, canonical: str
        ) -> AuditEvent: ...

        def _append_refusal(
            self, cur: DBAPICursor, m: dict[str, Any], event: AuditEvent
        ) -> None: ...

    def material_of(self, case_no: str, typed: str) -> tuple[Case, str]:
        """The case and the canonical name of its material ``typed`` names (read only);
        raises `CaseNotFound` or `BadInput` (listing the item's materials)."""
        case = self.get(case_no)
        return case, material_name(self.engine, case, typed)

    def attach_record(
        self,
        case_no: str,
        material: str,
        facts: FileFacts,
        *,
        actor: str,
        role: str,
        now: dt.datetime,
    ) -> Result:
        """Store the ``attach`` audit record of ``facts``' file on ``material`` of the case
        in one transaction. Raises `CaseNotFound`, `BadInput`, `NotAllowed` (recorded as a
        refused attempt) or `Conflict`; on any error nothing is stored."""
        canonical = normalise_case_number(case_no)
        sql = self.sql
        with self._cursor(sql.select_case, (canonical,), writes=False) as cur:
            row = cur.fetchone()
            if row is None:
                raise CaseNotFound(f"没有编号为 {canonical} 的办件")
            m = sql.case_mapping(row)
            self.sync_calendar(m["calendar_version"])
            case = case_from_mapping(m, compact=False)
            refused: NotAllowed | None = None
            try:
                result = attach(self.engine, case, material, facts, actor=actor, role=role, now=now)
            except NotAllowed as exc:
                refused = exc
                attempt = self.engine.refusal(
                    case, ATTACH, actor=actor, role=role, now=now, error=exc
                )
                self._append_refusal(cur, m, attempt)
            else:
                event = self._store(cur, m, result, canonical)
        if refused is not None:
            raise refused
        return Result(result.case, event)

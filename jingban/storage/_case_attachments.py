"""Attaching a file to a case's material, for `CaseStore`: the ``attach`` audit record.

Like every action, one transaction writes the case row only over the version read, with
its chained audit record (`jingban.engine.attachments.attach` decides it, stored by
`CaseDecisions.decide`) and the rows the store's effects add (the ``case_files`` row,
`jingban.storage.attachments`). A refusal (`NotAllowed`) is recorded as a refused attempt
outside the chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from jingban.engine import Case, Result
from jingban.engine.attachments import ATTACH, FileFacts, attach, material_name
from jingban.storage._case_decisions import Attempt, CaseDecisions


class CaseAttachments(CaseDecisions):
    """The attaching half of `CaseStore` (which provides `CaseDecisions`' attributes and
    ``get``)."""

    get: Callable[[str], Case]

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
        return self.decide(
            case_no,
            lambda case: attach(
                self.engine, case, material, facts, actor=actor, role=role, now=now
            ),
            attempt=Attempt(ATTACH, actor, role, now),
        )

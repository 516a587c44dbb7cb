"""jingban as a contender of the peer benchmark: ``Services(Database(url)).cases`` taking
sichuan ``inpatient_reimbursement`` cases through open, accept, approve, pay and complete,
exactly as the case-action benchmark's ``jingban_cycle`` does."""

from __future__ import annotations

from typing import Any

from _actions_common import jingban_cycle, jingban_store
from _peers_common import COMPLETED, Clock, RowCheck

from jingban.storage import Database


class Jingban:
    """The product's case store; its audit trail is the log (one audit row per step)."""

    label = "jingban CaseStore"
    check = RowCheck("cases", "state", COMPLETED, "audit_events", "case_no")

    def prepare(self, path: str) -> None:
        url = f"sqlite:///{path}"
        Database(url).dispose()  # the schema, migrated, as on a fresh installation
        self.store: Any = jingban_store(url)

    def cycle(self, n: int, clock: Clock) -> dict[str, float]:
        return jingban_cycle(self.store, n, clock)

    def pragmas(self) -> tuple[str, int]:
        with self.store.db.engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        return str(mode), int(sync)

    def problems(self, path: str) -> list[str]:
        return []

    def close(self) -> None:
        self.store.db.dispose()

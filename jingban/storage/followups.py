"""Supplement deadlines, 容缺 materials and undertaking checks as stored dues, and what the
follow-up run raised about them.

`followup_effect` writes a row of ``followup_dues`` in the unit of every action that sets or
closes such a due (registered on the case store by `Services`), so the run finds what is due
with one indexed range query, never a loop over open cases. `FollowupStore` reads those dues,
records each reminder, card or lapse once (``followups``, unique per case, kind, name and
due: a re-run, a second process or a restart raises nothing twice) and withdraws a lapsed
case through the case store's optimistic lock.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, or_, select, update

from jingban.engine.lapse import lapse
from jingban.errors import Conflict, NotAllowed, NotFound
from jingban.storage.case_store import CaseStore
from jingban.storage.database import Database
from jingban.storage.followup_dues import (
    CARD_KINDS,
    FOLLOWUP_KINDS,
    SUPERVISION,
    WATCHED_AFTER_END,
    followup_effect,
)
from jingban.storage.models import CASES
from jingban.storage.models_followups import FOLLOWUP_DUES, FOLLOWUPS

__all__ = ["FOLLOWUP_KINDS", "Followup", "FollowupStore", "OpenDue", "followup_effect"]


@dataclass(frozen=True, slots=True)
class OpenDue:
    """A due in force and open, with what the run needs of its case."""

    case_no: str
    kind: str
    name: str
    due_at: dt.datetime
    region: str
    office: str | None
    state: str
    item_name: str
    assignee: str | None
    # Whom the due is personally on, beyond the assignee: a supervision order's recipient.
    recipient: str | None = None


@dataclass(frozen=True, slots=True)
class Followup:
    """Something the run raised (`FOLLOWUP_KINDS`), once; ``closed_at`` once no longer true."""

    id: int
    case_no: str
    region: str
    office: str | None
    kind: str
    name: str
    due_at: dt.datetime
    raised_at: dt.datetime
    closed_at: dt.datetime | None

    @property
    def label(self) -> str:
        return FOLLOWUP_KINDS.get(self.kind, self.kind)


class FollowupStore:
    """The dues of one database and what was raised about them."""

    def __init__(self, db: Database, cases: CaseStore) -> None:
        self.db = db
        self.cases = cases

    def open_dues(self, until: dt.datetime) -> list[OpenDue]:
        """Every due in force (the latest row of its case, kind and name), still open and
        due by ``until``, of a case that has not been withdrawn or refused."""
        return self._open(lambda d: d.c.due_at <= until)

    def waiting(self, kind: str, region: str | None, office: str | None = None) -> list[OpenDue]:
        """Every open due in force of ``kind`` (of ``region`` and ``office`` where given),
        oldest due first: the supervision orders awaiting their reply, for instance."""
        return self._open(lambda d: d.c.kind == kind, region=region, office=office)

    def _open(
        self,
        where: Callable[[Any], Any],
        *,
        region: str | None = None,
        office: str | None = None,
    ) -> list[OpenDue]:
        """The open dues in force that ``where`` (over the dues' alias) selects."""
        d, later = FOLLOWUP_DUES.alias("d"), FOLLOWUP_DUES.alias("later")
        newer = exists().where(
            and_(
                later.c.case_no == d.c.case_no,
                later.c.kind == d.c.kind,
                later.c.name == d.c.name,
                later.c.seq > d.c.seq,
            )
        )
        query = (
            select(
                d.c.case_no,
                d.c.kind,
                d.c.name,
                d.c.due_at,
                CASES.c.region,
                CASES.c.office,
                CASES.c.state,
                CASES.c.data,
                CASES.c.assignee,
            )
            .join(CASES, CASES.c.case_no == d.c.case_no)
            .where(where(d), d.c.open, ~newer)
            .where(
                or_(
                    CASES.c.state.not_in(("withdrawn", "not_accepted")),
                    d.c.kind.in_(sorted(WATCHED_AFTER_END)),
                )
            )
            .order_by(d.c.due_at, d.c.case_no)
        )
        if region is not None:
            query = query.where(CASES.c.region == region)
        if office is not None:
            query = query.where(CASES.c.office == office)
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        found = []
        for r in rows:
            data = json.loads(r.data)
            found.append(
                OpenDue(
                    r.case_no,
                    r.kind,
                    r.name,
                    r.due_at,
                    r.region,
                    r.office,
                    r.state,
                    str(data.get("item_name", "")),
                    r.assignee,
                    _recipient(r.kind, r.name, data),
                )
            )
        return found

    def record(self, due: OpenDue, kind: str, now: dt.datetime) -> Followup | None:
        """Record ``kind`` about ``due`` once; the new record, or None when it was already
        recorded (by this run before, or another process)."""
        values = {
            "case_no": due.case_no,
            "region": due.region,
            "office": due.office,
            "kind": kind,
            "name": due.name,
            "due_at": due.due_at,
            "raised_at": now,
            "closed_at": None,
        }
        from sqlalchemy.dialects import postgresql, sqlite

        with self.db.write() as conn:
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            statement = (
                insert(FOLLOWUPS)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["case_no", "kind", "name", "due_at"])
                .returning(FOLLOWUPS.c.id)
            )
            found = conn.execute(statement).first()
        if found is None:
            return None
        return Followup(int(found[0]), **values)  # type: ignore[arg-type]

    def lapse(self, case_no: str, now: dt.datetime) -> bool:
        """Withdraw the case as lapsed (逾期未补正，视为撤回), as the system, in one
        transaction with its audit record, over the version read: True when this call did
        it; False when the case was changed or ended meanwhile (another run lapsed it, the
        applicant supplied) or is not due to lapse."""
        try:
            self.cases.decide(case_no, lambda case: lapse(self.cases.engine, case, now))
        except (Conflict, NotAllowed, NotFound):
            return False
        return True

    def close_stale(self, now: dt.datetime) -> int:
        """Close the open cards whose due is no longer open (the material arrived, the check
        was done, the case left 待补正 or ended). Returns how many were closed."""
        open_cards = self.cards(region=None)
        if not open_cards:
            return 0
        live = {(x.case_no, x.name, x.due_at) for x in self.open_dues(now)}
        stale = [c.id for c in open_cards if (c.case_no, c.name, c.due_at) not in live]
        if not stale:
            return 0
        with self.db.write() as conn:
            conn.execute(update(FOLLOWUPS).where(FOLLOWUPS.c.id.in_(stale)).values(closed_at=now))
        return len(stale)

    def cards(self, region: str | None, *, case_no: str | None = None) -> list[Followup]:
        """The open cards (not reminders), oldest due first; of ``region`` or one case."""
        query = select(FOLLOWUPS).where(
            FOLLOWUPS.c.closed_at.is_(None), FOLLOWUPS.c.kind.in_(sorted(CARD_KINDS))
        )
        if region is not None:
            query = query.where(FOLLOWUPS.c.region == region)
        if case_no is not None:
            query = query.where(FOLLOWUPS.c.case_no == case_no)
        return self._listed(query)

    def recorded(self, case_no: str) -> list[Followup]:
        """Everything recorded about one case, in the order it was raised."""
        return self._listed(select(FOLLOWUPS).where(FOLLOWUPS.c.case_no == case_no))

    def _listed(self, query: object) -> list[Followup]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(query.order_by(FOLLOWUPS.c.due_at, FOLLOWUPS.c.id)).all()  # type: ignore[attr-defined]
        return [Followup(**r._mapping) for r in rows]


def _recipient(kind: str, name: str, data: dict[str, Any]) -> str | None:
    """The recipient of supervision order ``name`` as the case's data records it."""
    if kind != SUPERVISION:
        return None
    for order in data.get("supervisions") or ():
        if str(order.get("no")) == name:
            return str(order.get("to"))
    return None

"""Reconciling a day: what the office did (its audit trail) against what the platform was sent.

For a Beijing day, every action of the audit trail that the platform is told about
(`jingban.storage.exchange_events.event_kind`) is matched with its event by case and place
in the case. A *gap* is an action without an event (``missing``: the outbox lost it, or it
was taken before the outbox existed), an event not yet accepted (``waiting``, or ``failed``:
parked), or an event without its action (``unknown``: the audit trail has no such record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import select

from jingban.calendar import BEIJING
from jingban.storage.database import Database
from jingban.storage.exchange_events import KIND_LABELS, event_kind
from jingban.storage.exchange_store import ExchangeStore
from jingban.storage.models import AUDIT

#: Gap kind → what it means, in Chinese.
GAP_LABELS = {
    "missing": "办件有此操作，未生成平台事件",
    "waiting": "事件尚未被平台接收",
    "failed": "事件被平台拒收或配置有误，已停发",
    "unknown": "事件在审计记录中没有对应操作",
}


@dataclass(frozen=True, slots=True)
class Gap:
    """One difference: ``gap`` is a key of `GAP_LABELS`."""

    gap: str
    case_no: str
    seq: int
    action: str
    kind: str | None
    at: dt.datetime

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["at"] = self.at.astimezone(BEIJING).isoformat(timespec="seconds")
        data["gap_label"] = GAP_LABELS[self.gap]
        data["kind_label"] = KIND_LABELS.get(self.kind or "")
        return data


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """One day's comparison: how many actions the platform is told about, how many of
    their events it accepted, and every gap."""

    day: dt.date
    actions: int
    sent: int
    gaps: tuple[Gap, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "actions": self.actions,
            "sent": self.sent,
            "gaps": [g.as_json() for g in self.gaps],
        }


def reconcile(db: Database, store: ExchangeStore, day: dt.date) -> Reconciliation:
    """Compare ``day``'s actions (Beijing time) with their events."""
    start = dt.datetime.combine(day, dt.time(0), BEIJING).astimezone(dt.UTC)
    end = start + dt.timedelta(days=1)
    query = (
        select(AUDIT.c.case_no, AUDIT.c.seq, AUDIT.c.action, AUDIT.c.to_state, AUDIT.c.at)
        .where(AUDIT.c.at >= start, AUDIT.c.at < end, AUDIT.c.refused.is_(False))
        .order_by(AUDIT.c.case_no, AUDIT.c.seq)
    )
    with db.engine.connect() as conn:
        actions = conn.execute(query).all()
    events = {(e["case_no"], e["seq"]): e for e in store.between(start, end)}
    gaps: list[Gap] = []
    told = sent = 0
    for case_no, seq, action, to_state, at in actions:
        kind = event_kind(action, to_state)
        if kind is None:
            continue
        told += 1
        found = events.pop((case_no, seq), None)
        if found is None:
            gaps.append(Gap("missing", case_no, seq, action, kind.key, at))
        elif found["status"] == "sent":
            sent += 1
        else:
            status = "waiting" if found["status"] == "pending" else "failed"
            gaps.append(Gap(status, case_no, seq, action, kind.key, at))
    for (case_no, seq), e in events.items():
        gaps.append(Gap("unknown", case_no, seq, e["action"], e["kind"], e["at"]))
    gaps.sort(key=lambda g: (g.case_no, g.seq))
    return Reconciliation(day, told, sent, tuple(gaps))

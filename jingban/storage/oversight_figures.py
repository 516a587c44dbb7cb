"""督办 and 稽核 figures of a period, for the office reports.

督办: the orders issued in the period (read from ``followup_dues``, indexed by kind: the
cases with any order, then their orders from the case rows) — replied, replied after their
due, waiting, and waiting past their due at the moment asked. 稽核: the samples of the
months the period touches — cases drawn, checked, compliant, problems found and rectified
(`jingban.storage.audit_samples`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from sqlalchemy import select

from jingban.calendar import BEIJING
from jingban.storage.audit_samples import AuditSampleStore
from jingban.storage.database import Database
from jingban.storage.models import CASES
from jingban.storage.models_followups import FOLLOWUP_DUES
from jingban.storage.timecodec import from_json_time


@dataclass(slots=True)
class SupervisionFigures:
    """督办单 issued in a period and where they stand."""

    issued: int = 0
    replied: int = 0
    replied_late: int = 0
    waiting: int = 0
    overdue: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(slots=True)
class AuditFigures:
    """稽核 samples of the months a period touches."""

    samples: int = 0
    drawn: int = 0
    checked: int = 0
    compliant: int = 0
    problems: int = 0
    rectified: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _day(at: dt.datetime) -> dt.date:
    return at.astimezone(BEIJING).date()


def supervision_figures(
    db: Database,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    *,
    region: str | None = None,
    office: str | None = None,
) -> SupervisionFigures:
    """The orders issued from ``start`` to ``end`` (Beijing days) on the cases of the scope,
    as they stand at ``now``."""
    ordered = select(FOLLOWUP_DUES.c.case_no).where(FOLLOWUP_DUES.c.kind == "supervision")
    query = select(CASES.c.data).where(CASES.c.case_no.in_(ordered.distinct()))
    if region is not None:
        query = query.where(CASES.c.region == region)
    if office is not None:
        query = query.where(CASES.c.office == office)
    out = SupervisionFigures()
    with db.engine.connect() as conn:
        rows = conn.execute(query).scalars().all()
    for data in rows:
        for order in json.loads(data).get("supervisions") or []:
            issued = from_json_time(order.get("issued_at"))
            due = from_json_time(order.get("due_at"))
            if issued is None or due is None or not start <= _day(issued) <= end:
                continue
            out.issued += 1
            replied = from_json_time(order.get("replied_at"))
            if replied is not None:
                out.replied += 1
                out.replied_late += replied > due
            else:
                out.waiting += 1
                out.overdue += now > due
    return out


def audit_figures(
    samples: AuditSampleStore, start: dt.date, end: dt.date, *, region: str | None = None
) -> AuditFigures:
    """The figures of the samples of ``region`` (all: None) whose month lies in the period."""
    first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
    out = AuditFigures()
    for sample in samples.samples(region):
        if not first <= sample.month <= last:
            continue
        figures = samples.report(sample.id).figures()
        out.samples += 1
        for name in ("drawn", "checked", "compliant", "problems", "rectified"):
            setattr(out, name, getattr(out, name) + figures[name])
    return out

"""稽核 sampling: a reproducible random sample of a region's cases closed (办结) in a month,
each drawn case marked in its own audit trail, and the sample's findings reported.

A draw is random but reproducible: the cases closed in the month, in case-number order, are
sampled by `random.Random(seed)` (`drawn_from`), and the seed is recorded with the sample,
so anyone can draw it again from the same population and get the same cases. One sample per
region and month: drawing again completes the marking of a draw that stopped midway (each
case is marked in its own transaction, ``audit_sample``) and changes nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select

from jingban.calendar import BEIJING, region_profile
from jingban.engine.audit_checks import FINDINGS, AuditCheck, sampled
from jingban.errors import BadInput, Conflict, NotFound
from jingban.storage.case_store import CaseStore
from jingban.storage.database import Database
from jingban.storage.models import CASES
from jingban.storage.models_audit_samples import AUDIT_SAMPLE_CASES, AUDIT_SAMPLES

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class Sample:
    """One month's sample of a region and the cases drawn, in case-number order."""

    id: int
    region: str
    month: str
    rate: str
    seed: int
    population: int
    drawn_at: dt.datetime
    drawn_by: str
    cases: tuple[str, ...]
    existing: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "region": self.region,
            "month": self.month,
            "rate": self.rate,
            "seed": self.seed,
            "population": self.population,
            "drawn": len(self.cases),
            "drawn_at": self.drawn_at.astimezone(BEIJING).isoformat(),
            "drawn_by": self.drawn_by,
            "cases": list(self.cases),
        }


@dataclass(slots=True)
class SampleReport:
    """A sample and where each of its cases stands: checked, compliant, problems found and
    rectified."""

    sample: Sample
    rows: list[dict[str, object]] = field(default_factory=list)

    def figures(self) -> dict[str, int]:
        findings = [r["finding"] for r in self.rows]
        return {
            "drawn": len(self.rows),
            "checked": sum(f is not None for f in findings),
            "compliant": findings.count("compliant"),
            "problems": findings.count("problem"),
            "rectified": sum(bool(r["rectified"]) for r in self.rows),
        }

    def as_dict(self) -> dict[str, object]:
        return {**self.sample.as_dict(), "figures": self.figures(), "rows": self.rows}


def drawn_from(seed: int, population: Sequence[str], rate: Decimal) -> list[str]:
    """The cases a draw of ``seed`` takes from ``population`` (in the order given) at
    ``rate``: ceil(rate × size) of them, at least one of a non-empty population, in
    case-number order."""
    if not population:
        return []
    size = max(1, math.ceil(Decimal(len(population)) * rate))
    return sorted(random.Random(seed).sample(list(population), min(size, len(population))))


def parse_rate(text: str) -> Decimal:
    """A sampling rate: a decimal fraction above 0 and at most 1 (0.05 is 5 %)."""
    try:
        rate = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise BadInput(f"抽查比例须为 0 到 1 之间的小数，如 0.05 (5%)，不是 {text!r}") from None
    if not rate.is_finite() or not 0 < rate <= 1:
        raise BadInput(f"抽查比例须大于 0 且不超过 1，如 0.05 (5%)，不是 {text!r}")
    return rate


def month_range(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The month ``YYYY-MM`` as UTC instants [start, end) of its Beijing days."""
    found = _MONTH.match(month or "")
    if found is None:
        raise BadInput(f"月份须写作 YYYY-MM，如 2026-11，不是 {month!r}")
    year, number = int(found[1]), int(found[2])
    start = dt.datetime(year, number, 1, tzinfo=BEIJING)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=BEIJING)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


class AuditSampleStore:
    """The samples of one database; cases are marked through ``cases``."""

    def __init__(self, db: Database, cases: CaseStore) -> None:
        self.db = db
        self.cases = cases

    def population(self, region: str, month: str) -> list[str]:
        """The region's cases closed (办结) in ``month`` (Beijing time), by case number."""
        start, end = month_range(month)
        query = (
            select(CASES.c.case_no)
            .where(CASES.c.region == region, CASES.c.state == "completed")
            .where(CASES.c.completed_at >= start, CASES.c.completed_at < end)
            .order_by(CASES.c.case_no)
        )
        with self.db.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def draw(
        self,
        *,
        region: str,
        month: str,
        rate: str,
        actor: str,
        now: dt.datetime,
        seed: int | None = None,
    ) -> Sample:
        """Draw the month's sample (see the module's text) and mark its cases. Raises
        `BadInput` (unknown region, bad month or rate, a month not yet over) or `Conflict`
        (the month was drawn at another rate or seed)."""
        region_profile(region)
        fraction = parse_rate(rate)
        _, end = month_range(month)
        if end > now:
            raise BadInput(f"{month} 尚未结束，月末后才能抽查该月办结的办件")
        found = self._find(region, month)
        if found is not None:
            if Decimal(found.rate) != fraction or (seed is not None and seed != found.seed):
                raise Conflict(
                    f"{month} 已抽查 (第 {found.id} 号，比例 {found.rate}，种子 {found.seed})；"
                    "同一月份只抽查一次"
                )
            self._mark(found, now)
            return replace(found, existing=True)
        seed = secrets.randbelow(2**31) if seed is None else seed
        population = self.population(region, month)
        chosen = drawn_from(seed, population, fraction)
        with self.db.write() as conn:
            sample_id = conn.execute(
                insert(AUDIT_SAMPLES)
                .values(
                    region=region,
                    month=month,
                    rate=str(fraction),
                    seed=seed,
                    population=len(population),
                    drawn=len(chosen),
                    drawn_at=now,
                    drawn_by=actor,
                )
                .returning(AUDIT_SAMPLES.c.id)
            ).scalar_one()
            if chosen:
                conn.execute(
                    insert(AUDIT_SAMPLE_CASES),
                    [{"sample_id": sample_id, "case_no": no} for no in chosen],
                )
        made = Sample(
            sample_id, region, month, str(fraction), seed, len(population), now, actor,
            tuple(chosen),
        )  # fmt: skip
        self._mark(made, now)
        return made

    def _mark(self, sample: Sample, now: dt.datetime) -> None:
        for case_no in sample.cases:
            try:
                self.cases.decide(
                    case_no,
                    lambda case: sampled(
                        self.cases.engine, case, sample_id=sample.id, month=sample.month, now=now
                    ),
                )
            except Conflict:
                continue  # marked before this draw stopped, or by another process

    def _find(self, region: str, month: str) -> Sample | None:
        found = self._read((AUDIT_SAMPLES.c.region == region) & (AUDIT_SAMPLES.c.month == month))
        return found[0] if found else None

    def samples(self, region: str | None = None) -> list[Sample]:
        """Every sample (of ``region``), newest month first."""
        return self._read(None if region is None else AUDIT_SAMPLES.c.region == region)

    def _read(self, where: Any) -> list[Sample]:
        """The samples ``where`` selects (all: None) with their cases, in two queries."""
        query = select(AUDIT_SAMPLES).order_by(AUDIT_SAMPLES.c.month.desc(), AUDIT_SAMPLES.c.id)
        if where is not None:
            query = query.where(where)
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
            ids = [r.id for r in rows]
            drawn = (
                conn.execute(
                    select(AUDIT_SAMPLE_CASES.c.sample_id, AUDIT_SAMPLE_CASES.c.case_no)
                    .where(AUDIT_SAMPLE_CASES.c.sample_id.in_(ids))
                    .order_by(AUDIT_SAMPLE_CASES.c.case_no)
                ).all()
                if ids
                else []
            )
        by_sample: dict[int, list[str]] = {}
        for sample_id, case_no in drawn:
            by_sample.setdefault(sample_id, []).append(case_no)
        return [
            Sample(
                r.id,
                r.region,
                r.month,
                r.rate,
                r.seed,
                r.population,
                r.drawn_at,
                r.drawn_by,
                tuple(by_sample.get(r.id, ())),
            )
            for r in rows
        ]

    def report(self, sample_id: int) -> SampleReport:
        """The sample ``sample_id`` and each case's finding. Raises `NotFound`."""
        found = self._read(AUDIT_SAMPLES.c.id == sample_id)
        sample = found[0] if found else None
        if sample is None:
            raise NotFound(f"没有第 {sample_id} 号稽核抽查")
        report = SampleReport(sample)
        with self.db.engine.connect() as conn:
            data = dict(
                conn.execute(
                    select(CASES.c.case_no, CASES.c.data).where(CASES.c.case_no.in_(sample.cases))
                ).all()
            )
        for case_no in sample.cases:
            stored = json.loads(data.get(case_no, "{}"))
            checks = stored.get("audit_checks") or []
            mine: dict[str, Any] = next((c for c in checks if c.get("sample_id") == sample_id), {})
            finding = mine.get("finding")
            report.rows.append(
                {
                    "case_no": case_no,
                    "item_name": stored.get("item_name", ""),
                    "finding": finding,
                    "finding_label": FINDINGS.get(finding or "", "待稽核"),
                    "note": mine.get("note"),
                    "checked_by": mine.get("checked_by"),
                    "rectified": mine.get("rectified"),
                }
            )
        return report


__all__ = ["AuditCheck", "AuditSampleStore", "Sample", "SampleReport", "drawn_from"]

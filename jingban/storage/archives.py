"""The archive store: exported packages, their appraisals (鉴定) and destructions.

A package is recorded when it is exported (`record`), so the packages whose retention term
has ended can be listed years later (`due`) without reading any package. Destroying one
needs the appraisals of two different people and a term that has ended; it leaves a row in
``archive_destructions`` and never deletes anything, least of all audit records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from jingban.calendar import BEIJING
from jingban.engine import TERMINAL_STATES, checked_text, normalise_case_number
from jingban.errors import BadInput, Conflict, NotAllowed, NotFound
from jingban.storage.database import Database
from jingban.storage.models import AUDIT, CASES
from jingban.storage.models_archives import (
    ARCHIVE_APPRAISALS,
    ARCHIVE_DESTRUCTIONS,
    ARCHIVE_PACKAGES,
)

__all__ = ["REQUIRED_APPRAISERS", "Appraisal", "ArchiveStore", "PackageRecord"]

#: How many different people must appraise a package before it may be destroyed.
REQUIRED_APPRAISERS = 2


@dataclass(frozen=True)
class PackageRecord:
    """What the database keeps of one exported package."""

    package_id: str
    case_no: str
    region: str
    office: str | None
    item_key: str
    state: str
    closed_on: dt.date
    term: str
    term_years: int | None
    term_source: str
    expires_on: dt.date | None
    path: str
    manifest_sha256: str
    files: int
    exported_at: dt.datetime
    exported_by: str
    destroyed_at: dt.datetime | None = None

    def term_ended(self, today: dt.date) -> bool:
        """Whether the retention term has ended on ``today`` (never for a permanent one)."""
        return self.expires_on is not None and today >= self.expires_on

    def as_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (dates ISO, times aware)."""
        return {
            "package_id": self.package_id,
            "case_no": self.case_no,
            "region": self.region,
            "office": self.office,
            "item_key": self.item_key,
            "state": self.state,
            "closed_on": self.closed_on.isoformat(),
            "term": self.term,
            "term_years": self.term_years,
            "term_source": self.term_source,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "path": self.path,
            "manifest_sha256": self.manifest_sha256,
            "files": self.files,
            "exported_at": self.exported_at,
            "exported_by": self.exported_by,
            "destroyed_at": self.destroyed_at,
        }


@dataclass(frozen=True)
class Appraisal:
    """One person's appraisal (鉴定) of a package."""

    appraiser: str
    opinion: str
    at: dt.datetime


_COLUMNS = [c for c in ARCHIVE_PACKAGES.c if c.name != "id"]


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(BEIJING).date()


class ArchiveStore:
    """The archive records of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _query(self) -> Any:
        return select(*_COLUMNS, ARCHIVE_DESTRUCTIONS.c.at.label("destroyed_at")).outerjoin(
            ARCHIVE_DESTRUCTIONS,
            ARCHIVE_DESTRUCTIONS.c.package_id == ARCHIVE_PACKAGES.c.package_id,
        )

    def closed_between(self, region: str, start: dt.datetime, end: dt.datetime) -> list[str]:
        """Numbers of the cases of ``region`` that ended (办结, 不予受理, 撤回) at or after
        ``start`` and before ``end`` (the time of their last chain record), oldest first."""
        query = (
            select(CASES.c.case_no)
            .join(
                AUDIT,
                and_(AUDIT.c.case_no == CASES.c.case_no, AUDIT.c.seq == CASES.c.audit_seq),
            )
            .where(
                CASES.c.region == region,
                CASES.c.state.in_(sorted(TERMINAL_STATES)),
                AUDIT.c.at >= start,
                AUDIT.c.at < end,
            )
            .order_by(AUDIT.c.at, CASES.c.id)
        )
        with self.db.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def record(self, package: PackageRecord) -> None:
        """Record an exported package; raises `Conflict` when the case was archived already."""
        values = {c.name: getattr(package, c.name) for c in _COLUMNS}
        try:
            with self.db.write() as conn:
                conn.execute(insert(ARCHIVE_PACKAGES).values(**values))
        except IntegrityError:
            raise Conflict(f"办件 {package.case_no} 已经归档，不再重复导出") from None

    def find(self, package_id: str) -> PackageRecord | None:
        """The package recorded under ``package_id`` (a case number), or None."""
        number = normalise_case_number(package_id)
        query = self._query().where(ARCHIVE_PACKAGES.c.package_id == number)
        with self.db.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else PackageRecord(**row._mapping)

    def get(self, package_id: str) -> PackageRecord:
        """The package recorded under ``package_id``; raises `NotFound`."""
        found = self.find(package_id)
        if found is None:
            raise NotFound(
                f"没有档案包 {package_id} 的归档记录（先用 jingban archive export 导出）"
            )
        return found

    def due(self, year: int, region: str | None = None) -> list[PackageRecord]:
        """The packages not destroyed whose term ends by 31 December of ``year`` (their
        first day after the term is at the latest 1 January of the next year), soonest
        first; permanent packages never."""
        last = dt.date.max if year >= dt.MAXYEAR else dt.date(year + 1, 1, 1)
        query = self._query().where(
            ARCHIVE_PACKAGES.c.expires_on.is_not(None),
            ARCHIVE_PACKAGES.c.expires_on <= last,
            ARCHIVE_DESTRUCTIONS.c.id.is_(None),
        )
        if region is not None:
            query = query.where(ARCHIVE_PACKAGES.c.region == region)
        query = query.order_by(ARCHIVE_PACKAGES.c.expires_on, ARCHIVE_PACKAGES.c.package_id)
        with self.db.engine.connect() as conn:
            return [PackageRecord(**row._mapping) for row in conn.execute(query)]

    def appraisals(self, package_id: str) -> list[Appraisal]:
        """The package's appraisals, oldest first."""
        number = normalise_case_number(package_id)
        query = (
            select(
                ARCHIVE_APPRAISALS.c.appraiser,
                ARCHIVE_APPRAISALS.c.opinion,
                ARCHIVE_APPRAISALS.c.at,
            )
            .where(ARCHIVE_APPRAISALS.c.package_id == number)
            .order_by(ARCHIVE_APPRAISALS.c.id)
        )
        with self.db.engine.connect() as conn:
            return [Appraisal(*row) for row in conn.execute(query)]

    def appraise(self, package_id: str, *, by: str, opinion: str, now: dt.datetime) -> Appraisal:
        """Record ``by``'s appraisal of the package. Raises `NotFound` (no such package),
        `BadInput` (an empty opinion, or one keeping a full identity or account number),
        `NotAllowed` (destroyed already, kept permanently, its term not ending this year or
        earlier, or ``by`` appraised it already)."""
        package = self.get(package_id)
        opinion = opinion.strip()
        if not opinion:
            raise BadInput("鉴定意见不能为空")
        checked_text(opinion, "鉴定意见", lines=True)
        if package.destroyed_at is not None:
            raise NotAllowed(f"档案包 {package.package_id} 已经销毁")
        if package.expires_on is None:
            raise NotAllowed(f"档案包 {package.package_id} 永久保管，不作销毁鉴定")
        if package.expires_on.year - 1 > _today(now).year:
            raise NotAllowed(
                f"档案包 {package.package_id} 的保管期限到 {package.expires_on.year - 1} 年底，"
                "期满当年才能鉴定"
            )
        try:
            with self.db.write() as conn:
                conn.execute(
                    insert(ARCHIVE_APPRAISALS).values(
                        package_id=package.package_id, appraiser=by, opinion=opinion, at=now
                    )
                )
        except IntegrityError:
            raise NotAllowed(
                f"{by} 已经鉴定过档案包 {package.package_id}，须由另一人鉴定"
            ) from None
        return Appraisal(by, opinion, now)

    def destroy(
        self, package_id: str, *, by: str, now: dt.datetime, remove: Callable[[PackageRecord], int]
    ) -> dict[str, Any]:
        """Destroy the package: ``remove(package)`` deletes its files (returning how many)
        inside the transaction that writes the destruction record, so a failed removal
        records nothing and two destructions at once remove the files once. Raises
        `NotFound`, or `NotAllowed` when it was destroyed already, is kept permanently, its
        term has not ended, or fewer than two different people appraised it. Returns the
        destruction record."""
        package = self.get(package_id)
        if package.destroyed_at is not None:
            raise NotAllowed(f"档案包 {package.package_id} 已经销毁")
        if package.expires_on is None:
            raise NotAllowed(f"档案包 {package.package_id} 永久保管，不能销毁")
        if not package.term_ended(_today(now)):
            raise NotAllowed(
                f"档案包 {package.package_id} 的保管期限 ({package.term}) 到 "
                f"{package.expires_on - dt.timedelta(days=1)} 才届满，期满前不能销毁"
            )
        people = _distinct(a.appraiser for a in self.appraisals(package.package_id))
        if len(people) < REQUIRED_APPRAISERS:
            raise NotAllowed(
                f"档案包 {package.package_id} 须经两名不同人员鉴定后才能销毁"
                f"（已鉴定: {'、'.join(people) or '无'}）"
            )
        record = {
            "package_id": package.package_id,
            "destroyed_by": by,
            "appraisers": json.dumps(people, ensure_ascii=False),
            "path": package.path,
            "manifest_sha256": package.manifest_sha256,
            "at": now,
        }
        try:
            with self.db.write() as conn:
                # the record first: a second destruction at once stops here, before any
                # file is touched; the count of files is filled in once they are removed
                found = conn.execute(
                    insert(ARCHIVE_DESTRUCTIONS)
                    .values(**record, files_removed=0)
                    .returning(ARCHIVE_DESTRUCTIONS.c.id)
                ).scalar_one()
                removed = remove(package)
                conn.execute(
                    update(ARCHIVE_DESTRUCTIONS)
                    .where(ARCHIVE_DESTRUCTIONS.c.id == found)
                    .values(files_removed=removed)
                )
        except IntegrityError:
            raise NotAllowed(f"档案包 {package.package_id} 已经销毁") from None
        return {**record, "appraisers": people, "files_removed": removed}

    def destruction(self, package_id: str) -> dict[str, Any] | None:
        """The destruction record of the package, or None."""
        number = normalise_case_number(package_id)
        query = select(ARCHIVE_DESTRUCTIONS).where(ARCHIVE_DESTRUCTIONS.c.package_id == number)
        with self.db.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        out = dict(row._mapping)
        out.pop("id")
        out["appraisers"] = json.loads(out["appraisers"])
        return out


def _distinct(names: Sequence[str] | Any) -> list[str]:
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen

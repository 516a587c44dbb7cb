"""Exporting closed cases as archive packages, and destroying packages whose term ended.

`export_case` writes the package of one case that has ended (办结, 不予受理, 撤回) and records
it in the archive store with the retention term of its item (`jingban.workflows.retention`);
`export_range` does so for every case of a region that ended between two days. A case still
open is refused (`NotAllowed`), one archived already too (`Conflict`), one whose audit chain
does not verify as well (`VerificationFailed`): a package must verify years later.

The notices are rendered by the caller (``render_notices``: the console's print view, with
no server running), so this module knows no templates; the attached material files are
the case's kept files (`attached_files`, from the attachment store) unless the caller
supplies others (``files``).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jingban.archive.package import MaterialFile, PrintedNotice, Written, write_package
from jingban.archive.verify import read_manifest
from jingban.calendar import BEIJING, region_profile
from jingban.engine import AuditEvent, Case, mask_name
from jingban.engine.present import case_summary
from jingban.errors import Conflict, NotAllowed, NotFound, VerificationFailed
from jingban.services import Services
from jingban.storage.archives import PackageRecord
from jingban.workflows import STATE_LABELS, Item
from jingban.workflows.retention import retention

__all__ = ["Exported", "NoticeRenderer", "destroy_package", "export_case", "export_range"]

METADATA_FORMAT = "jingban-archive-metadata/1"

NoticeRenderer = Callable[[Services, Case, Item, list[AuditEvent]], list[PrintedNotice]]
"""What renders a case's notices as printed: (services, case, item, its history) → notices."""


@dataclass(frozen=True)
class Exported:
    """One package exported: its record and where it was written."""

    record: PackageRecord
    written: Written


def _staff(services: Services, chain: list[AuditEvent]) -> list[dict[str, Any]]:
    """Every staff member who took an action on the case, in order of first action."""
    people: dict[str, dict[str, Any]] = {}
    for event in chain:
        person = people.get(event.actor)
        if person is None:
            try:
                name = services.accounts.user(event.actor).display_name or event.actor
            except NotFound:
                name = event.actor
            person = people[event.actor] = {
                "login": event.actor,
                "name": name,
                "roles": [],
                "actions": [],
            }
        if event.role not in person["roles"]:
            person["roles"].append(event.role)
        person["actions"].append({"seq": event.seq, "action": event.action, "at": event.at})
    return list(people.values())


def _metadata(
    services: Services, case: Case, item: Item, chain: list[AuditEvent], now: dt.datetime, by: str
) -> tuple[dict[str, Any], PackageRecord]:
    term = retention().of(case.region, case.item_key)
    closed_at = chain[-1].at
    closed_on = closed_at.astimezone(BEIJING).date()
    expires = term.expires_on(closed_on)
    summary = case_summary(case)
    summary["applicant_name"] = mask_name(case.applicant_name)
    metadata = {
        "format": METADATA_FORMAT,
        "case_no": case.case_no,
        "region_name": region_profile(case.region).name,
        "item": {
            "key": item.key,
            "name": item.name,
            "group": item.group,
            "group_code": item.group_code,
            "code": item.code,
            "version": case.item_version,
        },
        "case": summary,
        "outcome": {
            "state": case.state,
            "state_label": STATE_LABELS.get(case.state, case.state),
            "outcome": case.outcome,
            "closed_at": closed_at,
            "closed_on": closed_on,
            "closing_action": chain[-1].action,
            "reason": chain[-1].reason,
        },
        "staff": _staff(services, chain),
        "retention": {
            "term": term.term,
            "years": term.years,
            "source": term.source,
            "clause": term.clause,
            "counts_from": dt.date(closed_on.year + 1, 1, 1) if term.years else None,
            "expires_on": expires,
        },
        "exported_at": now,
        "exported_by": by,
    }
    record = PackageRecord(
        package_id=case.case_no,
        case_no=case.case_no,
        region=case.region,
        office=case.office,
        item_key=case.item_key,
        state=case.state,
        closed_on=closed_on,
        term=term.term,
        term_years=term.years,
        term_source=f"{term.source}；{term.clause}",
        expires_on=expires,
        path="",
        manifest_sha256="",
        files=0,
        exported_at=now,
        exported_by=by,
    )
    return metadata, record


def attached_files(services: Services, case_no: str) -> list[MaterialFile]:
    """The files kept for the case's materials (`AttachmentStore.files_for`), as the package
    keeps them: each copied from the content-addressed store, with its recorded SHA-256 (a
    file whose content no longer matches is refused by the writer, and nothing is left)."""
    return [
        MaterialFile(material=material, name=name, content=path, sha256=digest)
        for material, name, path, digest, _size in services.attachments.files_for(case_no)
    ]


def export_case(
    services: Services,
    case_no: str,
    out: Path,
    *,
    render_notices: NoticeRenderer,
    files: Iterable[MaterialFile] | None = None,
    by: str,
    now: dt.datetime,
) -> Exported:
    """Write and record the package of the ended case ``case_no`` under ``out``. Raises
    `NotFound`, `NotAllowed` (the case is still open), `Conflict` (archived already, or its
    directory exists), `VerificationFailed` (its audit trail does not verify), `BadInput` or
    `DiskFull` (the directory cannot be written; nothing is recorded then)."""
    case = services.cases.get(case_no)
    if not case.is_terminal:
        label = STATE_LABELS.get(case.state, case.state)
        raise NotAllowed(
            f"办件 {case.case_no} 尚未办结（当前: {label}），"
            "只有已办结、不予受理或已撤回的办件才能归档"
        )
    if services.archives.find(case.case_no) is not None:
        raise Conflict(f"办件 {case.case_no} 已经归档，不再重复导出")
    _, breaks = services.cases.verify(case.case_no)
    if breaks:
        raise VerificationFailed(
            f"办件 {case.case_no} 的审计记录校验不通过，不能归档: {breaks[0].problem}"
        )
    history = services.cases.history(case.case_no)
    chain = [e for e in history if not e.outside_chain]
    refusals = [e for e in history if e.outside_chain]
    item = services.engine.item_of(case)
    metadata, record = _metadata(services, case, item, chain, now, by)
    written = write_package(
        out,
        case.case_no,
        metadata=metadata,
        chain=chain,
        refusals=refusals,
        notices=render_notices(services, case, item, history),
        files=attached_files(services, case.case_no) if files is None else files,
        created_at=now,
    )
    record = replace(
        record,
        path=str(written.path.resolve()),
        manifest_sha256=written.manifest_sha256,
        files=written.files,
    )
    try:
        services.archives.record(record)
    except BaseException:
        shutil.rmtree(written.path, ignore_errors=True)
        raise
    return Exported(record, written)


def export_range(
    services: Services,
    region: str,
    start: dt.date,
    end: dt.date,
    out: Path,
    *,
    render_notices: NoticeRenderer,
    by: str,
    now: dt.datetime,
) -> tuple[list[Exported], list[tuple[str, str]]]:
    """Export every case of ``region`` that ended from ``start`` to ``end`` (Beijing days,
    both included) and is not archived yet. Returns the packages written and the cases
    skipped with the reason (archived already, or refused for a reason of its own)."""
    since = dt.datetime.combine(start, dt.time(), BEIJING)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), BEIJING)
    done: list[Exported] = []
    skipped: list[tuple[str, str]] = []
    for case_no in services.archives.closed_between(region, since, until):
        if services.archives.find(case_no) is not None:
            skipped.append((case_no, "已经归档"))
            continue
        try:
            done.append(
                export_case(services, case_no, out, render_notices=render_notices, by=by, now=now)
            )
        except (Conflict, NotAllowed, VerificationFailed) as exc:
            skipped.append((case_no, exc.message))
    return done, skipped


def _remover(directory: Path | None) -> Callable[[PackageRecord], int]:
    def remove(package: PackageRecord) -> int:
        root = directory or Path(package.path)
        manifest, problem = read_manifest(root)
        if manifest is None:
            raise NotAllowed(
                f"找不到档案包 {package.package_id} 的文件 ({root}: {problem})；"
                "请用 --path 指明档案包所在目录"
            )
        if manifest.get("package_id") != package.package_id:
            raise NotAllowed(
                f"{root} 是档案包 {manifest.get('package_id')} 的目录，不是 {package.package_id}"
            )
        count = sum(1 for p in root.rglob("*") if p.is_file())
        try:
            shutil.rmtree(root)
        except OSError as exc:
            raise NotAllowed(f"无法删除档案包目录 {root}: {exc.strerror or exc}") from None
        return count

    return remove


def destroy_package(
    services: Services, package_id: str, *, by: str, now: dt.datetime, path: Path | None = None
) -> dict[str, Any]:
    """Remove the package's files (from ``path``, else where it was exported) and record the
    destruction; raises `NotFound` or `NotAllowed` (see `ArchiveStore.destroy`, and a
    directory that is not this package's), leaving the files in place."""
    return services.archives.destroy(package_id, by=by, now=now, remove=_remover(path))

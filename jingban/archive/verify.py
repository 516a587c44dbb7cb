"""Verifying an archive package from its files alone, without the database.

`verify_package` proves a package complete and unaltered: the manifest is readable and of a
known format; every file it lists is there with its size and SHA-256; no file is there that
it does not list; the audit chain recomputes (each record's hash from its content, each link
to the one before, sequence without gaps) and ends at the head the manifest and the metadata
name; each refused attempt's hash recomputes and names a record of the chain. It returns one
Chinese line per problem (an empty list: the package verifies).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Any

from jingban.archive.package import (
    AUDIT_CHAIN,
    AUDIT_REFUSALS,
    MANIFEST,
    MANIFEST_FORMAT,
    METADATA,
    file_sha256,
)
from jingban.engine.audit import REFUSAL_FORMAT, AuditEvent, event_hash, verify_chain

__all__ = ["manifest_digest", "read_manifest", "verify_package"]


def read_manifest(root: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The package's manifest, or None and the problem that stops reading it."""
    path = root / MANIFEST
    if not root.is_dir():
        return None, f"{root} 不是目录"
    if not path.is_file():
        return None, f"缺少清单文件 {MANIFEST}"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"清单文件 {MANIFEST} 无法读取: {exc}"
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        return None, f"清单格式 {found!r} 无法识别 (应为 {MANIFEST_FORMAT})"
    if not isinstance(manifest.get("files"), list):
        return None, f"清单文件 {MANIFEST} 没有文件列表"
    return manifest, None


def _safe(relative: object) -> str | None:
    if not isinstance(relative, str) or not relative:
        return None
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or "\\" in relative:
        return None
    return relative


def _files(root: Path, manifest: dict[str, Any]) -> tuple[list[str], set[str]]:
    problems: list[str] = []
    listed: set[str] = set()
    for entry in manifest["files"]:
        relative = _safe(entry.get("path") if isinstance(entry, dict) else None)
        if relative is None:
            problems.append(f"清单中有不合规的文件路径: {entry!r}")
            continue
        listed.add(relative)
        path = root / relative
        if not path.is_file():
            problems.append(f"文件缺失: {relative}")
        elif path.stat().st_size != entry.get("bytes") or file_sha256(path) != entry.get("sha256"):
            problems.append(f"文件被改动: {relative} (SHA-256 与清单不符)")
    present = {
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()
    }
    for extra in sorted(present - listed - {MANIFEST}):
        problems.append(f"多出的文件 (清单中没有): {extra}")
    return problems, listed


def _time(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("time is not text")
    return dt.datetime.fromisoformat(value)


def _event(record: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        case_no=record["case_no"],
        action=record["action"],
        actor=record["actor"],
        role=record["role"],
        at=_time(record["at"]),
        recorded_at=_time(record["recorded_at"]),
        from_state=record["from_state"],
        to_state=record["to_state"],
        reason=record["reason"],
        payload=record["payload"],
        refused=record["refused"],
        backdated=record["backdated"],
        seq=record["seq"],
        prev_hash=record["prev_hash"],
        hash=record["hash"],
        format=record["format"],
        refusal_no=record.get("refusal_no", 0),
    )


def _records(root: Path, relative: str) -> tuple[list[AuditEvent], str | None]:
    events = []
    try:
        lines = (root / relative).read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            try:
                events.append(_event(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                return events, f"审计记录 {relative} 第 {number} 行无法读取: {exc}"
    except (OSError, UnicodeDecodeError) as exc:
        return events, f"审计记录 {relative} 无法读取: {exc}"
    return events, None


def _audit(root: Path, manifest: dict[str, Any], package_id: str) -> list[str]:
    problems: list[str] = []
    chain, problem = _records(root, AUDIT_CHAIN)
    if problem:
        return [problem]
    head = manifest.get("audit_head")
    found = verify_chain(chain, head=head if isinstance(head, str) else None, case_no=package_id)
    if found is not None:
        problems.append(f"审计链断裂: 第 {found.seq} 条: {found.problem}")
    if not chain:
        problems.append("审计链为空")
    elif any(e.case_no != package_id for e in chain):
        problems.append(f"审计链中有不属于办件 {package_id} 的记录")
    try:
        metadata = json.loads((root / METADATA).read_text(encoding="utf-8"))
        if metadata.get("case_no") != package_id:
            problems.append(
                f"元数据的办件编号 {metadata.get('case_no')!r} 与清单 {package_id} 不符"
            )
        if metadata.get("audit", {}).get("head") != head:
            problems.append("元数据记载的审计链末尾哈希与清单不符")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        problems.append(f"元数据 {METADATA} 无法读取")
    hashes = {e.seq: e.hash for e in chain}
    refusals, problem = _records(root, AUDIT_REFUSALS)
    if problem:
        return [*problems, problem]
    for refusal in refusals:
        where = f"拒绝记录 拒{refusal.refusal_no}"
        if refusal.format != REFUSAL_FORMAT:
            problems.append(f"{where}: 格式 {refusal.format!r} 不是链外拒绝记录")
        elif event_hash(refusal) != refusal.hash:
            problems.append(f"{where}: 记录内容与哈希不符 (记录被改动)")
        elif hashes.get(refusal.seq) != refusal.prev_hash:
            problems.append(f"{where}: 所依据的第 {refusal.seq} 条链记录不符")
    return problems


def verify_package(root: Path) -> list[str]:
    """Every problem of the package at ``root``, one line each (empty: it verifies)."""
    manifest, problem = read_manifest(root)
    if manifest is None:
        return [problem or "清单无法读取"]
    package_id = manifest.get("package_id")
    if not isinstance(package_id, str) or not package_id:
        return ["清单没有档案包编号"]
    problems, listed = _files(root, manifest)
    if {AUDIT_CHAIN, AUDIT_REFUSALS, METADATA} - listed:
        missing = sorted({AUDIT_CHAIN, AUDIT_REFUSALS, METADATA} - listed)
        problems.append(f"清单缺少必备文件: {'、'.join(missing)}")
        return problems
    if not all((root / name).is_file() for name in (AUDIT_CHAIN, AUDIT_REFUSALS, METADATA)):
        return problems  # told as missing files; nothing to recompute
    return [*problems, *_audit(root, manifest, package_id)]


def manifest_digest(root: Path) -> str:
    """SHA-256 (hex) of the package's manifest file as it is now."""
    return hashlib.sha256((root / MANIFEST).read_bytes()).hexdigest()

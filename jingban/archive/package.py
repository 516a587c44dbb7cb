"""Writing an archive package: one directory per closed case, every file listed with its
SHA-256 in ``manifest.json`` (the layout and formats: docs/archives.md).

The writer takes what goes in from its caller — the metadata, the audit records, the printed
notices and the attached material files ``(material name, file name, bytes or path,
sha256)`` — and promises: the package appears complete under its final name or not at all
(written beside it under a temporary name, then renamed); a material file whose bytes do not
have the SHA-256 the caller gave is refused before anything is kept; an existing directory is
never overwritten.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jingban.engine.audit import AuditEvent, canonical_json
from jingban.errors import BadInput, Conflict, DiskFull

__all__ = [
    "AUDIT_CHAIN",
    "AUDIT_REFUSALS",
    "MANIFEST",
    "MANIFEST_FORMAT",
    "METADATA",
    "MaterialFile",
    "PrintedNotice",
    "Written",
    "event_record",
    "file_sha256",
    "write_package",
]

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "jingban-archive/1"
METADATA = "metadata.json"
AUDIT_CHAIN = "audit/chain.jsonl"
AUDIT_REFUSALS = "audit/refusals.jsonl"
NOTICES_DIR = "notices"
FILES_DIR = "files"

_UNSAFE = re.compile(r"[\x00-\x1f/\\:*?\"<>|]")


@dataclass(frozen=True)
class MaterialFile:
    """An attached material file to keep in the package's ``files/`` directory: the
    material it proves (its name in the item's list), the file's own name, its content
    (bytes, or the path of a file to copy) and the SHA-256 (hex) the caller recorded."""

    material: str
    name: str
    content: bytes | Path
    sha256: str


@dataclass(frozen=True)
class PrintedNotice:
    """A notice as printed: its kind, title, number, the audit record it prints, the
    self-contained HTML page and its text."""

    kind: str
    title: str
    number: str
    seq: int
    html: str
    text: str


@dataclass(frozen=True)
class Written:
    """A package written: its directory, the SHA-256 of its manifest, how many files the
    manifest lists."""

    path: Path
    manifest_sha256: str
    files: int


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def event_record(event: AuditEvent) -> dict[str, Any]:
    """An audit record as one line of the package's audit extract: every field its hash
    covers, its hash and format (and a refusal's number), times as UTC text."""
    record: dict[str, Any] = {
        "case_no": event.case_no,
        "seq": event.seq,
        "action": event.action,
        "actor": event.actor,
        "role": event.role,
        "at": event.at,
        "recorded_at": event.recorded_at,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "payload": event.payload,
        "refused": event.refused,
        "backdated": event.backdated,
        "prev_hash": event.prev_hash,
        "format": event.format,
        "hash": event.hash,
    }
    if event.outside_chain:
        record["refusal_no"] = event.refusal_no
    return record


def _lines(events: Sequence[AuditEvent]) -> bytes:
    return "".join(canonical_json(event_record(e)) + "\n" for e in events).encode("utf-8")


def _json_bytes(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, default=_default) + "\n").encode()


def _default(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _safe_name(name: str) -> str:
    cleaned = _UNSAFE.sub("_", name.strip()).strip(". ")
    return cleaned[:120] or "file"


def _disk_error(exc: OSError, where: Path) -> Exception:
    if exc.errno == errno.ENOSPC:
        return DiskFull(f"归档目录 {where} 所在磁盘已满，档案包未写入；请清理空间后重试")
    return BadInput(f"无法写入归档目录 {where}: {exc.strerror or exc}")


def write_package(
    out: Path,
    package_id: str,
    *,
    metadata: Mapping[str, Any],
    chain: Sequence[AuditEvent],
    refusals: Sequence[AuditEvent],
    notices: Iterable[PrintedNotice],
    files: Iterable[MaterialFile],
    created_at: dt.datetime,
) -> Written:
    """Write the package of ``package_id`` as ``out/<package_id>/``. Raises `Conflict` when
    that directory exists, `BadInput` for a material whose bytes do not match its SHA-256 or
    a directory that cannot be written, `DiskFull` when the disk is full; in every case
    nothing is left behind."""
    target = out / package_id
    if target.exists():
        raise Conflict(f"归档目录中已有 {target}，不覆盖已有的档案包")
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{package_id}.", dir=out))
    except OSError as exc:
        raise _disk_error(exc, out) from None
    try:
        written = _fill(staging, package_id, metadata, chain, refusals, notices, files, created_at)
        os.replace(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY) and target.exists():
            raise Conflict(f"归档目录中已有 {target}，不覆盖已有的档案包") from None
        raise _disk_error(exc, out) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Written(target, written[0], written[1])


def _fill(
    root: Path,
    package_id: str,
    metadata: Mapping[str, Any],
    chain: Sequence[AuditEvent],
    refusals: Sequence[AuditEvent],
    notices: Iterable[PrintedNotice],
    files: Iterable[MaterialFile],
    created_at: dt.datetime,
) -> tuple[str, int]:
    listed: list[dict[str, Any]] = []

    def put(relative: str, data: bytes, kind: str) -> dict[str, Any]:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entry = {
            "path": relative,
            "kind": kind,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        listed.append(entry)
        return entry

    notice_entries = []
    for index, notice in enumerate(notices, start=1):
        stem = f"{NOTICES_DIR}/{index:02d}-{notice.kind}"
        put(f"{stem}.html", notice.html.encode("utf-8"), "notice")
        put(f"{stem}.txt", notice.text.encode("utf-8"), "notice")
        notice_entries.append(
            {
                "kind": notice.kind,
                "title": notice.title,
                "number": notice.number,
                "seq": notice.seq,
                "html": f"{stem}.html",
                "text": f"{stem}.txt",
            }
        )
    (root / FILES_DIR).mkdir()
    file_entries = []
    for index, material in enumerate(files, start=1):
        data = (
            material.content.read_bytes()
            if isinstance(material.content, Path)
            else material.content
        )
        if hashlib.sha256(data).hexdigest() != material.sha256.lower():
            raise BadInput(
                f"材料“{material.material}”的文件 {material.name} 与登记的 SHA-256 不符，未归档"
            )
        entry = put(f"{FILES_DIR}/{index:03d}-{_safe_name(material.name)}", data, "material")
        file_entries.append({"material": material.material, "name": material.name, **entry})
    put(AUDIT_CHAIN, _lines(chain), "audit")
    put(AUDIT_REFUSALS, _lines(refusals), "audit")
    head = chain[-1].hash if chain else None
    body = {
        **metadata,
        "audit": {
            "chain": AUDIT_CHAIN,
            "refusals_file": AUDIT_REFUSALS,
            "records": len(chain),
            "head": head,
            "refusals": len(refusals),
        },
        "notices": notice_entries,
        "files": file_entries,
    }
    put(METADATA, _json_bytes(body), "metadata")
    manifest = {
        "format": MANIFEST_FORMAT,
        "package_id": package_id,
        "created_at": created_at,
        "hash": "sha256",
        "audit_head": head,
        "files": sorted(listed, key=lambda e: e["path"]),
    }
    data = _json_bytes(manifest)
    (root / MANIFEST).write_bytes(data)
    return hashlib.sha256(data).hexdigest(), len(listed)

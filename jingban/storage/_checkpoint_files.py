"""Checkpoints as records, and exported checkpoint files: every checkpoint of a database
with its entries, as JSON (`EXPORT_FORMAT`), kept away from the database server and verified
against."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jingban.errors import BadInput


@dataclass(frozen=True, slots=True)
class Entry:
    """One case's chain and refusals as a checkpoint fixed them."""

    case_no: str
    seq: int
    head: str
    refusals: int
    refusal_digest: str

    def row(self) -> list[object]:
        return [self.case_no, self.seq, self.head, self.refusals, self.refusal_digest]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed checkpoint and its entries."""

    id: int
    made_at: dt.datetime
    made_by: str
    slot: str | None
    prev_mac: str
    digest: str
    key_id: str
    mac: str
    items: tuple[Entry, ...] = field(default=())


#: What an exported file says it is.
EXPORT_FORMAT = "jingban-audit-checkpoints/1"


def write_export(path: Path, checkpoints: Sequence[Checkpoint], key_id: str) -> None:
    """Write ``checkpoints`` to ``path`` (replaced atomically); raises `BadInput` when the
    file cannot be written."""
    document = {
        "format": EXPORT_FORMAT,
        "key_id": key_id,
        "checkpoints": [_exported(c) for c in checkpoints],
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise BadInput(f"无法写入检查点文件 {path}: {exc.strerror or exc}") from None


def read_export(path: Path) -> list[Checkpoint]:
    """The checkpoints of an exported file; raises `BadInput` naming what is wrong."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"无法读取检查点文件 {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadInput(f"检查点文件 {path} 不是有效的 JSON") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise BadInput(f"检查点文件 {path} 不是 jingban 导出的审计检查点 ({EXPORT_FORMAT})")
    try:
        return [_imported(c) for c in document["checkpoints"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"检查点文件 {path} 内容不完整或已损坏 ({exc})") from None


def _exported(c: Checkpoint) -> dict[str, object]:
    return {
        "id": c.id,
        "made_at": c.made_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "made_by": c.made_by,
        "slot": c.slot,
        "prev_mac": c.prev_mac,
        "digest": c.digest,
        "key_id": c.key_id,
        "mac": c.mac,
        "entries": [e.row() for e in c.items],
    }


def _imported(d: Mapping[str, Any]) -> Checkpoint:
    made_at = dt.datetime.fromisoformat(str(d["made_at"]))
    if made_at.tzinfo is None:
        raise ValueError("made_at without a zone")
    items = tuple(Entry(str(n), int(s), str(h), int(r), str(g)) for n, s, h, r, g in d["entries"])
    return Checkpoint(
        int(d["id"]),
        made_at,
        str(d["made_by"]),
        None if d["slot"] is None else str(d["slot"]),
        str(d["prev_mac"]),
        str(d["digest"]),
        str(d["key_id"]),
        str(d["mac"]),
        items,
    )

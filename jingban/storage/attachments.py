"""Materials kept as files: attach a scan to a case's material, open it, verify it.

A file is checked before anything is stored (size within ``JINGBAN_ATTACHMENT_MAX_BYTES``,
a kind of ``JINGBAN_ATTACHMENT_TYPES`` told by its content, a material of the case's item),
kept on disk under its SHA-256 (`jingban.storage.file_blobs`), then recorded: one
transaction stores the case's ``attach`` audit record (the digest is a link of the case's
hash chain) and the ``case_files`` row, written by an effect of the case store
(`jingban.storage.action_effects`) so neither exists without the other. Every time staff
open a file the view is recorded (``file_views``: who, in which role, which case's file,
when) in the transaction that reads it; supervisors and administrators read that log.
`verify` checks every kept file against the audit records that name it.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import false, insert, select

from jingban.calendar import BEIJING
from jingban.engine import ChainBreak, normalise_case_number
from jingban.engine.attachments import ATTACH, FileFacts, clean_file_name
from jingban.errors import BadInput, Conflict, DatabaseDamaged, Forbidden, NotFound
from jingban.settings import env_name, settings
from jingban.storage.action_effects import EffectRow, Written
from jingban.storage.case_store import CaseStore
from jingban.storage.database import Database
from jingban.storage.file_blobs import FileBlobs, default_root
from jingban.storage.file_types import FILE_TYPES, checked_types, file_type
from jingban.storage.limits import stored_name
from jingban.storage.models import AUDIT
from jingban.storage.models_attachments import CASE_FILES, FILE_VIEWS
from jingban.workflows.vocabulary import ROLE_LABELS

#: The roles that may read the log of who opened which file.
VIEW_LOG_ROLES = ("supervisor", "admin")


@dataclass(frozen=True, slots=True)
class AttachedFile:
    """One file attached to one material of a case; ``seq`` is the place of its ``attach``
    record in the case's audit chain, ``path`` where its content is kept."""

    id: int
    case_no: str
    seq: int
    material: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    attached_by: str
    attached_at: dt.datetime
    path: Path

    @property
    def media_type(self) -> str:
        kind = FILE_TYPES.get(self.content_type)
        return kind.media_type if kind is not None else "application/octet-stream"

    def as_dict(self) -> dict[str, object]:
        """The file as the CLI's and the API's JSON give it (no path: where it is kept is
        the server's business)."""
        return {
            "id": self.id,
            "material": self.material,
            "file_name": self.file_name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "attached_by": self.attached_by,
            "attached_at": self.attached_at,
            "seq": self.seq,
        }


@dataclass(frozen=True, slots=True)
class FileView:
    """One recorded opening of an attached file."""

    case_no: str
    file_id: int
    material: str
    file_name: str
    viewer: str
    role: str
    at: dt.datetime

    def as_dict(self) -> dict[str, object]:
        return {
            "case_no": self.case_no,
            "file_id": self.file_id,
            "material": self.material,
            "file_name": self.file_name,
            "viewer": self.viewer,
            "role": self.role,
            "at": self.at,
        }


def _file_row(written: Written) -> Sequence[EffectRow]:
    """The ``case_files`` row of a stored ``attach`` record (none for any other action)."""
    event = written.event
    if event.action != ATTACH or written.opened:
        return ()
    p = event.payload
    return (
        EffectRow(
            CASE_FILES.name,
            {
                "case_no": event.case_no,
                "seq": event.seq,
                "material": p["material"],
                "file_name": p["file_name"],
                "content_type": p["content_type"],
                "size": p["size"],
                "sha256": p["sha256"],
                "attached_by": event.actor,
                "attached_at": event.at,
            },
        ),
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


class AttachmentStore:
    """The files attached to cases' materials (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        cases: CaseStore,
        root: Path | None = None,
        *,
        max_bytes: int | None = None,
        types: tuple[str, ...] | None = None,
    ) -> None:
        """Files are kept under ``root`` (default: `file_blobs.default_root`); ``max_bytes``
        and ``types`` default to the settings. Registers the ``case_files`` effect on
        ``cases`` (once)."""
        config = settings()
        self.db = db
        self.cases = cases
        self.blobs = FileBlobs(root or default_root(db.url))
        self.max_bytes = max_bytes or config.attachment_max_bytes
        listed = tuple(k.strip().lower() for k in config.attachment_types.split(",") if k.strip())
        self.types = checked_types(types or listed, env_name("attachment_types"))
        if _file_row not in cases.effects.registered:
            cases.add_effect(_file_row)

    # -- attaching ------------------------------------------------------------------------

    def attach(
        self,
        case_no: str,
        material: str,
        file_name: str,
        data: bytes,
        *,
        actor: str,
        role: str,
        now: dt.datetime,
    ) -> AttachedFile:
        """Keep ``data`` as a file of ``material`` (exact name, or a unique part of one) of
        the case, with its ``attach`` audit record. Raises `BadInput` (empty, too large, a
        kind not accepted, a name that does not fit, no such material: nothing stored),
        `CaseNotFound`, `Conflict` (the same file is already attached to that material, or
        the case changed meanwhile), `NotAllowed` (the role may not attach: recorded as a
        refused attempt), `DiskFull`."""
        stored_name(AUDIT.c.actor, actor, "操作人")
        name = clean_file_name(file_name)
        if not data:
            raise BadInput(f"文件 {name} 是空文件")
        self.check_size(name, len(data))
        kind = file_type(name, data, self.types)
        case, canonical = self.cases.material_of(case_no, material)
        facts = FileFacts(name, len(data), kind, _sha256(data))
        for kept in self.files(case.case_no):
            if kept.material == canonical and kept.sha256 == facts.sha256:
                raise Conflict(
                    f"材料「{canonical}」已附有同一文件 ({kept.file_name}，"
                    f"{kept.attached_by} 附于 {_beijing(kept.attached_at)})"
                )
        sha256, written = self.blobs.put(data)
        try:
            result = self.cases.attach_record(
                case.case_no, canonical, facts, actor=actor, role=role, now=now
            )
        except BaseException:
            if written and not self._referenced(sha256):
                self.blobs.remove(sha256)
            raise
        return self._file(case.case_no, result.event.seq)

    def check_size(self, file_name: str, size: int) -> None:
        """Raise `BadInput` when a file of ``size`` bytes is larger than may be attached
        (a front end checks a file's size before reading it all)."""
        if size > self.max_bytes:
            raise BadInput(
                f"文件 {file_name} 大小为 {_megabytes(size)}，超过上限 "
                f"{_megabytes(self.max_bytes)}；请压缩或分页扫描后再上传"
            )

    def _referenced(self, sha256: str) -> bool:
        query = select(CASE_FILES.c.id).where(CASE_FILES.c.sha256 == sha256).limit(1)
        with self.db.engine.connect() as conn:
            return conn.execute(query).first() is not None

    # -- reading --------------------------------------------------------------------------

    def _attached(self, row: Any) -> AttachedFile:
        m = row._mapping
        return AttachedFile(
            m["id"],
            m["case_no"],
            m["seq"],
            m["material"],
            m["file_name"],
            m["content_type"],
            m["size"],
            m["sha256"],
            m["attached_by"],
            m["attached_at"],
            self.blobs.path_of(m["sha256"]),
        )

    def _file(self, case_no: str, seq: int) -> AttachedFile:
        query = select(CASE_FILES).where(CASE_FILES.c.case_no == case_no, CASE_FILES.c.seq == seq)
        with self.db.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:  # the effect writes it with the record
            raise RuntimeError(f"attach record {case_no}#{seq} has no case_files row")
        return self._attached(row)

    def files(self, case_no: str) -> builtins.list[AttachedFile]:
        """The files attached to the case, in the order they were attached."""
        number = normalise_case_number(case_no)
        query = select(CASE_FILES).where(CASE_FILES.c.case_no == number).order_by(CASE_FILES.c.seq)
        with self.db.engine.connect() as conn:
            return [self._attached(r) for r in conn.execute(query)]

    def files_for(self, case_no: str) -> builtins.list[tuple[str, str, Path, str, int]]:
        """``(material, file name, path, sha256, size)`` of each file attached to the case,
        in the order attached (for the archive export)."""
        return [(f.material, f.file_name, f.path, f.sha256, f.size) for f in self.files(case_no)]

    def open(
        self, case_no: str, file_id: int, *, viewer: str, role: str, now: dt.datetime
    ) -> tuple[AttachedFile, bytes]:
        """The file ``file_id`` of the case and its content, the view recorded in the same
        transaction (no content is returned whose view is not committed). The caller has
        checked that ``viewer`` may see the case. Raises `NotFound` (no such file of that
        case) or `DatabaseDamaged` (the kept content is missing or no longer matches its
        digest: `jingban audit verify` names it)."""
        number = normalise_case_number(case_no)
        stored_name(FILE_VIEWS.c.viewer, viewer, "查看人")
        query = select(CASE_FILES).where(CASE_FILES.c.id == file_id, CASE_FILES.c.case_no == number)
        with self.db.write() as conn:
            row = conn.execute(query).first()
            if row is None:
                raise NotFound(f"办件 {number} 没有编号为 {file_id} 的材料文件")
            found = self._attached(row)
            data = self.blobs.read(found.sha256)
            if data is None:
                raise DatabaseDamaged(
                    f"材料文件「{found.file_name}」缺失或已被改动 (与审计记录的 SHA-256 不符)，"
                    "请管理员运行 jingban audit verify 并从备份恢复"
                )
            conn.execute(
                insert(FILE_VIEWS).values(
                    file_id=found.id,
                    case_no=number,
                    material=found.material,
                    file_name=found.file_name,
                    viewer=viewer,
                    role=role,
                    at=now,
                )
            )
        return found, data

    def views(
        self, *, role: str, case_no: str | None = None, limit: int = 200
    ) -> builtins.list[FileView]:
        """Who opened which file, newest first (of one case), for a role of
        `VIEW_LOG_ROLES`; raises `Forbidden` for any other role."""
        if role not in VIEW_LOG_ROLES:
            allowed = "、".join(ROLE_LABELS[r] for r in VIEW_LOG_ROLES)
            who = ROLE_LABELS.get(role, role)
            raise Forbidden(f"{who}无权查看材料文件的查阅记录 (仅限{allowed})")
        query = select(FILE_VIEWS).order_by(FILE_VIEWS.c.id.desc()).limit(limit)
        if case_no is not None:
            query = query.where(FILE_VIEWS.c.case_no == normalise_case_number(case_no))
        with self.db.engine.connect() as conn:
            return [
                FileView(r.case_no, r.file_id, r.material, r.file_name, r.viewer, r.role, r.at)
                for r in conn.execute(query)
            ]

    # -- verifying ------------------------------------------------------------------------

    def verify(self, case_no: str | None = None) -> tuple[int, builtins.list[ChainBreak]]:
        """Check every file the audit trail says was attached (of one case): its kept
        content is there, whole, with the digest its ``attach`` record chains, and its
        ``case_files`` row says the same; a row no record vouches for is reported too.
        Returns the number of files checked and what is wrong (kind ``file``)."""
        records = select(AUDIT.c.case_no, AUDIT.c.seq, AUDIT.c.payload).where(
            AUDIT.c.action == ATTACH, AUDIT.c.refused == false()
        )
        rows = select(CASE_FILES)
        if case_no is not None:
            number = normalise_case_number(case_no)
            records = records.where(AUDIT.c.case_no == number)
            rows = rows.where(CASE_FILES.c.case_no == number)
        with self.db.engine.connect() as conn:
            recorded = {(r.case_no, r.seq): json.loads(r.payload) for r in conn.execute(records)}
            listed = {(r.case_no, r.seq): self._attached(r) for r in conn.execute(rows)}
        breaks: list[ChainBreak] = []
        for (number, seq), p in sorted(recorded.items()):
            what = f"「{p.get('material')}」{p.get('file_name')}"
            problem = self.blobs.problem(str(p.get("sha256")), int(p.get("size") or 0))
            if problem is not None:
                breaks.append(ChainBreak(number, seq, f"{what}: {problem}", "file"))
            row = listed.get((number, seq))
            if row is None:
                breaks.append(ChainBreak(number, seq, f"{what}: 附件登记缺失", "file"))
            elif (row.material, row.file_name, row.size, row.sha256) != (
                p.get("material"),
                p.get("file_name"),
                p.get("size"),
                p.get("sha256"),
            ):
                breaks.append(ChainBreak(number, seq, f"{what}: 附件登记与审计记录不符", "file"))
        for (number, seq), row in sorted(listed.items()):
            if (number, seq) not in recorded:
                breaks.append(
                    ChainBreak(
                        number,
                        seq,
                        f"「{row.material}」{row.file_name}: 附件登记没有对应的审计记录",
                        "file",
                    )
                )
        return len(recorded), breaks


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _beijing(at: dt.datetime) -> str:
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")

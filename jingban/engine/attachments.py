"""Attaching a scanned file to one of a case's materials: the audit record that keeps it.

Pure logic. The file itself is stored by `jingban.storage.attachments`, content-addressed by
its SHA-256; what the engine decides is the audit record (action ``attach``) that names the
material, the file name, its size, type and digest. That record is a link of the case's
hash chain like any action, so the digest of every attached file is chained into the audit
trail and `jingban audit verify` can check the stored file against it.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass

from jingban.engine import roles
from jingban.engine.audit import AuditEvent
from jingban.engine.engine import Engine, Result
from jingban.engine.free_text import checked_text
from jingban.engine.model import Case
from jingban.engine.params import resolve_materials
from jingban.errors import BadInput
from jingban.workflows.actions import ACTIONS

ATTACH = "attach"
"""The action of the audit record an attached file leaves."""
MAX_FILE_NAME = 200
_SHA256 = re.compile(r"[0-9a-f]{64}")
_UNSAFE = re.compile(r'[\\/:*?"<>|]')


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What is known of a file before it is attached: the name it was uploaded under, its
    length in bytes, its type (a key of `jingban.storage.file_types.FILE_TYPES`) and the
    SHA-256 (hex) of its content."""

    file_name: str
    size: int
    content_type: str
    sha256: str


def clean_file_name(raw: str) -> str:
    """The file name to record for ``raw`` (the last path part, stripped); raises
    `BadInput` for an empty or over-long name, or one with characters a file name cannot
    hold on the office's computers."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in (".", ".."):
        raise BadInput("文件名不能为空")
    if len(name) > MAX_FILE_NAME:
        raise BadInput(f"文件名过长 (最多 {MAX_FILE_NAME} 字): {name[:40]}…")
    if _UNSAFE.search(name):
        raise BadInput(f'文件名不能含有 \\ / : * ? " < > | 等字符: {name}')
    checked_text(name, "文件名")
    return name


def material_name(engine: Engine, case: Case, typed: str) -> str:
    """The canonical name of the material ``typed`` names on ``case``'s item (exact, else a
    unique part of one name); raises `BadInput` listing the item's materials otherwise."""
    if not (typed or "").strip():
        raise BadInput("请指定材料名称")
    item = engine.item_of(case)
    (found,) = resolve_materials(item, (typed,), case.applicant_type)
    return found


def attach(
    engine: Engine,
    case: Case,
    material: str,
    facts: FileFacts,
    *,
    actor: str,
    role: str,
    now: dt.datetime,
) -> Result:
    """The case after ``facts``' file is attached to ``material`` and the audit record that
    keeps its digest. The case's state, dues and ticked materials do not change; its
    version moves on by one, as for every stored action.

    Raises `BadInput` (unknown role, material or bad file facts) or `NotAllowed` (the role
    may not attach files); ``case`` is unchanged."""
    roles.check_role(role)
    spec = ACTIONS[ATTACH]
    roles.require(role, spec, case.state)
    name = material_name(engine, case, material)
    file_name = clean_file_name(facts.file_name)
    if facts.size <= 0:
        raise BadInput(f"文件 {file_name} 是空文件")
    if not _SHA256.fullmatch(facts.sha256):
        raise ValueError("sha256 must be 64 lower-case hex digits")
    new = case.copy()
    new.version = case.version + 1
    event = AuditEvent(
        case_no=case.case_no,
        action=ATTACH,
        actor=sys.intern(actor),
        role=role,
        at=now,
        recorded_at=now,
        from_state=case.state,
        to_state=case.state,
        payload={
            "material": name,
            "file_name": file_name,
            "size": facts.size,
            "content_type": facts.content_type,
            "sha256": facts.sha256,
        },
    )
    return Result(new, event)

"""Showing a whole identity number: only to a role that may see it, for a stated reason,
and never without a record of who saw which case's number, when and why.

Every list, page and search shows the masked number (``cases.applicant_id``); the reissue
check compares keyed hashes. What is left is a person who needs the whole number — a
supervisor checking a case against the applicant's document, an auditor's export — and each
such case read writes a row of ``identity_access`` in the same transaction as the read: no
number is shown whose access is not recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import insert, select

from jingban.engine import normalise_case_number
from jingban.errors import BadInput, Forbidden, NotFound
from jingban.storage.database import Database
from jingban.storage.idcrypt import IdCipher, cipher_for
from jingban.storage.models import CASES, IDENTITY_ACCESS
from jingban.workflows.vocabulary import ROLE_LABELS

#: The roles that may see a whole identity number.
REVEAL_ROLES = ("supervisor", "admin")
#: Why a whole number is read: purpose → label.
PURPOSES: Mapping[str, str] = MappingProxyType(
    {"check": "核对证件", "export": "审计导出", "notice": "出具文书"}
)
MAX_REASON = 500
MAX_CASES = 1000


@dataclass(frozen=True, slots=True)
class Revealed:
    """A whole identity number and the case it belongs to."""

    case_no: str
    id_number: str
    id_type: str


@dataclass(frozen=True, slots=True)
class Access:
    """One recorded sight of a whole identity number."""

    case_no: str
    actor: str
    role: str
    purpose: str
    reason: str
    at: dt.datetime


class IdentityAccess:
    """Reveals whole identity numbers to those who may see them, recording every one."""

    def __init__(self, db: Database, cipher: IdCipher | None = None) -> None:
        self.db = db
        self._cipher = cipher

    @property
    def cipher(self) -> IdCipher:
        if self._cipher is None:
            self._cipher = cipher_for(self.db.url)
        return self._cipher

    def reveal(
        self,
        case_numbers: Sequence[str],
        *,
        actor: str,
        role: str,
        purpose: str,
        reason: str,
        now: dt.datetime,
    ) -> list[Revealed]:
        """The whole numbers of ``case_numbers``, each access recorded (one transaction:
        a number is returned only if its record is committed). Raises `Forbidden` for a role
        outside `REVEAL_ROLES`, `BadInput` for an unknown purpose, an empty or over-long
        reason or too many cases, `NotFound` for an unknown case, `IdentityKeyMissing` when
        the key of a number is not held."""
        if role not in REVEAL_ROLES:
            allowed = "、".join(ROLE_LABELS[r] for r in REVEAL_ROLES)
            raise Forbidden(f"{ROLE_LABELS.get(role, role)}无权查看完整证件号码 (仅限{allowed})")
        if purpose not in PURPOSES:
            known = "、".join(f"{k}({v})" for k, v in PURPOSES.items())
            raise BadInput(f"未知的查看用途 {purpose!r}；可用: {known}")
        why = (reason or "").strip()
        if not why or len(why) > MAX_REASON:
            raise BadInput(f"查看完整证件号码须填写事由 (最多 {MAX_REASON} 字)")
        actor = (actor or "").strip()
        if not actor or len(actor) > 100:
            raise BadInput("查看人不能为空 (最多 100 字)")
        numbers = list(dict.fromkeys(normalise_case_number(n) for n in case_numbers))
        if not numbers or len(numbers) > MAX_CASES:
            raise BadInput(f"一次须指定 1 至 {MAX_CASES} 个办件编号")
        found: list[Revealed] = []
        with self.db.write() as conn:
            rows = {
                r.case_no: r
                for r in conn.execute(
                    select(
                        CASES.c.case_no, CASES.c.applicant_id_cipher, CASES.c.applicant_id_type
                    ).where(CASES.c.case_no.in_(numbers))
                )
            }
            for number in numbers:
                row = rows.get(number)
                if row is None:
                    raise NotFound(f"没有编号为 {number} 的办件")
                if row.applicant_id_cipher is None:
                    raise NotFound(f"办件 {number} 没有保存完整证件号码")
                whole = self.cipher.decrypt(row.applicant_id_cipher, number)
                found.append(Revealed(number, whole, row.applicant_id_type))
            conn.execute(
                insert(IDENTITY_ACCESS),
                [
                    {
                        "case_no": number,
                        "actor": actor,
                        "role": role,
                        "purpose": purpose,
                        "reason": why,
                        "at": now,
                    }
                    for number in numbers
                ],
            )
        return found

    def log(
        self,
        *,
        case_no: str | None = None,
        since: dt.datetime | None = None,
        limit: int = 200,
    ) -> list[Access]:
        """The recorded accesses, newest first (of one case; since an instant)."""
        query = select(IDENTITY_ACCESS).order_by(IDENTITY_ACCESS.c.id.desc()).limit(limit)
        if case_no is not None:
            query = query.where(IDENTITY_ACCESS.c.case_no == normalise_case_number(case_no))
        if since is not None:
            query = query.where(IDENTITY_ACCESS.c.at >= since)
        with self.db.engine.connect() as conn:
            return [
                Access(r.case_no, r.actor, r.role, r.purpose, r.reason, r.at)
                for r in conn.execute(query)
            ]

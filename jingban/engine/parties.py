"""Who applies and who acts: the applicant's kind, a unit's 统一社会信用代码, and the person
acting for the applicant (a person's 委托代理人 or a unit's 经办人), checked at registration.

A person applies with their own identity document, as before kinds existed. A unit applies
with its 统一社会信用代码 (which the case records as the applicant's identification, type
``credit_code``, so a unit is found and its query code reissued by it) and must name the
经办人 who acts for it, with that person's identity document. A person may name an agent
(委托代理人). The agent's number is whole only in the case a registration returns, for the
store to encrypt once (like the applicant's, `jingban.storage.idcrypt`); every stored and
shown case holds it masked (`Agent.masked`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from jingban.engine.credit_code import checked_credit_code
from jingban.engine.free_text import checked_text
from jingban.engine.identity import (
    DEFAULT_ID_TYPE,
    ID_TYPES,
    UNIT_ID_TYPE,
    BadIdentity,
    mask_identity,
    validate_identity,
)
from jingban.errors import BadInput
from jingban.workflows import Item
from jingban.workflows.applicants import AGENT_ROLES, APPLICANT_KINDS, PERSON, UNIT, kinds_text


@dataclass(frozen=True, slots=True)
class Agent:
    """The person acting for the applicant: ``role`` ``agent`` (委托代理人 of a person) or
    ``handler`` (经办人 of a unit), their name, identity number and its type."""

    role: str
    name: str
    id_number: str
    id_type: str

    def masked(self) -> Agent:
        """The agent as stored and shown: the number masked."""
        if "*" in self.id_number:
            return self
        return replace(self, id_number=mask_identity(self.id_number))

    def as_data(self) -> dict[str, str]:
        """Plain data (the number as held: masked on every stored case)."""
        return {
            "role": self.role,
            "name": self.name,
            "id_number": self.id_number,
            "id_type": self.id_type,
        }

    @staticmethod
    def from_data(data: dict[str, str]) -> Agent:
        """The agent `as_data` wrote."""
        return Agent(data["role"], data["name"], data["id_number"], data["id_type"])


@dataclass(frozen=True, slots=True)
class Parties:
    """What a registration records about who applies and who acts."""

    kind: str
    applicant_id: str
    applicant_id_type: str
    credit_code: str | None
    agent: Agent | None


def _accepted_here(item: Item, id_type: str, whose: str) -> None:
    """Refuse a document the item's guide does not accept (医保电子凭证, 社会保障卡 are
    accepted only where the materials name them)."""
    spec = ID_TYPES[id_type]
    if not spec.accepted_where:
        return
    names = "".join(m.name for m in item.materials)
    if not any(word in names for word in spec.accepted_where):
        raise BadIdentity(
            f"「{item.name}」的办事指南不接受以{spec.label}作为{whose}的身份证明，"
            "请登记有效身份证件"
        )


def _checked_agent(
    item: Item,
    role: str,
    name: str | None,
    number: str | None,
    id_type: str | None,
    today: dt.date,
) -> Agent:
    label = AGENT_ROLES[role]
    clean = (name or "").strip()
    if not clean or len(clean) > 100:
        raise BadInput(f"{label}姓名不能为空 (最多 100 字)")
    checked_text(clean, f"{label}姓名")
    kind = id_type or DEFAULT_ID_TYPE
    if kind == UNIT_ID_TYPE:
        raise BadIdentity(f"{label}须登记本人的身份证件，统一社会信用代码只用于单位")
    if not (number or "").strip():
        raise BadIdentity(f"请填写{label}的证件号码")
    whole = validate_identity(number or "", kind, today=today)
    _accepted_here(item, kind, label)
    return Agent(role, clean, whole, kind)


def checked_parties(
    item: Item,
    *,
    kind: str | None,
    applicant_id: str | None,
    applicant_id_type: str | None,
    credit_code: str | None,
    agent_name: str | None,
    agent_id: str | None,
    agent_id_type: str | None,
    today: dt.date,
) -> Parties:
    """Check who applies for ``item`` and who acts for them; raises `BadInput` (one line a
    clerk can act on) for an unknown kind, a kind the item does not take, a bad or missing
    统一社会信用代码, a unit without its 经办人, a bad identity number of either person,
    an agent half given, or a 医保电子凭证/社会保障卡 where the guide does not accept one.

    ``kind`` None is a person (registrations before kinds existed name none)."""
    chosen = kind or PERSON
    if chosen not in APPLICANT_KINDS:
        raise BadInput(f"未知的申请人种类 {chosen!r}；可用: {kinds_text(tuple(APPLICANT_KINDS))}")
    if kind is not None and chosen not in item.applicant_kinds:
        allowed = "、".join(APPLICANT_KINDS[k] for k in item.applicant_kinds)
        raise BadInput(
            f"「{item.name}」的申请人只能是{allowed} "
            f"(--applicant-kind {'/'.join(item.applicant_kinds)})"
        )
    agent_given = bool((agent_name or "").strip() or (agent_id or "").strip())
    if chosen == UNIT:
        if (applicant_id or "").strip():
            raise BadInput(
                "单位申请以统一社会信用代码标识 (--credit-code)，经办人的证件填在 --agent-id，"
                "不填申请人证件号码"
            )
        code = checked_credit_code(credit_code)
        if not agent_given:
            raise BadInput("单位申请须登记经办人的姓名和身份证件 (--agent-name、--agent-id)")
        handler = _checked_agent(item, "handler", agent_name, agent_id, agent_id_type, today)
        return Parties(UNIT, code, UNIT_ID_TYPE, code, handler)
    if (credit_code or "").strip():
        raise BadInput("统一社会信用代码只用于单位申请 (--applicant-kind unit)")
    id_type = applicant_id_type or DEFAULT_ID_TYPE
    if id_type == UNIT_ID_TYPE:
        raise BadIdentity("个人申请须登记本人的身份证件；单位申请请用 --applicant-kind unit")
    if not (applicant_id or "").strip():
        raise BadIdentity("请填写申请人的证件号码")
    whole = validate_identity(applicant_id or "", id_type, today=today)
    _accepted_here(item, id_type, "申请人")
    agent = None
    if agent_given:
        agent = _checked_agent(item, "agent", agent_name, agent_id, agent_id_type, today)
        if agent.id_number == whole:
            raise BadInput("代理人与申请人是同一证件号码；本人办理时不登记代理人")
    return Parties(PERSON, whole, id_type, None, agent)


def parties_payload(parties: Parties) -> dict[str, object]:
    """What the registration's audit record says about who applies and who acts (the
    agent's number masked); empty for a person acting alone, as before kinds existed."""
    out: dict[str, object] = {}
    if parties.kind != PERSON:
        out["applicant_kind"] = parties.kind
        out["credit_code"] = parties.credit_code
    if parties.agent is not None:
        out["agent"] = parties.agent.masked().as_data()
    return out


def party_fields(kind: str, credit_code: str | None, agent: Agent | None) -> dict[str, object]:
    """The fields a staff view of a case gains (``show --json``, ``GET /api/cases/{no}``):
    ``applicant_kind`` (and its label), ``credit_code`` (a unit's, public registry data,
    shown whole) and ``agent`` (None, or the acting person with the number masked)."""
    shown = None
    if agent is not None:
        masked = agent.masked()
        shown = {
            "role": masked.role,
            "role_label": AGENT_ROLES.get(masked.role, masked.role),
            "name": masked.name,
            "id_number": masked.id_number,
            "id_type": masked.id_type,
            "id_type_label": ID_TYPES[masked.id_type].label
            if masked.id_type in ID_TYPES
            else masked.id_type,
        }
    return {
        "applicant_kind": kind,
        "applicant_kind_label": APPLICANT_KINDS.get(kind, kind),
        "credit_code": credit_code,
        "agent": shown,
    }


PARTY_FIELDS = ("applicant_kind", "credit_code", "agent_name", "agent_id", "agent_id_type")
"""The registration fields of who applies and who acts, as every front end names them."""


def party_values(text: Callable[[str], str | None]) -> dict[str, str | None]:
    """`PARTY_FIELDS` read from a form through ``text`` (empty fields as None)."""
    return {name: (text(name) or None) for name in PARTY_FIELDS}

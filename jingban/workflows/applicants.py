"""Who applies: the applicant kinds an item takes, and the triggers that make a conditional
material required.

A case's applicant is a person (个人, the default, as every registration was before kinds
existed) or a unit (单位: an employer, a 定点医药机构), identified by its 统一社会信用代码
and acting through a named 经办人. A person may act through an agent (委托代理人). Which
items take units is catalog data (``applicant_kinds``, traced to the item's 服务对象 and
materials); a material whose condition is "委托办理的" is tagged ``applies_when = "agent"``
and becomes required on every case where someone acts for the applicant.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

PERSON = "person"
UNIT = "unit"
APPLICANT_KINDS: Mapping[str, str] = MappingProxyType({PERSON: "个人", UNIT: "单位"})
"""Applicant kind → its label."""
DEFAULT_KINDS: tuple[str, ...] = (PERSON,)
"""The kinds of an item that declares none."""

AGENT = "agent"
MATERIAL_TRIGGERS: Mapping[str, str] = MappingProxyType({AGENT: "委托他人 (代理人/经办人) 办理时"})
"""``applies_when`` value → when the material becomes required (a registered name, never
code in data)."""

AGENT_ROLES: Mapping[str, str] = MappingProxyType({"agent": "委托代理人", "handler": "经办人"})
"""Who acts for the applicant: a person's 委托代理人, or a unit's 经办人."""


def kinds_text(kinds: tuple[str, ...]) -> str:
    """The kinds as a clerk reads them: ``person(个人)、unit(单位)``."""
    return "、".join(f"{k}({APPLICANT_KINDS[k]})" for k in kinds)

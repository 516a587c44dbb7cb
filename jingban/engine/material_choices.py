"""Either-or materials: which document a clerk's words name, and which materials are unmet.

A material may accept other documents in its place (`Material.alternatives`: 四川 33 takes
《中医诊所备案证》 for 《医疗机构执业许可证》; "有效身份证件或医保电子凭证或社会保障卡" is met by
any one of the three). A case records the document actually shown; a required material is
met when its name or any of its alternatives is among the case's materials.
"""

from __future__ import annotations

import functools

from jingban.errors import BadInput
from jingban.workflows import Item, Material


def _candidates(item: Item, applicant_type: str | None) -> list[Material]:
    found = [m for m in item.materials if m.applicant_type in (None, applicant_type)]
    return found or list(item.materials)


def _choose(candidates: list[Material], typed: str) -> str | None:
    """The choice ``typed`` names: an exact name or alternative, else the one material a
    part of whose name or alternatives it is (that alternative when it names exactly one,
    else the material's name); None when it names none or several."""
    for m in candidates:
        if typed in m.choices:
            return typed
    if not typed:
        return None
    hits = [(m, [c for c in m.choices if typed in c]) for m in candidates]
    hits = [(m, found) for m, found in hits if found]
    if len(hits) != 1:
        return None
    material, found = hits[0]
    alternatives = [c for c in found if c != material.name]
    return alternatives[0] if len(alternatives) == 1 and len(found) == 1 else material.name


def choose_materials(
    item: Item, names: tuple[str, ...] | list[str], applicant_type: str | None
) -> tuple[str, ...]:
    """The documents ``names`` name (see `_choose`), each once, in the order typed. Raises
    `BadInput` naming the unknown ones and listing the item's materials."""
    candidates = _candidates(item, applicant_type)
    resolved: list[str] = []
    unknown: list[str] = []
    for raw in names:
        name = raw.strip()
        found = _choose(candidates, name)
        if found is None:
            unknown.append(name)
        elif found not in resolved:
            resolved.append(found)
    if unknown:
        listing = "；".join(m.label for m in candidates) or "(本事项未列材料)"
        raise BadInput(f"不是本事项的材料: {'、'.join(unknown)}。本事项材料: {listing}")
    return tuple(resolved)


@functools.cache
def _required_choices(
    item: Item, applicant_type: str | None, agent: bool
) -> tuple[tuple[str, ...], ...]:
    return tuple(m.choices for m in item.required_materials(applicant_type, agent=agent))


def unmet_materials(
    item: Item,
    checked: tuple[str, ...] | list[str],
    applicant_type: str | None,
    *,
    agent: bool = False,
) -> list[str]:
    """Names of the required materials none of whose choices is among ``checked``, in the
    item's order (with those an agent must bring when ``agent``: someone acts for the
    applicant)."""
    have = set(checked)
    required = _required_choices(item, applicant_type, agent)
    return [choices[0] for choices in required if have.isdisjoint(choices)]


def material_for(item: Item, document: str) -> Material | None:
    """The material of ``item`` that ``document`` (a name or an alternative) satisfies."""
    return next((m for m in item.materials if document in m.choices), None)

"""The canonical encoding of an item definition, and the version digest derived from it.

An item's definition (limits, chain, materials, variants, texts …) is encoded as plain JSON
data: `encode` and `decode` round-trip exactly (``decode(encode(item)) == item``), and
`canonical_json` writes it with sorted keys and no whitespace, so equal definitions give
equal bytes on every machine and Python version. `digest` — the first 16 hex digits of the
SHA-256 of those bytes — is the version each case pins. The encoding carries its own
``format`` number; a change to the encoding is a new format, decoded beside the old ones.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from jingban.workflows.errors import CatalogError
from jingban.workflows.model import (
    ApplicantType,
    FrozenMap,
    Item,
    Limit,
    Material,
    StageLimit,
    Variant,
)

#: The format of the encoding written by `encode` (and the only one `decode` reads today).
DEFINITION_FORMAT = 1
#: Hex digits of the SHA-256 kept as the version (the width cases have always stored).
DIGEST_WIDTH = 16


def _limit(limit: Limit) -> dict[str, object]:
    return {"value": limit.value, "unit": limit.unit}


def _material(material: Material) -> dict[str, object]:
    # The trigger, the region note, the alternatives and the waiver are written only when
    # set, so the definitions (and versions) of materials without them are what they were
    # before the fields existed.
    data: dict[str, object] = {
        "name": material.name,
        "required": material.required,
        "condition": material.condition,
        "applicant_type": material.applicant_type,
        **({"applies_when": material.applies_when} if material.applies_when else {}),
        **({"region_note": material.region_note} if material.region_note else {}),
    }
    if material.alternatives:
        data["alternatives"] = list(material.alternatives)
    if material.unless is not None:
        data["unless"] = material.unless
    return data


def _stage_limit(stage: StageLimit) -> dict[str, object]:
    return {
        "key": stage.key,
        "label": stage.label,
        "starts": stage.starts,
        "ends": stage.ends,
        "limit": _limit(stage.limit),
        "text": stage.text,
    }


def _variant(variant: Variant) -> dict[str, object]:
    return {
        "when": dict(variant.when),
        "statutory": _limit(variant.statutory),
        "promised": _limit(variant.promised),
        "stages": None if variant.stages is None else list(variant.stages),
        "clock_start": variant.clock_start,
    }


def encode(item: Item) -> dict[str, object]:
    """``item`` as plain JSON data (dicts, lists, strings, numbers, booleans, None), every
    field of the definition included, with ``format`` naming the encoding."""
    return {
        "format": DEFINITION_FORMAT,
        "region": item.region,
        "key": item.key,
        "seq": item.seq,
        "lines": list(item.lines),
        "name": item.name,
        "group": item.group,
        "group_code": item.group_code,
        "code": item.code,
        "applicants": item.applicants,
        "channels_text": item.channels_text,
        "channels": list(item.channels),
        "limit_text": item.limit_text,
        "stages_text": item.stages_text,
        "stages": list(item.stages),
        "stages_inferred": item.stages_inferred,
        "clock_start": item.clock_start,
        "statutory": _limit(item.statutory),
        "promised": _limit(item.promised),
        "legal_basis": list(item.legal_basis),
        "notes": list(item.notes),
        "extra": dict(item.extra),
        "applicant_types": [{"key": a.key, "label": a.label} for a in item.applicant_types],
        "stage_limits": [_stage_limit(s) for s in item.stage_limits],
        "materials": [_material(m) for m in item.materials],
        "variants": [_variant(v) for v in item.variants],
        # Written only when set, so the definitions (and versions) of items that name no
        # completer are what they were before the field existed.
        **({"completed_by": item.completed_by} if item.completed_by is not None else {}),
        # Likewise only when an item takes others than persons alone.
        **(
            {"applicant_kinds": list(item.applicant_kinds)}
            if item.applicant_kinds != ("person",)
            else {}
        ),
        # Likewise: only the items whose channels serve a limited scope carry it.
        **({"channel_scopes": dict(item.channel_scopes)} if item.channel_scopes else {}),
    }


def _to_limit(data: Mapping[str, Any]) -> Limit:
    return Limit(value=int(data["value"]), unit=str(data["unit"]))


def _to_variant(data: Mapping[str, Any]) -> Variant:
    stages = data.get("stages")
    return Variant(
        when=FrozenMap(data["when"]),
        statutory=_to_limit(data["statutory"]),
        promised=_to_limit(data["promised"]),
        stages=None if stages is None else tuple(stages),
        clock_start=data.get("clock_start"),
    )


def decode(data: Mapping[str, Any]) -> Item:
    """The `Item` that `encode` encoded; raises `CatalogError` for data in an unknown format
    or with a field missing (a stored definition that is damaged)."""
    found = data.get("format")
    if found != DEFINITION_FORMAT:
        raise CatalogError(f"事项定义的格式版本 {found!r} 无法识别 (支持 {DEFINITION_FORMAT})")
    try:
        first, last = data["lines"]
        return Item(
            region=data["region"],
            key=data["key"],
            seq=data["seq"],
            lines=(first, last),
            name=data["name"],
            group=data["group"],
            group_code=data["group_code"],
            code=data["code"],
            applicants=data["applicants"],
            channels_text=data["channels_text"],
            channels=tuple(data["channels"]),
            limit_text=data["limit_text"],
            stages_text=data["stages_text"],
            stages=tuple(data["stages"]),
            stages_inferred=data["stages_inferred"],
            clock_start=data["clock_start"],
            statutory=_to_limit(data["statutory"]),
            promised=_to_limit(data["promised"]),
            legal_basis=tuple(data["legal_basis"]),
            notes=tuple(data["notes"]),
            extra=FrozenMap(data["extra"]),
            applicant_types=tuple(
                ApplicantType(key=a["key"], label=a["label"]) for a in data["applicant_types"]
            ),
            stage_limits=tuple(
                StageLimit(
                    key=s["key"],
                    label=s["label"],
                    starts=s["starts"],
                    ends=s["ends"],
                    limit=_to_limit(s["limit"]),
                    text=s["text"],
                )
                for s in data["stage_limits"]
            ),
            materials=tuple(
                Material(
                    name=m["name"],
                    required=m["required"],
                    condition=m["condition"],
                    applicant_type=m["applicant_type"],
                    applies_when=m.get("applies_when"),
                    region_note=m.get("region_note"),
                    alternatives=tuple(m.get("alternatives", ())),
                    unless=m.get("unless"),
                )
                for m in data["materials"]
            ),
            variants=tuple(_to_variant(v) for v in data["variants"]),
            completed_by=data.get("completed_by"),
            applicant_kinds=tuple(data.get("applicant_kinds", ("person",))),
            channel_scopes=FrozenMap(data.get("channel_scopes") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"事项定义数据不完整或已损坏: {exc}") from None


def _canonical_text(data: object) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_json(item: Item) -> bytes:
    """The canonical bytes of ``item``'s definition: `encode` as JSON with sorted keys, no
    whitespace, UTF-8 (Chinese as is)."""
    return _canonical_text(encode(item)).encode("utf-8")


@functools.cache
def digest(item: Item) -> str:
    """The version of ``item``'s definition: the first 16 hex digits of the SHA-256 of its
    `canonical_json`. Equal definitions have equal digests; any edit changes it."""
    return hashlib.sha256(canonical_json(item)).hexdigest()[:DIGEST_WIDTH]


def from_json(text: str) -> Item:
    """The item of a stored canonical JSON text; raises `CatalogError` like `decode`."""
    try:
        data = json.loads(text)
    except ValueError:
        raise CatalogError("事项定义不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise CatalogError("事项定义不是 JSON 对象")
    return decode(data)

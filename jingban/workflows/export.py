"""Plain JSON-ready views of the catalog: for scripts (``jingban items … --json``) and for the
golden snapshots that show a data edit's behavioural diff in review.

Every function returns only dicts, lists, strings, numbers, booleans and None.
"""

from __future__ import annotations

from jingban.workflows.compiler import compile_item
from jingban.workflows.model import Item, Limit, Region, Variant


def limit_json(limit: Limit) -> dict[str, object]:
    """``{"value": …, "unit": …}``."""
    return {"value": limit.value, "unit": limit.unit}


def variant_json(item: Item, variant: Variant) -> dict[str, object]:
    """A variant with everything resolved: its limits, its chain (the item's where it gives
    none) and its clock start."""
    return {
        "when": dict(variant.when),
        "statutory": limit_json(variant.statutory),
        "promised": limit_json(variant.promised),
        "stages": list(variant.stages or item.stages),
        "clock_start": variant.clock_start or item.clock_start,
    }


def item_summary(item: Item) -> dict[str, object]:
    """One row of ``jingban items list --json``: identity, default chain and limits, variants."""
    return {
        "region": item.region,
        "key": item.key,
        "seq": item.seq,
        "name": item.name,
        "group": item.group,
        "group_code": item.group_code,
        "code": item.code,
        "stages": list(item.stages),
        "stages_inferred": item.stages_inferred,
        "clock_start": item.clock_start,
        "statutory": limit_json(item.statutory),
        "promised": limit_json(item.promised),
        "variants": [variant_json(item, v) for v in item.variants],
        "channels": list(item.channels),
        "has_payment": item.has_payment,
    }


def item_detail(item: Item) -> dict[str, object]:
    """Everything about one item (``jingban items show --json``): the summary plus the verbatim
    texts, materials, legal basis, notes, applicant types, stage sub-limits and the states and
    happy path of its default machine."""
    compiled = compile_item(item)
    detail = item_summary(item)
    detail.update(
        {
            "lines": list(item.lines),
            "applicants": item.applicants,
            "channels_text": item.channels_text,
            "limit_text": item.limit_text,
            "stages_text": item.stages_text,
            "applicant_types": [{"key": a.key, "label": a.label} for a in item.applicant_types],
            "materials": [
                {
                    "name": m.name,
                    "required": m.required,
                    "condition": m.condition,
                    "applicant_type": m.applicant_type,
                    "alternatives": list(m.alternatives),
                    "unless": m.unless,
                }
                for m in item.materials
            ],
            "stage_limits": [
                {
                    "key": s.key,
                    "label": s.label,
                    "starts": s.starts,
                    "ends": s.ends,
                    "limit": limit_json(s.limit),
                    "text": s.text,
                }
                for s in item.stage_limits
            ],
            "legal_basis": list(item.legal_basis),
            "notes": list(item.notes),
            "extra": dict(item.extra),
            "states": list(compiled.states),
            "happy_path": list(compiled.happy_path),
        }
    )
    return detail


def _edge_text(edge: tuple[str, str, str | None]) -> str:
    source, action, dest = edge
    return f"{source} -{action}-> {dest}" if dest else f"{source} -{action} (internal)"


def region_snapshot(region: Region) -> dict[str, object]:
    """The behaviour of a region's catalog: per item its limits, variants, stage sub-limits
    and, per distinct chain, the compiled machine's states, happy path and transitions."""
    items = []
    for item in region.items:
        machines = []
        for chain in item.chains:
            compiled = compile_item(item, chain)
            machines.append(
                {
                    "stages": list(chain),
                    "states": list(compiled.states),
                    "happy_path": list(compiled.happy_path),
                    "transitions": [_edge_text(edge) for edge in compiled.transitions()],
                }
            )
        items.append(
            {
                "key": item.key,
                "seq": item.seq,
                "name": item.name,
                "code": item.code,
                "clock_start": item.clock_start,
                "statutory": limit_json(item.statutory),
                "promised": limit_json(item.promised),
                "variants": [variant_json(item, v) for v in item.variants],
                "stage_limits": [
                    {"key": s.key, "starts": s.starts, "ends": s.ends, **limit_json(s.limit)}
                    for s in item.stage_limits
                ],
                "machines": machines,
            }
        )
    return {"region": region.key, "name": region.name, "items": items}

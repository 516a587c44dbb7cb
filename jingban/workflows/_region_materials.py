"""Region-wide notes (说明) and the materials they set for many items at once.

Some documents close with notes that hold for every item (the 兵团 list's 说明 1–4: what counts
as an identity document, what an agent brings, bank account information for a first
payment, how items are coded). They are kept verbatim on the region (``[region] notes``);
those that add materials are written once as ``[[region.materials]]`` and added here to the
materials of each item they name, after the item's own, as conditional materials that
remember their note (`Material.region_note`). An item that already lists a material of the
same name keeps its own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from jingban.workflows.model import Item, Material

if TYPE_CHECKING:
    from jingban.workflows._convert import Where
    from jingban.workflows._schema import RegionHead, RegionMaterialSpec

ALL_ITEMS = "all"


def region_notes(top: Where, head: RegionHead) -> tuple[int, int] | None:
    """The checked ``notes_lines`` of the region table (required with ``notes``)."""
    if not head.notes:
        if head.notes_lines is not None:
            top.fail("没有说明 (notes) 却给了行范围", "region", "notes_lines")
        return None
    lines = head.notes_lines
    if lines is None or len(lines) != 2 or not 1 <= lines[0] <= lines[1]:
        top.fail("说明 (notes) 须给出行范围 [首行, 末行]", "region", "notes_lines")
    return (lines[0], lines[1])


def with_region_materials(
    top: Where, entries: list[RegionMaterialSpec], items: list[Item], notes: int
) -> list[Item]:
    """``items`` with each ``[[region.materials]]`` entry added to the items it names.

    Raises `CatalogError` (through ``top``) for an entry naming a note the region does not
    have or an item key it does not list."""
    keys = {item.key for item in items}
    added: dict[str, list[Material]] = {}
    for index, entry in enumerate(entries):
        where = top.at("region", "materials", index)
        if entry.note > notes:
            where.fail(f"区域只有 {notes} 条说明，没有第 {entry.note} 条", "note")
        if isinstance(entry.items, str):
            if entry.items != ALL_ITEMS:
                where.fail(f'应为 "{ALL_ITEMS}" 或事项键列表', "items")
            chosen = [item.key for item in items]
        else:
            unknown = [k for k in entry.items if k not in keys]
            if unknown:
                where.fail(f"区域没有事项 {'、'.join(unknown)}", "items")
            chosen = list(entry.items)
        material = Material(
            name=entry.name,
            condition=entry.condition,
            applies_when=entry.applies_when,
            region_note=entry.note,
        )
        for key in chosen:
            added.setdefault(key, []).append(material)
    out = []
    for item in items:
        own = {m.name for m in item.materials}
        extra = [m for m in added.get(item.key, ()) if m.name not in own]
        out.append(replace(item, materials=(*item.materials, *extra)) if extra else item)
    return out

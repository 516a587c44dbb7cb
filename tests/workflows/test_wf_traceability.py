"""Every verbatim string of every item occurs in the item's lines of its source document.

Whitespace is removed on both sides (the PDF conversion breaks lines inside sentences), and
conversion artefacts such as ``[bookmark: _GoBack]`` are removed from the document. The
documents live outside the repository, at ../shared/seeds/ from the repository root, or
where $JINGBAN_SEEDS says; without them the test skips.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator

import pytest
from workflow_support import REGIONS, seeds_dir

from jingban.workflows import Item, Region, load_catalog

_SPACE = re.compile(r"\s+")
_ARTEFACT = re.compile(r"\[bookmark:[^\]]*\]")

# Table-form documents (兵团) merge a cell over the sub-items of one 主项: a text stands once,
# in the first row, and belongs to each sibling. Such a text may sit in the lines of another
# item of the same group.

# Items whose document gives more than one place for them, with why.
EXTRA_LINES: dict[tuple[str, str], tuple[tuple[int, int], str]] = {
    ("shawan", "unit_info_change"): (
        (695, 718),
        "沙湾's document has two sheets for this item; the second gives the second 受理条件",
    ),
}

# Values that are knowingly not document text, with why; the test fails once they are fixed,
# so this list only shrinks.
NOT_VERBATIM: dict[tuple[str, str, str], str] = {}


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


@functools.cache
def _document(source: str) -> tuple[str, ...]:
    path = seeds_dir() / source
    text = _ARTEFACT.sub("", path.read_text(encoding="utf-8"))
    return tuple(text.split("\n"))


def _span(region: Region, first: int, last: int) -> str:
    return _squash("".join(_document(region.source)[first - 1 : last]))


def _verbatim(item: Item) -> Iterator[tuple[str, str]]:
    yield "name", item.name
    for field in ("applicants", "limit_text", "stages_text", "channels_text"):
        value = getattr(item, field)
        if value is not None:
            yield field, value
    for material in item.materials:
        if material.region_note is not None:
            continue  # traced to the region's notes (test_region_notes_are_in_their_lines)
        yield "materials.name", material.name
        if material.condition is not None:
            yield "materials.condition", material.condition
        for alternative in material.alternatives:
            yield "materials.alternatives", alternative
        if material.unless is not None:
            yield "materials.unless", material.unless
    yield from (("notes", note) for note in item.notes)
    yield from (("legal_basis", law) for law in item.legal_basis)
    yield from (("applicant_types.label", a.label) for a in item.applicant_types)
    yield from (("stage_limits.text", s.text) for s in item.stage_limits)
    yield from ((f"extra.{heading}", value) for heading, value in item.extra.items())


def _misses(region: Region, item: Item) -> list[str]:
    own = _span(region, *item.lines)
    siblings = [
        _span(region, *other.lines)
        for other in region.items
        if item.group is not None and other.group == item.group and other is not item
    ]
    extra = EXTRA_LINES.get((region.key, item.key))
    if extra:
        siblings.append(_span(region, *extra[0]))
    misses = []
    for field, value in _verbatim(item):
        for paragraph in filter(None, (_squash(p) for p in value.split("\n"))):
            if paragraph in own or any(paragraph in text for text in siblings):
                continue
            if (region.key, item.key, field.split(".")[0]) in NOT_VERBATIM:
                continue
            misses.append(f"{field}: {value[:60]!r}")
    return misses


def _need_seeds() -> None:
    """Skip without the source documents (they live beside the repository, not in it), or
    fail when $JINGBAN_REQUIRE_SEEDS says they must be there (CI, where they are)."""
    if not seeds_dir().is_dir():
        problem = f"source documents not found at {seeds_dir()} (set JINGBAN_SEEDS)"
        if os.environ.get("JINGBAN_REQUIRE_SEEDS"):
            pytest.fail(problem)
        pytest.skip(problem)


@pytest.mark.parametrize("region_key", REGIONS)
def test_every_verbatim_string_is_in_the_items_lines(region_key: str) -> None:
    _need_seeds()
    region = load_catalog().region(region_key)
    assert (seeds_dir() / region.source).is_file(), f"missing {region.source}"
    problems = {
        f"{item.key} {list(item.lines)}": misses
        for item in region.items
        if (misses := _misses(region, item))
    }
    assert not problems, f"{region.source}: strings not found in their lines: {problems}"


def test_region_document_title_is_in_its_document() -> None:
    _need_seeds()
    for region in load_catalog().regions.values():
        head = _squash("".join(_document(region.source)[:40]))
        assert _squash(region.document) in head, region.key


def test_known_non_verbatim_values_are_still_not_in_the_document() -> None:
    _need_seeds()
    for (region_key, item_key, field), _why in NOT_VERBATIM.items():
        region = load_catalog().region(region_key)
        whole = _squash("".join(_document(region.source)))
        values = getattr(region.item(item_key), field)
        assert any(_squash(v) not in whole for v in values), (
            f"{region_key}.{item_key}.{field} is now verbatim: drop it from NOT_VERBATIM"
        )


@pytest.mark.parametrize("region_key", REGIONS)
def test_region_notes_are_in_their_lines(region_key: str) -> None:
    """The region-wide notes (说明) and the materials they set are verbatim in the notes'
    lines, and each material is in the note it names."""
    _need_seeds()
    region = load_catalog().region(region_key)
    if region.notes_lines is None:
        assert not region.notes
        return
    lines = _span(region, *region.notes_lines)
    for note in region.notes:
        assert _squash(note) in lines, f"{region_key}: note {note[:30]!r}"
    for item in region.items:
        for m in item.materials:
            if m.region_note is None:
                continue
            note = _squash(region.notes[m.region_note - 1])
            assert _squash(m.name) in note, f"{item.key}: {m.name}"
            assert m.condition is not None and _squash(m.condition) in note, item.key


def test_unit_items_name_a_unit_in_their_applicants_or_materials() -> None:
    """An item taking units is traced to its document: its 服务对象, name or a material names
    a unit (单位, 机构, 药店, 医药机构)."""
    words = ("单位", "机构", "药店")
    for region in load_catalog().regions.values():
        for item in region.items:
            if "unit" not in item.applicant_kinds:
                continue
            texts = [item.name, item.applicants or "", *(m.name for m in item.materials)]
            assert any(w in t for t in texts for w in words), f"{region.key}.{item.key}"

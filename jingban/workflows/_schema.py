"""Validate one parsed region file and convert it to frozen definitions.

The format is documented in docs/catalog.md. The first mistake raises one ``CatalogError``
naming the file, the item and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jingban.workflows import _fields as f
from jingban.workflows._fields import Where
from jingban.workflows.model import (
    CLOCK_STARTS,
    ApplicantType,
    FrozenMap,
    Item,
    Limit,
    Material,
    Region,
    StageLimit,
    Variant,
)
from jingban.workflows.stages import build_graph, chain_states, graph_problem
from jingban.workflows.vocabulary import CASE_CHANNELS, CHANNELS

REGION_KEYS: tuple[str, ...] = ("sichuan", "bingtuan", "tacheng", "kashgar", "shawan")
VARIANT_CHANNELS = CASE_CHANNELS
SUPPLEMENT_POLICIES: tuple[str, ...] = ("restart", "pause")
STAGE_EVENTS: tuple[str, ...] = (
    "received",
    "prereviewed",
    "accepted",
    "transferred",
    "reviewed",
    "paid",
    "completed",
)

_REGION_FIELDS = ("key", "name", "document", "issuer", "source", "supplement_policy", "extra")
_ITEM_FIELDS = (
    "key", "seq", "lines", "name", "group", "group_code", "code", "applicants",
    "channels_text", "channels", "limit_text", "stages_text", "stages", "stages_inferred",
    "clock_start", "statutory", "promised", "legal_basis", "notes", "extra",
    "applicant_types", "stage_limits", "materials", "variants",
)  # fmt: skip
_MATERIAL_FIELDS = ("name", "required", "condition", "applicant_type")
_VARIANT_FIELDS = ("when", "statutory", "promised", "stages", "clock_start")
_STAGE_LIMIT_FIELDS = ("key", "label", "starts", "ends", "value", "unit", "text")


def region_from(file: str, data: Mapping[str, Any]) -> Region:
    """Convert a parsed region file (``[region]`` and ``[[items]]``) to a ``Region``."""
    top = Where(file, None, "")
    top.check_fields(data, ("region", "items"))
    head = f.get(top, data, "region", dict, True)
    where = Where(file, None, "region.")
    where.check_fields(head, _REGION_FIELDS)
    region_key = f.choice(where, head, "key", REGION_KEYS, required=True)
    assert region_key is not None
    raw_items = f.get(top, data, "items", list, True)
    if not raw_items:
        top.fail("items", "区域没有任何事项")
    items: list[Item] = []
    keys: dict[str, int] = {}
    names: dict[str, int] = {}
    for position, raw in enumerate(raw_items, 1):
        item = _item(file, region_key, position, raw)
        here = Where(file, item.key)
        if item.key in keys:
            here.fail("key", f"与第 {keys[item.key]} 个事项重复")
        if item.name in names:
            here.fail("name", f"“{item.name}”与第 {names[item.name]} 个事项重名")
        if item.seq != position:
            here.fail(
                "seq", f"应为 {position}（事项在文件中的位置，与文件顺序一致），实际是 {item.seq}"
            )
        if items and item.lines[0] <= items[-1].lines[1]:
            here.fail("lines", f"与上一个事项 {items[-1].key} 的行范围重叠或顺序颠倒")
        keys[item.key] = position
        names[item.name] = position
        items.append(item)
    return Region(
        key=region_key,
        name=_required_text(where, head, "name"),
        document=_required_text(where, head, "document"),
        issuer=f.text(where, head, "issuer"),
        source=_required_text(where, head, "source"),
        supplement_policy=f.choice(where, head, "supplement_policy", SUPPLEMENT_POLICIES, False)
        or "restart",
        extra=f.str_map(where, head, "extra"),
        items=tuple(items),
    )


def _required_text(where: Where, table: Mapping[str, Any], name: str) -> str:
    value = f.text(where, table, name, required=True)
    assert value is not None
    return value


def _item(file: str, region: str, position: int, raw: object) -> Item:
    label = f"#{position}"
    if type(raw) is not dict:
        Where(file, label).fail("", f"事项应为表，实际是{f.type_name(raw)}")
    if type(raw.get("key")) is str and f.ASCII_KEY.match(raw["key"]):
        label = raw["key"]
    where = Where(file, label)
    where.check_fields(raw, _ITEM_FIELDS)
    key = f.key(where, raw, "key")
    seq = f.get(where, raw, "seq", int, True)
    lines = _lines(where, raw)
    stages = _stages(where, raw, "stages", required=True)
    assert stages is not None
    statutory = f.limit(where, raw, "statutory", required=True)
    assert statutory is not None
    promised = f.limit(where, raw, "promised", required=False) or statutory
    f.check_promise(where, "promised", statutory, promised)
    clock_start = f.choice(where, raw, "clock_start", CLOCK_STARTS, False) or "received"
    _check_clock(where, "clock_start", clock_start, stages)
    applicant_types = _applicant_types(where, raw)
    type_keys = tuple(a.key for a in applicant_types)
    inferred = f.get(where, raw, "stages_inferred", bool, False)
    return Item(
        region=region,
        key=key,
        seq=seq,
        lines=lines,
        name=_required_text(where, raw, "name"),
        group=f.text(where, raw, "group"),
        group_code=f.text(where, raw, "group_code"),
        code=f.text(where, raw, "code"),
        applicants=f.text(where, raw, "applicants"),
        channels_text=f.text(where, raw, "channels_text"),
        channels=_channels(where, raw),
        limit_text=_required_text(where, raw, "limit_text"),
        stages_text=f.text(where, raw, "stages_text"),
        stages=stages,
        stages_inferred=bool(inferred),
        clock_start=clock_start,
        statutory=statutory,
        promised=promised,
        legal_basis=f.texts(where, raw, "legal_basis"),
        notes=f.texts(where, raw, "notes"),
        extra=f.str_map(where, raw, "extra"),
        applicant_types=applicant_types,
        stage_limits=_stage_limits(where, raw, stages),
        materials=_materials(where, raw, type_keys),
        variants=_variants(where, raw, type_keys, statutory, promised, clock_start, stages),
    )


def _lines(where: Where, raw: Mapping[str, Any]) -> tuple[int, int]:
    value = f.get(where, raw, "lines", list, True)
    if len(value) != 2 or any(type(n) is not int for n in value):
        where.fail("lines", "应为两个整数 [首行, 末行]")
    first, last = value
    if not 1 <= first <= last:
        where.fail("lines", f"行范围 [{first}, {last}] 无效：应满足 1 ≤ 首行 ≤ 末行")
    return (first, last)


def _stages(
    where: Where, raw: Mapping[str, Any], name: str, required: bool
) -> tuple[str, ...] | None:
    if name not in raw:
        if required:
            where.fail(name, "缺少必填字段")
        return None
    stages = f.texts(where, raw, name)
    try:
        graph = build_graph(stages)
    except ValueError as exc:
        where.fail(name, str(exc))
    problem = graph_problem(graph)
    if problem:
        where.fail(name, problem)
    return stages


def _check_clock(where: Where, name: str, clock_start: str, stages: tuple[str, ...]) -> None:
    if clock_start == "accepted" and "受理" not in stages:
        where.fail(name, "从受理起算（accepted），但环节链没有“受理”")


def _channels(where: Where, raw: Mapping[str, Any]) -> tuple[str, ...]:
    channels = f.texts(where, raw, "channels")
    for index, channel in enumerate(channels, 1):
        if channel not in CHANNELS:
            where.fail(f"channels[{index}]", f"未知渠道“{channel}”（可用: {', '.join(CHANNELS)}）")
        if channel in channels[: index - 1]:
            where.fail(f"channels[{index}]", f"渠道“{channel}”重复")
    return channels


def _tables(where: Where, raw: Mapping[str, Any], name: str) -> list[tuple[Where, dict]]:
    entries = f.get(where, raw, name, list, False) or []
    out = []
    for index, entry in enumerate(entries, 1):
        if type(entry) is not dict:
            where.fail(f"{name}[{index}]", f"应为表，实际是{f.type_name(entry)}")
        out.append((where.at(f"{name}[{index}]"), entry))
    return out


def _applicant_types(where: Where, raw: Mapping[str, Any]) -> tuple[ApplicantType, ...]:
    out: list[ApplicantType] = []
    for inner, entry in _tables(where, raw, "applicant_types"):
        inner.check_fields(entry, ("key", "label"))
        applicant = ApplicantType(f.key(inner, entry, "key"), _required_text(inner, entry, "label"))
        if any(a.key == applicant.key for a in out):
            inner.fail("key", f"申请人类型“{applicant.key}”重复")
        out.append(applicant)
    return tuple(out)


def _applicant_ref(inner: Where, entry: Mapping[str, Any], known: tuple[str, ...]) -> str | None:
    value = f.text(inner, entry, "applicant_type")
    if value is not None and value not in known:
        listed = ", ".join(known) if known else "本事项未声明 applicant_types"
        inner.fail("applicant_type", f"未知申请人类型“{value}”（可用: {listed}）")
    return value


def _materials(
    where: Where, raw: Mapping[str, Any], known: tuple[str, ...]
) -> tuple[Material, ...]:
    out: list[Material] = []
    for inner, entry in _tables(where, raw, "materials"):
        inner.check_fields(entry, _MATERIAL_FIELDS)
        required = f.get(inner, entry, "required", bool, False)
        out.append(
            Material(
                name=_required_text(inner, entry, "name"),
                required=True if required is None else required,
                condition=f.text(inner, entry, "condition"),
                applicant_type=_applicant_ref(inner, entry, known),
            )
        )
    return tuple(out)


def _stage_limits(
    where: Where, raw: Mapping[str, Any], stages: tuple[str, ...]
) -> tuple[StageLimit, ...]:
    order = ("received", *chain_states(stages)[1:])
    out: list[StageLimit] = []
    for inner, entry in _tables(where, raw, "stage_limits"):
        inner.check_fields(entry, _STAGE_LIMIT_FIELDS)
        starts = f.choice(inner, entry, "starts", STAGE_EVENTS[:-1], required=True)
        ends = f.choice(inner, entry, "ends", STAGE_EVENTS[1:], required=True)
        for name, event in (("starts", starts), ("ends", ends)):
            if event not in order:
                inner.fail(name, f"事件“{event}”不在本事项的环节链 {'—'.join(stages)} 中")
        assert starts is not None and ends is not None
        if order.index(starts) >= order.index(ends):
            inner.fail("ends", f"“{ends}”应在“{starts}”之后")
        out.append(
            StageLimit(
                key=f.key(inner, entry, "key"),
                label=_required_text(inner, entry, "label"),
                starts=starts,
                ends=ends,
                limit=f.limit_from(inner, entry),
                text=_required_text(inner, entry, "text"),
            )
        )
    return tuple(out)


def _variants(
    where: Where,
    raw: Mapping[str, Any],
    known: tuple[str, ...],
    statutory: Limit,
    promised: Limit,
    clock_start: str,
    stages: tuple[str, ...],
) -> tuple[Variant, ...]:
    out: list[Variant] = []
    for inner, entry in _tables(where, raw, "variants"):
        inner.check_fields(entry, _VARIANT_FIELDS)
        when = _when(inner, entry, known)
        if any(v.when == when for v in out):
            inner.fail("when", f"与前面的变体条件 {dict(when)} 重复")
        own_statutory = f.limit(inner, entry, "statutory", required=False)
        own_promised = f.limit(inner, entry, "promised", required=False)
        v_statutory = own_statutory or statutory
        v_promised = own_promised or (own_statutory if own_statutory else promised)
        f.check_promise(inner, "promised", v_statutory, v_promised)
        v_stages = _stages(inner, entry, "stages", required=False)
        v_clock = f.choice(inner, entry, "clock_start", CLOCK_STARTS, False)
        _check_clock(inner, "clock_start", v_clock or clock_start, v_stages or stages)
        if own_statutory is None and own_promised is None and v_stages is None and v_clock is None:
            inner.fail("when", "变体没有改变任何内容（时限、环节链或起算点）")
        out.append(Variant(when, v_statutory, v_promised, v_stages, v_clock))
    return tuple(out)


def _when(inner: Where, entry: Mapping[str, Any], known: tuple[str, ...]) -> FrozenMap:
    when = f.get(inner, entry, "when", dict, True)
    if not when:
        inner.fail("when", "条件为空")
    cond = inner.at("when")
    cond.check_fields(when, ("channel", "applicant_type"))
    f.choice(cond, when, "channel", VARIANT_CHANNELS, required=False)
    _applicant_ref(cond, when, known)
    return FrozenMap(when)

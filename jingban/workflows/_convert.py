"""Check a region file against the format and the rules that span fields, and convert it to
frozen definitions.

`_schema` (pydantic) checks the shape; this module checks chains, duplicates, the order of
items, limits against each other and references between fields, then builds `model` records.
The first mistake raises one ``CatalogError`` naming the file, the item, the field and, where
it can be found, the line: ``"<file>: 事项 <key or #position>: 字段 <field>: <what>（第 N 行）"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from jingban.datafile import SchemaProblem, item_label, line_of_field, loc_text, validate
from jingban.workflows._region_materials import region_notes, with_region_materials
from jingban.workflows._schema import (
    ControlSpec,
    ItemSpec,
    LimitSpec,
    RegionFile,
    StageLimitSpec,
    SupplementSpec,
    WhenSpec,
)
from jingban.workflows.control_rules import ControlRule, RecheckRule
from jingban.workflows.errors import CatalogError
from jingban.workflows.followup_rules import SupplementRule
from jingban.workflows.model import (
    ApplicantType,
    ExtensionRule,
    FrozenMap,
    Item,
    Limit,
    Material,
    PaymentRule,
    Region,
    StageLimit,
    Variant,
)
from jingban.workflows.stages import build_graph, chain_states, graph_problem
from jingban.workflows.supervision_rules import SupervisionRule

Loc = tuple[str | int, ...]


class Where:
    """Where a value sits: the file (and its text, for the line), the item and the path."""

    __slots__ = ("file", "item", "loc", "shown", "text")

    def __init__(self, file: str, text: str, item: str | None, loc: Loc, shown: int) -> None:
        self.file = file
        self.text = text
        self.item = item
        self.loc = loc
        self.shown = shown  # how many leading parts of ``loc`` the field path leaves out

    def at(self, *parts: str | int) -> Where:
        """The location of a nested value (e.g. ``at("materials", 1)``; positions from 0)."""
        return Where(self.file, self.text, self.item, (*self.loc, *parts), self.shown)

    def fail(self, what: str, *parts: str | int) -> NoReturn:
        """Raise the one ``CatalogError`` for the value at ``parts`` below this location."""
        loc = (*self.loc, *parts)
        owner = f"事项 {self.item}" if self.item is not None else "区域表 [region]"
        line = line_of_field(self.text, loc) if self.text else None
        suffix = f"（第 {line} 行）" if line else ""
        field = loc_text(loc[self.shown :])
        raise CatalogError(f"{self.file}: {owner}: 字段 {field}: {what}{suffix}")


def region_from(file: str, data: Mapping[str, Any], known: Sequence[str], text: str = "") -> Region:
    """Validate a parsed region file (``[region]`` and ``[[items]]``) and convert it.

    ``known`` are the region keys of the registry; ``text`` is the file's source, used to
    name the line of a mistake. Raises ``CatalogError``.
    """
    try:
        spec = validate(RegionFile, data)
    except SchemaProblem as problem:
        _where_of(file, text, data, problem.loc).fail(problem.what)
    top = Where(file, text, None, (), 0)
    head = spec.region
    if head.key not in known:
        top.fail(f"“{head.key}”不是可用值（可用: {', '.join(known)}）", "region", "key")
    if not spec.items:
        top.fail("区域没有任何事项", "items")
    items: list[Item] = []
    keys: dict[str, int] = {}
    names: dict[str, int] = {}
    for index, raw in enumerate(spec.items):
        position = index + 1
        here = Where(file, text, raw.key, ("items", index), 2)
        item = _item(here, head.key, raw)
        if item.key in keys:
            here.fail(f"与第 {keys[item.key]} 个事项重复", "key")
        if item.name in names:
            here.fail(f"“{item.name}”与第 {names[item.name]} 个事项重名", "name")
        if item.seq != position:
            here.fail(
                f"应为 {position}（事项在文件中的位置，与文件顺序一致），实际是 {item.seq}", "seq"
            )
        if items and item.lines[0] <= items[-1].lines[1]:
            here.fail(f"与上一个事项 {items[-1].key} 的行范围重叠或顺序颠倒", "lines")
        keys[item.key] = position
        names[item.name] = position
        items.append(item)
    items = with_region_materials(top, head.materials, items, len(head.notes))
    notes_lines = region_notes(top, head)
    return Region(
        key=head.key,
        name=head.name,
        document=head.document,
        issuer=head.issuer,
        source=head.source,
        supplement_policy=head.supplement_policy,
        extensions=ExtensionRule(head.extensions.max_count, head.extensions.max_working_days),
        payments=PaymentRule(head.payments.max_amount * 100),
        supplements=supplement_rule(top, head.supplements, items),
        supervision=SupervisionRule(**head.supervision.model_dump()),
        control=control_rule(top, head.control, items),
        extra=FrozenMap(head.extra),
        items=tuple(items),
        notes=tuple(head.notes),
        notes_lines=notes_lines,
    )


def supplement_rule(top: Where, spec: SupplementSpec, items: list[Item]) -> SupplementRule:
    """The region's `SupplementRule`; every item key must be an item of the region and every
    name one of its materials (an error names the table and the key)."""
    by_key = {item.key: item for item in items}

    def lists(field: str, raw: dict[str, list[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        out = []
        for key, names in raw.items():
            item = by_key.get(key)
            if item is None:
                top.fail(f"没有事项“{key}”", "region", "supplements", field, key)
            known = {m.name for m in item.materials}
            for name in names:
                if name not in known:
                    top.fail(
                        f"事项“{item.name}”没有材料“{name}”", "region", "supplements", field, key
                    )
            out.append((key, tuple(dict.fromkeys(names))))
        return tuple(out)

    return SupplementRule(
        deadline_working_days=spec.deadline_working_days,
        on_lapse=spec.on_lapse,
        deferred_working_days=spec.deferred_working_days,
        undertaking_check_days=spec.undertaking_check_days,
        deferrable=lists("deferrable", spec.deferrable),
        undertakings=lists("undertakings", spec.undertakings),
    )


def control_rule(top: Where, spec: ControlSpec, items: list[Item]) -> ControlRule:
    """The region's `ControlRule`; every item key must be an item of the region, every
    material one of each item's, every action of a pair a takeable action and a pair two
    different actions (an error names the table)."""
    from jingban.workflows.actions import ACTIONS

    by_key = {item.key: item for item in items}
    rules = []
    for n, rule in enumerate(spec.rechecks):
        for key in rule.items:
            item = by_key.get(key)
            if item is None:
                top.fail(f"没有事项“{key}”", "region", "control", "rechecks", n, "items")
            known = {m.name for m in item.materials}
            for name in rule.materials:
                if name not in known:
                    top.fail(
                        f"事项“{item.name}”没有材料“{name}”",
                        "region", "control", "rechecks", n, "materials",
                    )  # fmt: skip
        over = None if rule.amount_over is None else rule.amount_over * 100
        rules.append(RecheckRule(tuple(rule.items), over, tuple(rule.materials), rule.basis))
    pairs = []
    for n, pair in enumerate(spec.incompatible):
        if len(pair) != 2 or pair[0] == pair[1]:
            top.fail("须为两个不同的操作", "region", "control", "incompatible", n)
        for action in pair:
            if action not in ACTIONS or not ACTIONS[action].takeable:
                top.fail(f"没有操作“{action}”", "region", "control", "incompatible", n)
        pairs.append((pair[0], pair[1]))
    return ControlRule(tuple(rules), tuple(pairs))


def _where_of(file: str, text: str, data: Mapping[str, Any], loc: Loc) -> Where:
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        return Where(file, text, item_label(data, "items", loc[1]), loc, 2)
    return Where(file, text, None, loc, 0)


def _item(where: Where, region: str, raw: ItemSpec) -> Item:
    lines = _lines(where, raw.lines)
    stages = _stages(where, raw.stages, "stages")
    statutory = _limit(where.at("statutory"), raw.statutory)
    promised = _limit(where.at("promised"), raw.promised) if raw.promised else statutory
    _check_promise(where, statutory, promised)
    _check_clock(where, raw.clock_start, stages)
    applicant_types = _applicant_types(where, raw)
    type_keys = tuple(a.key for a in applicant_types)
    return Item(
        region=region,
        key=raw.key,
        seq=raw.seq,
        lines=lines,
        name=raw.name,
        group=raw.group,
        group_code=raw.group_code,
        code=raw.code,
        applicants=raw.applicants,
        channels_text=raw.channels_text,
        channels=_channels(where, raw.channels),
        limit_text=raw.limit_text,
        stages_text=raw.stages_text,
        stages=stages,
        stages_inferred=raw.stages_inferred,
        clock_start=raw.clock_start,
        statutory=statutory,
        promised=promised,
        legal_basis=tuple(raw.legal_basis),
        notes=tuple(raw.notes),
        extra=FrozenMap(raw.extra),
        applicant_types=applicant_types,
        stage_limits=_stage_limits(where, raw.stage_limits, stages),
        materials=_materials(where, raw, type_keys),
        variants=_variants(where, raw, type_keys, statutory, promised, stages),
        completed_by=raw.completed_by,
        applicant_kinds=_applicant_kinds(where, raw.applicant_kinds),
        channel_scopes=FrozenMap(raw.channel_scopes),
    )


def _applicant_kinds(where: Where, kinds: list[str]) -> tuple[str, ...]:
    if not kinds:
        where.fail("至少要有一种申请人（person 或 unit）", "applicant_kinds")
    for index, kind in enumerate(kinds):  # the schema allows only known kinds
        if kind in kinds[:index]:
            where.fail(f"申请人种类“{kind}”重复", "applicant_kinds", index)
    return tuple(kinds)


def _lines(where: Where, value: list[int]) -> tuple[int, int]:
    if len(value) != 2:
        where.fail("应为两个整数 [首行, 末行]", "lines")
    first, last = value
    if not 1 <= first <= last:
        where.fail(f"行范围 [{first}, {last}] 无效：应满足 1 ≤ 首行 ≤ 末行", "lines")
    return (first, last)


def _stages(where: Where, value: list[str], name: str) -> tuple[str, ...]:
    stages = tuple(value)
    try:
        graph = build_graph(stages)
    except ValueError as exc:
        where.fail(str(exc), name)
    problem = graph_problem(graph)
    if problem:
        where.fail(problem, name)
    return stages


def _limit(where: Where, spec: LimitSpec | StageLimitSpec) -> Limit:
    if spec.unit == "instant" and spec.value != 0:
        where.fail("即时办结（instant）的时限值应为 0", "value")
    if spec.unit != "instant" and spec.value <= 0:
        where.fail(f"时限值应为正整数，实际是 {spec.value}", "value")
    return Limit(spec.value, spec.unit)


def _check_promise(where: Where, statutory: Limit, promised: Limit) -> None:
    if promised.unit == statutory.unit and promised.value > statutory.value:
        where.fail(f"承诺时限 {promised} 长于法定时限 {statutory}", "promised")
    if promised.unit != "instant" and statutory.unit == "instant":
        where.fail(f"法定即时办结，承诺时限却是 {promised}", "promised")


def _check_clock(where: Where, clock_start: str, stages: tuple[str, ...]) -> None:
    if clock_start == "accepted" and "受理" not in stages:
        where.fail("从受理起算（accepted），但环节链没有“受理”", "clock_start")


def _channels(where: Where, channels: list[str]) -> tuple[str, ...]:
    for index, channel in enumerate(channels):  # the schema allows only known channels
        if channel in channels[:index]:
            where.fail(f"渠道“{channel}”重复", "channels", index)
    return tuple(channels)


def _applicant_types(where: Where, raw: ItemSpec) -> tuple[ApplicantType, ...]:
    out: list[ApplicantType] = []
    for index, entry in enumerate(raw.applicant_types):
        if any(a.key == entry.key for a in out):
            where.fail(f"申请人类型“{entry.key}”重复", "applicant_types", index, "key")
        out.append(ApplicantType(entry.key, entry.label))
    return tuple(out)


def _applicant_ref(where: Where, value: str | None, known: tuple[str, ...]) -> str | None:
    if value is not None and value not in known:
        listed = ", ".join(known) if known else "本事项未声明 applicant_types"
        where.fail(f"未知申请人类型“{value}”（可用: {listed}）", "applicant_type")
    return value


def _materials(where: Where, raw: ItemSpec, known: tuple[str, ...]) -> tuple[Material, ...]:
    """The item's materials; a document named twice for the same applicants (as a material
    or as an alternative) is refused: a checklist could not tell the two apart."""
    out: list[Material] = []
    seen: set[tuple[str | None, str]] = set()
    for index, entry in enumerate(raw.materials):
        at = where.at("materials", index)
        for position, choice in enumerate((entry.name, *entry.alternatives)):
            if (entry.applicant_type, choice) in seen:
                field = ("name",) if position == 0 else ("alternatives", position - 1)
                at.fail(f"材料“{choice}”重复（同一材料的多种情形请写在一条 condition 中）", *field)
            seen.add((entry.applicant_type, choice))
        out.append(
            Material(
                name=entry.name,
                required=entry.required,
                condition=entry.condition,
                applicant_type=_applicant_ref(at, entry.applicant_type, known),
                applies_when=_trigger(at, entry.applies_when, entry.condition),
                alternatives=tuple(entry.alternatives),
                unless=entry.unless,
            )
        )
    return tuple(out)


def _trigger(where: Where, trigger: str | None, condition: str | None) -> str | None:
    if trigger is not None and condition is None:
        where.fail("applies_when 只用于有适用条件 (condition) 的材料", "applies_when")
    return trigger


def _stage_limits(
    where: Where, entries: list[StageLimitSpec], stages: tuple[str, ...]
) -> tuple[StageLimit, ...]:
    order = ("received", *chain_states(stages)[1:])
    out: list[StageLimit] = []
    for index, entry in enumerate(entries):
        inner = where.at("stage_limits", index)
        for name, event in (("starts", entry.starts), ("ends", entry.ends)):
            if event not in order:
                inner.fail(f"事件“{event}”不在本事项的环节链 {'—'.join(stages)} 中", name)
        if order.index(entry.starts) >= order.index(entry.ends):
            inner.fail(f"“{entry.ends}”应在“{entry.starts}”之后", "ends")
        limit = _limit(inner, entry)
        out.append(StageLimit(entry.key, entry.label, entry.starts, entry.ends, limit, entry.text))
    return tuple(out)


def _variants(
    where: Where,
    raw: ItemSpec,
    known: tuple[str, ...],
    statutory: Limit,
    promised: Limit,
    stages: tuple[str, ...],
) -> tuple[Variant, ...]:
    out: list[Variant] = []
    for index, entry in enumerate(raw.variants):
        inner = where.at("variants", index)
        when = _when(inner, entry.when, known)
        if any(v.when == when for v in out):
            inner.fail(f"与前面的变体条件 {dict(when)} 重复", "when")
        own_statutory = _limit(inner.at("statutory"), entry.statutory) if entry.statutory else None
        own_promised = _limit(inner.at("promised"), entry.promised) if entry.promised else None
        v_statutory = own_statutory or statutory
        v_promised = own_promised or (own_statutory if own_statutory else promised)
        _check_promise(inner, v_statutory, v_promised)
        v_stages = _stages(inner, entry.stages, "stages") if entry.stages is not None else None
        v_clock = entry.clock_start
        _check_clock(inner, v_clock or raw.clock_start, v_stages or stages)
        if own_statutory is None and own_promised is None and v_stages is None and v_clock is None:
            inner.fail("变体没有改变任何内容（时限、环节链或起算点）", "when")
        out.append(Variant(when, v_statutory, v_promised, v_stages, v_clock))
    return tuple(out)


def _when(where: Where, spec: WhenSpec, known: tuple[str, ...]) -> FrozenMap:
    given = spec.model_dump(exclude_none=True)
    if not given:
        where.fail("条件为空", "when")
    _applicant_ref(where.at("when"), spec.applicant_type, known)
    return FrozenMap(given)

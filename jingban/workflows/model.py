"""Frozen definitions of the catalog: limits, materials, variants, items, regions.

Everything here is immutable and hashable, built once by the loader and shared by every case.
Lookups that a user can get wrong raise ``UnknownItem`` / ``UnknownCatalogRegion``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from jingban.workflows.control_rules import ControlRule
from jingban.workflows.errors import UnknownCatalogRegion, UnknownItem
from jingban.workflows.followup_rules import SupplementRule
from jingban.workflows.supervision_rules import SupervisionRule

CLOCK_STARTS: tuple[str, ...] = ("received", "accepted")
WINDOW = "window"
COMPLETER_ROLES: tuple[str, ...] = ("clerk", "reviewer", "payer")
"""Roles that may be named as an item's completer (``completed_by``)."""
# The role that works each stage: by default an item is completed by the role of the last
# stage before 办结 (申请—受理—办结 by the clerk, …审核—办结 by the reviewer, …拨付—办结 by
# the payer).
STAGE_ROLES: Mapping[str, str] = {
    "申请": "clerk",
    "网上预审": "clerk",
    "受理": "clerk",
    "审核": "reviewer",
    "流转": "reviewer",
    "拨付": "payer",
}


class FrozenMap(Mapping[str, Any]):
    """An immutable, hashable mapping (insertion order kept) for data inside frozen records."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data: dict[str, Any] = dict(data or {})
        self._hash: int | None = None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._data.items()))
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


_UNIT_TEXT = {"working_days": "个工作日", "natural_days": "个自然日", "months": "个月"}


@dataclass(frozen=True, slots=True)
class Limit:
    """A time limit: ``value`` in ``unit`` (working_days, natural_days, months, instant)."""

    value: int
    unit: str

    @property
    def is_instant(self) -> bool:
        """True for 即时办结 limits (due at office close of the start day)."""
        return self.unit == "instant"

    def __str__(self) -> str:
        return "即时办结" if self.is_instant else f"{self.value}{_UNIT_TEXT[self.unit]}"


@dataclass(frozen=True, slots=True)
class Material:
    """One material: required unless optional or conditional; ``applicant_type`` restricts it.

    ``applies_when`` names the trigger (`jingban.workflows.applicants.MATERIAL_TRIGGERS`)
    that makes a conditional material required (``agent``: someone acts for the applicant);
    ``region_note`` the number of the region-wide note (说明) it comes from, for a material
    the region's document sets for many items at once. ``alternatives`` are other documents
    the guide accepts in its place (any one of the name and its alternatives satisfies it);
    ``unless`` is the case, in the guide's words, in which it is not needed — such a material
    is checked by the clerk, not enforced, like a conditional one.
    """

    name: str
    required: bool = True
    condition: str | None = None
    applicant_type: str | None = None
    applies_when: str | None = None
    region_note: int | None = None
    alternatives: tuple[str, ...] = ()
    unless: str | None = None

    def needed(self, agent: bool) -> bool:
        """Whether every such case must bring it: required, not waived by an ``unless``, and
        unconditional or triggered (an agent acts and it applies when one does)."""
        if not self.required or self.unless is not None:
            return False
        return self.condition is None or (agent and self.applies_when == "agent")

    @property
    def choices(self) -> tuple[str, ...]:
        """The documents any one of which satisfies this material: its name first."""
        return (self.name, *self.alternatives)

    @property
    def label(self) -> str:
        """The material as a checklist or a notice prints it, alternatives included."""
        text = self.name
        more = [a for a in self.alternatives if a not in self.name]
        if more:
            text += "（或" + "、".join(more) + "，任选其一）"
        if self.unless:
            text += f"（{self.unless}无需提供）"
        return text


@dataclass(frozen=True, slots=True)
class ApplicantType:
    """A kind of applicant the document distinguishes (``employee`` 在职职工 …)."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class StageLimit:
    """A sub-limit on part of the chain, from event ``starts`` to event ``ends``.

    Events are ``received`` or a chain state (``accepted``, ``transferred``, ``reviewed`` …).
    """

    key: str
    label: str
    starts: str
    ends: str
    limit: Limit
    text: str


@dataclass(frozen=True, slots=True)
class Variant:
    """Limits (and maybe a chain or clock start) for cases whose attributes match ``when``.

    ``statutory``/``promised`` are always resolved (a variant giving only ``statutory`` promises
    the same); ``stages``/``clock_start`` are None where the item's own apply.
    """

    when: Mapping[str, str]
    statutory: Limit
    promised: Limit
    stages: tuple[str, ...] | None = None
    clock_start: str | None = None

    def matches(self, attributes: Mapping[str, str | None]) -> bool:
        """True if every attribute ``when`` names is given and equal in ``attributes``."""
        return all(attributes.get(name) == value for name, value in self.when.items())


@dataclass(frozen=True, slots=True)
class Terms:
    """What applies to one case: limits, chain, clock start and the variant chosen (or None)."""

    statutory: Limit
    promised: Limit
    stages: tuple[str, ...]
    clock_start: str
    variant: Variant | None


@dataclass(frozen=True, slots=True)
class Item:
    """One service item (事项) of one region, as its document declares it."""

    region: str
    key: str
    seq: int
    lines: tuple[int, int]
    name: str
    group: str | None
    group_code: str | None
    code: str | None
    applicants: str | None
    channels_text: str | None
    channels: tuple[str, ...]
    limit_text: str
    stages_text: str | None
    stages: tuple[str, ...]
    stages_inferred: bool
    clock_start: str
    statutory: Limit
    promised: Limit
    legal_basis: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=FrozenMap)
    applicant_types: tuple[ApplicantType, ...] = ()
    stage_limits: tuple[StageLimit, ...] = ()
    materials: tuple[Material, ...] = ()
    variants: tuple[Variant, ...] = ()
    completed_by: str | None = None
    # Who may apply (`jingban.workflows.applicants.APPLICANT_KINDS`), the first the default.
    applicant_kinds: tuple[str, ...] = ("person",)
    # Case channel → the scope of cases it serves (喀什 19–22: online only 跨省办理).
    channel_scopes: Mapping[str, str] = field(default_factory=FrozenMap)

    @property
    def completer(self) -> str:
        """The one role that completes (办结) this item's cases besides the supervisor: the
        catalog's ``completed_by``, else the role of the default chain's last stage before
        办结 (see `STAGE_ROLES`)."""
        if self.completed_by is not None:
            return self.completed_by
        before_end = [s for s in self.stages if s in STAGE_ROLES]
        return STAGE_ROLES[before_end[-1]] if before_end else "clerk"

    @property
    def default_applicant_type(self) -> str | None:
        """Key of the first applicant type, or None if the item distinguishes none."""
        return self.applicant_types[0].key if self.applicant_types else None

    def terms(self, channel: str | None = None, applicant_type: str | None = None) -> Terms:
        """Resolve the terms of a case: the item's defaults, overridden by the first variant
        whose ``when`` matches. ``channel`` None means window; ``applicant_type`` None means the
        first applicant type. A variant naming an attribute the case lacks does not match."""
        attributes = {
            "channel": channel or WINDOW,
            "applicant_type": applicant_type or self.default_applicant_type,
        }
        for variant in self.variants:
            if variant.matches(attributes):
                return Terms(
                    statutory=variant.statutory,
                    promised=variant.promised,
                    stages=variant.stages or self.stages,
                    clock_start=variant.clock_start or self.clock_start,
                    variant=variant,
                )
        return Terms(self.statutory, self.promised, self.stages, self.clock_start, None)

    def _materials_for(self, applicant_type: str | None) -> Iterator[Material]:
        chosen = applicant_type or self.default_applicant_type
        for material in self.materials:
            if material.applicant_type is None or material.applicant_type == chosen:
                yield material

    def required_materials(
        self, applicant_type: str | None = None, *, agent: bool = False
    ) -> tuple[Material, ...]:
        """Materials every case of this applicant type (default: the first) must bring:
        required, unconditional (or, when ``agent`` — someone acts for the applicant —
        triggered by it, `Material.needed`), and for all applicants or this one."""
        return tuple(m for m in self._materials_for(applicant_type) if m.needed(agent))

    def conditional_materials(
        self, applicant_type: str | None = None, *, agent: bool = False
    ) -> tuple[Material, ...]:
        """Materials needed only when their ``condition`` (or ``unless``) holds, for this
        applicant type (those an agent's presence already makes required left out)."""
        return tuple(
            m
            for m in self._materials_for(applicant_type)
            if (m.condition is not None or m.unless is not None) and not m.needed(agent)
        )

    def has_stage(self, name: str) -> bool:
        """True if the default chain has the normalised stage ``name`` (e.g. "拨付")."""
        return name in self.stages

    @property
    def has_payment(self) -> bool:
        """True if the default chain has 拨付 (a payer records the payment)."""
        return "拨付" in self.stages

    @property
    def chains(self) -> tuple[tuple[str, ...], ...]:
        """The distinct chains of the item: the default first, then those of its variants."""
        out = [self.stages]
        for variant in self.variants:
            if variant.stages and variant.stages not in out:
                out.append(variant.stages)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class ExtensionRule:
    """How a region's office may extend a case's statutory limit (延期): at most
    ``max_count`` times per case, each by at most ``max_working_days`` working days, and
    always decided before the limit it extends has passed. The default (once, up to 10
    working days) follows 《中华人民共和国行政许可法》第四十二条, the nearest statutory rule;
    经办 items have no extension rule of their own (see docs/rules.md)."""

    max_count: int = 1
    max_working_days: int = 10


@dataclass(frozen=True, slots=True)
class PaymentRule:
    """How much one payment (拨付) of a region's cases may be: at most ``max_amount_fen``
    fen. An amount above it is refused as a likely typing error (an extra digit), not paid.
    The default, 1,000,000 yuan, is far above any single reimbursement the guides describe."""

    max_amount_fen: int = 100_000_000


@dataclass(frozen=True, slots=True)
class Region:
    """One region's catalog: its document's items, in the document's order."""

    key: str
    name: str
    document: str
    issuer: str | None
    source: str
    supplement_policy: str
    extra: Mapping[str, str]
    items: tuple[Item, ...]
    extensions: ExtensionRule = field(default_factory=lambda: ExtensionRule())
    payments: PaymentRule = field(default_factory=lambda: PaymentRule())
    # The document's region-wide notes (说明), verbatim, and the lines they stand on.
    notes: tuple[str, ...] = ()
    notes_lines: tuple[int, int] | None = None
    # Supplement deadlines, 容缺 and 告知承诺 (`jingban.workflows.followup_rules`).
    supplements: SupplementRule = field(default_factory=lambda: SupplementRule())
    # 差评 rectification and suspension approval (`jingban.workflows.supervision_rules`).
    supervision: SupervisionRule = field(default_factory=lambda: SupervisionRule())
    # 复核 and incompatible posts (`jingban.workflows.control_rules`).
    control: ControlRule = field(default_factory=lambda: ControlRule())
    _by_key: Mapping[str, Item] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", FrozenMap({item.key: item for item in self.items}))

    def item(self, key_or_name: str) -> Item:
        """Find an item by exact key, else exact verbatim name, else a unique substring of the
        name. Raises ``UnknownItem`` listing close candidates (or the ambiguous matches)."""
        wanted = key_or_name.strip()
        if wanted in self._by_key:
            return self._by_key[wanted]
        for item in self.items:
            if item.name == wanted:
                return item
        partial = [item for item in self.items if wanted and wanted in item.name]
        if len(partial) == 1:
            return partial[0]
        if partial:
            listed = "、".join(f"{i.name}（{i.key}）" for i in partial)
            raise UnknownItem(
                f"{self.name}有多个事项包含“{wanted}”: {listed}；请写完整名称或代码",
                tuple(i.key for i in partial),
            )
        close = self._close_to(wanted)
        hint = (
            "相近的事项: " + "、".join(f"{i.name}（{i.key}）" for i in close)
            if close
            else "可用 jingban items list 查看全部事项"
        )
        raise UnknownItem(f"{self.name}没有事项“{wanted}”；{hint}", tuple(i.key for i in close))

    def _close_to(self, wanted: str) -> list[Item]:
        by_label = {item.key: item for item in self.items}
        by_label.update({item.name: item for item in self.items})
        found: list[Item] = []
        for label in difflib.get_close_matches(wanted, list(by_label), n=8, cutoff=0.5):
            if by_label[label] not in found:
                found.append(by_label[label])
        return found[:5]


@dataclass(frozen=True, slots=True)
class Catalog:
    """All regions' catalogs, keyed by region key."""

    regions: Mapping[str, Region]

    def region(self, key: str) -> Region:
        """Return a region by key (or its Chinese name); raises ``UnknownCatalogRegion``."""
        wanted = key.strip()
        if wanted in self.regions:
            return self.regions[wanted]
        for region in self.regions.values():
            if region.name == wanted:
                return region
        known = "、".join(f"{r.key}（{r.name}）" for r in self.regions.values())
        raise UnknownCatalogRegion(f"未知区域“{wanted}”；可用: {known}")

    def item(self, region: str, key_or_name: str) -> Item:
        """Return one item of one region; raises ``UnknownCatalogRegion`` or ``UnknownItem``."""
        return self.region(region).item(key_or_name)

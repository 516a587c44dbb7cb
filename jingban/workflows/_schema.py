"""The catalog file format as pydantic models: what a region file may contain, field by field.

These models check the shape of a file (fields, types, allowed values); `_convert` then checks
the rules that span fields (chains, duplicates, limits against each other) and builds the
frozen definitions of `model`. The JSON Schema in docs/catalog.schema.json is generated from
`RegionFile` (``make schema``). The format is documented in docs/catalog.md.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from jingban.calendar import UNITS
from jingban.datafile import FileModel, Key, OneOf, Text, json_schema
from jingban.workflows.applicants import APPLICANT_KINDS, MATERIAL_TRIGGERS
from jingban.workflows.followup_rules import LAPSE_RULES
from jingban.workflows.model import CLOCK_STARTS, COMPLETER_ROLES
from jingban.workflows.stages import STAGE_NAMES
from jingban.workflows.vocabulary import CASE_CHANNELS, CHANNEL_SCOPES, CHANNELS

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

Unit = Annotated[Text, OneOf(UNITS), Field(description="时限单位 / unit of a time limit")]
ClockStart = Annotated[
    Text, OneOf(CLOCK_STARTS), Field(description="起算点 / the event that starts the clock")
]
Channel = Annotated[Text, OneOf(CHANNELS)]
StartEvent = Annotated[
    Text, OneOf(STAGE_EVENTS[:-1]), Field(description="起始事件 / event that starts it")
]
EndEvent = Annotated[
    Text, OneOf(STAGE_EVENTS[1:]), Field(description="结束事件 / event that meets it")
]
Policy = Annotated[
    Text,
    OneOf(SUPPLEMENT_POLICIES),
    Field(description="补正对时限的影响 / what a supplement does to the clock"),
]
LapseRule = Annotated[
    Text,
    OneOf(tuple(LAPSE_RULES)),
    Field(description="逾期未补正的处理 (withdraw 视为撤回 / card 提示科长) / on lapse"),
]
# The chain is checked as a whole by the loader (its messages name the stage); the schema
# only lists the names for editors.
StageName = Annotated[Text, Field(json_schema_extra={"enum": list(STAGE_NAMES)})]
CompletedBy = Annotated[
    Text, OneOf(COMPLETER_ROLES), Field(description="办结岗位 / the completing role")
]
VariantChannel = Annotated[Text, OneOf(VARIANT_CHANNELS), Field(description="渠道 / channel")]
ApplicantKind = Annotated[
    Text, OneOf(tuple(APPLICANT_KINDS)), Field(description="申请人种类 / applicant kind")
]
Trigger = Annotated[
    Text,
    OneOf(tuple(MATERIAL_TRIGGERS)),
    Field(description="使条件材料成为必需的情形 / what makes the material required"),
]


class RegionMaterialSpec(FileModel):
    """One ``[[region.materials]]`` entry: a material a region-wide note (说明) sets for
    many items at once; it is added to each item it names."""

    note: int = Field(ge=1, description="所依据的说明序号 / number of the region-wide note")
    name: Text = Field(description="材料名称，照录 / material, verbatim")
    condition: Text = Field(description="适用条件，照录 / condition, verbatim")
    applies_when: Trigger | None = None
    items: Text | list[Key] = Field(
        description='适用事项: "all" 或事项键列表 / "all" or the item keys it applies to'
    )


Scope = Annotated[
    Text, OneOf(tuple(CHANNEL_SCOPES)), Field(description="办件范围 / scope of cases")
]


class LimitSpec(FileModel):
    """``{ value, unit }``: a time limit (instant limits have value 0)."""

    value: int = Field(description="时限值（即时办结为 0）/ amount (0 for instant)")
    unit: Unit


class ExtensionSpec(FileModel):
    """The ``[region.extensions]`` table: the office's rule for 延期."""

    max_count: int = Field(
        default=1, ge=0, le=10, description="每件最多延期次数 / extensions per case"
    )
    max_working_days: int = Field(
        default=10, ge=1, le=60, description="每次最多延长工作日 / working days per extension"
    )


class PaymentSpec(FileModel):
    """The ``[region.payments]`` table: the office's bound on one payment (拨付)."""

    max_amount: int = Field(
        default=1_000_000,
        ge=1,
        le=100_000_000,
        description="单笔拨付最高金额（元，缺省 1000000）/ largest single payment, yuan",
    )


class SupplementSpec(FileModel):
    """The ``[region.supplements]`` table: supplement deadlines, 容缺受理 and 告知承诺."""

    deadline_working_days: int = Field(
        default=30, ge=1, le=250, description="补正期限（工作日，缺省 30）/ supplement deadline"
    )
    on_lapse: LapseRule = "card"
    deferred_working_days: int = Field(
        default=10, ge=1, le=60, description="容缺材料补齐期限（工作日）/ deferred materials due"
    )
    undertaking_check_days: int = Field(
        default=20, ge=1, le=250, description="承诺核查期限（工作日）/ undertaking check due"
    )
    deferrable: dict[Key, list[Text]] = Field(
        default_factory=dict, description="事项键 → 可容缺的材料 / item → deferrable materials"
    )
    undertakings: dict[Key, list[Text]] = Field(
        default_factory=dict,
        description="事项键 → 可用个人承诺书代替的证明 / item → proofs an undertaking replaces",
    )


class SupervisionSpec(FileModel):
    """The ``[region.supervision]`` table: 差评 rectification times and suspension approval."""

    rectify_working_days: int = Field(
        default=15, ge=1, le=60, description="差评核实、整改和回复期限（工作日，缺省 15）/ rectify"
    )
    callback_working_days: int = Field(
        default=5, ge=1, le=30, description="回复后回访期限（工作日，缺省 5）/ call-back"
    )
    appeal_review_working_days: int = Field(
        default=5, ge=1, le=30, description="申诉复核期限（工作日，缺省 5）/ appeal review"
    )
    suspension_approval: bool = Field(
        default=False, description="审核人员中止须经科长批准 / suspensions need approval"
    )


class RecheckSpec(FileModel):
    """One ``[[region.control.rechecks]]`` rule: payments re-checked before 拨付."""

    items: list[Key] = Field(min_length=1, description="事项键 / items the rule covers")
    amount_over: int | None = Field(
        None, ge=0, le=100_000_000, description="超过此金额（元）须复核 / amount above which"
    )
    materials: list[Text] = Field(
        default_factory=list, description="持有其一即须复核的材料 / materials that call for it"
    )
    basis: Text = Field("", description="依据或说明 / the office's wording of the rule")


class ControlSpec(FileModel):
    """The ``[region.control]`` table: 复核 rules and incompatible pairs of actions."""

    rechecks: list[RecheckSpec] = Field(default_factory=list, description="复核规则 / rechecks")
    incompatible: list[list[Key]] = Field(
        default_factory=list,
        description="不相容的操作对，同一人不得在同一办件上兼任 / incompatible action pairs",
    )


class RegionHead(FileModel):
    """The ``[region]`` table."""

    key: Key = Field(description="区域键，须在区域登记表 regions.toml 中 / registry key")
    name: Text = Field(description="区域简称 / short display name")
    document: Text = Field(description="办事指南标题，照录 / the document's title, verbatim")
    issuer: Text | None = Field(None, description="发布机关 / issuing office, where given")
    source: Text = Field(description="来源文件名 / source document file name")
    supplement_policy: Policy = "restart"
    extensions: ExtensionSpec = Field(
        default_factory=lambda: ExtensionSpec(),
        description="延期规则（缺省: 一次，最多 10 个工作日）/ extension rule",
    )
    payments: PaymentSpec = Field(
        default_factory=lambda: PaymentSpec(),
        description="拨付规则（缺省: 单笔最多 1000000 元）/ payment rule",
    )
    supplements: SupplementSpec = Field(
        default_factory=lambda: SupplementSpec(),
        description="补正期限、容缺受理与告知承诺（缺省: 30 个工作日，逾期提示科长）/ supplements",
    )
    supervision: SupervisionSpec = Field(
        default_factory=lambda: SupervisionSpec(),
        description="差评整改与中止审批（缺省: 15 个工作日整改，中止无需审批）/ supervision",
    )
    control: ControlSpec = Field(
        default_factory=lambda: ControlSpec(),
        description="内控: 复核规则与不相容岗位（缺省: 仅拨付类事项的基本分离）/ internal control",
    )
    extra: dict[str, Text] = Field(default_factory=dict, description="其他信息 / other text")
    notes: list[Text] = Field(
        default_factory=list, description="全文适用的说明，照录 / region-wide notes, verbatim"
    )
    notes_lines: list[int] | None = Field(
        None, description="说明在来源文件中的首行和末行 / first and last line of the notes"
    )
    materials: list[RegionMaterialSpec] = Field(
        default_factory=list, description="说明设定的材料 / materials the notes set"
    )


class MaterialSpec(FileModel):
    """One ``[[items.materials]]`` entry."""

    name: Text = Field(description="材料名称，照录 / material, verbatim")
    required: bool = Field(True, description="是否必需 / required (default true)")
    condition: Text | None = Field(None, description="适用条件，照录 / condition, verbatim")
    applicant_type: Text | None = Field(
        None, description="仅适用于该申请人类型 / only for this applicant type"
    )
    applies_when: Trigger | None = None
    alternatives: list[Text] = Field(
        default_factory=list,
        description="可替代的其他材料 (任选其一)，照录 / documents accepted instead, verbatim",
    )
    unless: Text | None = Field(
        None, description="无需提供的情形，照录 / when it is not needed, verbatim"
    )


class ApplicantTypeSpec(FileModel):
    """One ``[[items.applicant_types]]`` entry."""

    key: Key = Field(description="申请人类型键 / applicant type key")
    label: Text = Field(description="申请人类型，照录 / label, verbatim")


class StageLimitSpec(FileModel):
    """One ``[[items.stage_limits]]`` entry: a sub-limit on part of the chain."""

    key: Key = Field(description="子时限键 / sub-limit key")
    label: Text = Field(description="简短中文名称 / short Chinese label")
    starts: StartEvent
    ends: EndEvent
    value: int = Field(description="时限值 / amount")
    unit: Unit
    text: Text = Field(description="办事指南原文 / the document's sentence, verbatim")


class WhenSpec(FileModel):
    """The condition of a variant."""

    channel: VariantChannel | None = None
    applicant_type: Text | None = Field(None, description="申请人类型 / applicant type key")


class VariantSpec(FileModel):
    """One ``[[items.variants]]`` entry: what changes for cases matching ``when``."""

    when: WhenSpec = Field(description="适用条件 / the condition")
    statutory: LimitSpec | None = Field(None, description="法定时限 / statutory limit")
    promised: LimitSpec | None = Field(None, description="承诺时限 / promised limit")
    stages: list[StageName] | None = Field(None, description="环节链 / stage chain")
    clock_start: ClockStart | None = None


class ItemSpec(FileModel):
    """One ``[[items]]`` entry: a service item (事项) as its document declares it."""

    key: Key = Field(description="事项键（稳定 ASCII 标识）/ stable ASCII item key")
    seq: int = Field(description="在文件中的位置（从 1 起）/ position in the file (1-based)")
    lines: list[int] = Field(
        description="来源文件中的首行和末行 [首行, 末行] / first and last source line"
    )
    name: Text = Field(description="事项名称，照录 / verbatim title")
    group: Text | None = Field(None, description="主项 / section heading, verbatim")
    group_code: Text | None = Field(None, description="主项编码 / group code")
    code: Text | None = Field(None, description="子项编码 (GB/T 39554.1) / item code")
    applicants: Text | None = Field(None, description="服务对象，照录 / applicants, verbatim")
    channels_text: Text | None = Field(None, description="办理渠道，照录 / channels, verbatim")
    channels: list[Channel] = Field(
        default_factory=list, description="办理渠道（规范化）/ normalised channels"
    )
    limit_text: Text = Field(description="办理时限，照录 / time limit, verbatim")
    stages_text: Text | None = Field(None, description="办理环节，照录 / chain, verbatim")
    stages: list[StageName] = Field(description="环节链（规范化）/ normalised stage chain")
    stages_inferred: bool = Field(
        False, description="环节链系推断（文件未写明）/ chain inferred, not written"
    )
    clock_start: ClockStart = "received"
    statutory: LimitSpec = Field(description="法定时限 / statutory limit")
    promised: LimitSpec | None = Field(None, description="承诺时限（缺省同法定）/ promised")
    legal_basis: list[Text] = Field(default_factory=list, description="设定依据 / legal basis")
    notes: list[Text] = Field(default_factory=list, description="备注，照录 / notes, verbatim")
    extra: dict[str, Text] = Field(default_factory=dict, description="其他信息 / other text")
    applicant_types: list[ApplicantTypeSpec] = Field(
        default_factory=list, description="申请人类型，首个为默认 / applicant types, first default"
    )
    stage_limits: list[StageLimitSpec] = Field(
        default_factory=list, description="环节子时限 / stage sub-limits"
    )
    materials: list[MaterialSpec] = Field(
        default_factory=list, description="申请材料，按文件顺序 / materials, in document order"
    )
    variants: list[VariantSpec] = Field(
        default_factory=list, description="随渠道或申请人类型变化的时限 / variants"
    )
    completed_by: CompletedBy | None = Field(
        None,
        description="办结岗位（缺省为办结前最后一个环节的岗位）/ the role that completes a case",
    )
    applicant_kinds: list[ApplicantKind] = Field(
        default_factory=lambda: ["person"],
        description="可申请的申请人种类，首个为默认 / who may apply, first default",
    )
    channel_scopes: dict[VariantChannel, Scope] = Field(
        default_factory=dict,
        description='渠道仅受理的办件范围，如 online = "cross_province"（仅支持跨省办理）'
        " / the scope of cases a channel serves",
    )


class RegionFile(FileModel):
    """A region catalog file: ``[region]`` and its ``[[items]]``."""

    region: RegionHead = Field(description="区域表 / the region table")
    items: list[ItemSpec] = Field(description="事项，按办事指南顺序 / items, in document order")


def catalog_json_schema() -> dict[str, object]:
    """The JSON Schema of a region catalog file (docs/catalog.schema.json)."""
    return json_schema(RegionFile, "jingban 区域事项目录 / region catalog")

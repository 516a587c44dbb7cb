"""The action table: every action a case can see, declared once.

A declaration says what the action is called, who may take it, which parameters it takes
(and so which form fields, CLI options and API body fields exist), what it does to the clock,
which notice it prints and how it reads on the applicant's progress page. The engine binds a
handler to each key (`jingban.engine.handlers.HANDLERS`); the CLI, the API, the console, the
notices and the public view read everything else from here. Adding an action = one
`ActionDef` + its handler (+ a notice template when it prints one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

PARAM_KINDS: tuple[str, ...] = (
    "reason",
    "materials_received",
    "materials_missing",
    "materials_supplied",
    "amount",
    "account",
    "voucher",
    "days",
    "procedure",
    "assignee",
    "id_number",
    "outcome",
    "delivery_method",
    "tracking",
)
"""How a parameter is validated and shown; `jingban.engine.params` validates each kind."""

CLOCK_EFFECTS: Mapping[str, str] = MappingProxyType(
    {
        "none": "不影响计时",
        "start": "受理后计时的事项自受理起计时",
        "stop": "办件结束，计时终止",
        "pause": "计时暂停",
        "resume": "恢复计时，时限顺延暂停的工作日",
        "restart": "补正后重新计时 (或按地区规定顺延)",
        "extend": "法定时限延长",
    }
)
"""What an action may do to the case's clock (`ActionDef.clock`), with its wording."""


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an action. ``name`` is the field of `ActionParams`, of the API body
    and of the console form; ``cli`` the command-line option; ``maximum`` bounds a number of
    days; ``default`` pre-fills the console form."""

    name: str
    kind: str
    label: str
    cli: str
    required: bool = False
    maximum: int | None = None
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """A printable notice (通知书): its URL name, title and the code in its number (the
    ``kind`` of the office's 文号 style); ``paid_title``, where given, is its title for an
    item whose chain has 拨付."""

    kind: str
    title: str
    code: str
    paid_title: str | None = None


def _reason(required: bool) -> Param:
    label = "理由" if required else "说明"
    return Param("reason", "reason", label, "--reason", required=required)


@dataclass(frozen=True, slots=True)
class ActionDef:
    """One action. ``roles`` may take it (``only_in``/``never_in`` narrow a role to, or
    away from, some states); ``machine``: it moves the case along an edge of the item's
    state graph (else it leaves the state as it is); ``stamp``: the case field it dates;
    ``returns_from``: the off-path state it leads back from (the console's main button there);
    ``public``: whether the progress page lists it; ``takeable``: staff take it through
    `Engine.act` (registration and system events are not); ``after_end``: it may also be
    taken on a case that has ended (it changes nothing a decision rests on); ``ended_in``:
    the ended states it is taken in, and only those (an action on a decided case, such as
    the delivery of its result); ``timeline``:
    how its audit payload reads on the case's timeline, as format strings over the payload's
    keys (a line whose keys are absent is left out; `jingban.engine.present.payload_lines`
    knows the format specs ``count``, ``yuan``, ``time`` and ``or <default>``)."""

    key: str
    label: str
    roles: frozenset[str]
    params: tuple[Param, ...] = ()
    clock: str = "none"
    machine: bool = True
    danger: bool = False
    notice: Notice | None = None
    stamp: str | None = None
    returns_from: str | None = None
    public: bool = True
    takeable: bool = True
    after_end: bool = False
    ended_in: frozenset[str] | None = None
    timeline: tuple[str, ...] = ()
    only_in: Mapping[str, frozenset[str]] = field(default_factory=dict)
    never_in: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def param(self, name: str) -> Param | None:
        """The declared parameter ``name``, or None."""
        return next((p for p in self.params if p.name == name), None)

    @property
    def needs_reason(self) -> bool:
        found = self.param("reason")
        return found is not None and found.required

    def may(self, role: str, state: str | None = None) -> bool:
        """Whether ``role`` may take this action (in ``state``, where that matters)."""
        if role not in self.roles:
            return False
        if state is None:
            return True
        if role in self.only_in and state not in self.only_in[role]:
            return False
        return not (role in self.never_in and state in self.never_in[role])


_SUP = "supervisor"
_RECEIVED = "已收材料 {materials:count} 项"
_BEFORE_ACCEPTANCE = frozenset({"submitted", "prereviewed"})
_DAYS_SUSPEND = Param("days", "days", "所需工作日", "--days", required=True, maximum=250)
# Not given: the region's supplement deadline (`Region.supplements`); another needs a reason.
_DAYS_SUPPLEMENT = Param("days", "days", "补正期限 (工作日，缺省按地区规定)", "--days", maximum=250)
_DAYS_EXTEND = Param(
    "days", "days", "延长工作日", "--days", required=True, maximum=60, default="10"
)

ACTION_DEFS: tuple[ActionDef, ...] = (
    ActionDef(
        "open",
        "登记",
        frozenset({"clerk", _SUP}),
        machine=False,
        takeable=False,
        clock="start",
        timeline=(_RECEIVED, "办理范围: {scope}"),
    ),
    ActionDef(
        "accept",
        "受理",
        frozenset({"clerk", _SUP}),
        params=(
            Param("materials", "materials_received", "收到的材料", "--material"),
            _reason(False),
        ),
        clock="start",
        notice=Notice("accept", "受理通知书", "受"),
        timeline=(_RECEIVED,),
    ),
    ActionDef(
        "request_supplement",
        "一次性告知",
        frozenset({"clerk", "reviewer", _SUP}),
        params=(
            Param("missing", "materials_missing", "缺少的材料", "--missing"),
            _DAYS_SUPPLEMENT,
            _reason(False),
        ),
        clock="pause",
        notice=Notice("supplement", "一次性告知书", "告"),
        timeline=("补正期限 {supplement_due:time}",),
        only_in={"clerk": _BEFORE_ACCEPTANCE},
        never_in={"reviewer": _BEFORE_ACCEPTANCE},
    ),
    ActionDef(
        "supplement",
        "补正",
        frozenset({"clerk", _SUP}),
        params=(
            Param("materials", "materials_supplied", "收到的材料", "--material"),
            _reason(False),
        ),
        clock="restart",
        returns_from="supplement_requested",
        timeline=(_RECEIVED,),
    ),
    ActionDef(
        "not_accept",
        "不予受理",
        frozenset({"clerk", _SUP}),
        params=(_reason(True),),
        clock="stop",
        danger=True,
        notice=Notice("refuse", "不予受理通知书", "不受"),
    ),
    ActionDef(
        "prereview",
        "网上预审",
        frozenset({"clerk", _SUP}),
        params=(_reason(False),),
        stamp="prereviewed_at",
    ),
    ActionDef(
        "transfer",
        "流转",
        frozenset({"reviewer", _SUP}),
        params=(_reason(False),),
        stamp="transferred_at",
    ),
    ActionDef(
        "approve",
        "审核通过",
        frozenset({"reviewer", _SUP}),
        params=(_reason(False),),
        stamp="reviewed_at",
    ),
    ActionDef(
        "deny",
        "审核不通过",
        frozenset({"reviewer", _SUP}),
        params=(_reason(True),),
        clock="stop",
        danger=True,
        notice=Notice("deny", "审核不通过决定书", "审", paid_title="不予支付决定书"),
    ),
    ActionDef(
        "pay",
        "拨付",
        frozenset({"payer", _SUP}),
        params=(
            Param("amount", "amount", "金额 (元)", "--amount", required=True),
            Param("account", "account", "收款账号", "--account", required=True),
            Param("voucher", "voucher", "凭证号", "--voucher", required=True),
            _reason(False),
        ),
        stamp="paid_at",
        timeline=("金额 {amount_fen:yuan} 元，账号 {account}，凭证 {voucher}",),
    ),
    # Any staff role may be the item's completer (`Item.completer`, from the catalog's
    # ``completed_by``); the engine lets only that role (and the supervisor) complete it.
    ActionDef(
        "complete",
        "办结",
        frozenset({"clerk", "reviewer", "payer", _SUP}),
        params=(_reason(False),),
        clock="stop",
        notice=Notice("complete", "办结通知书", "结"),
    ),
    ActionDef(
        "reverse_payment",
        "冲正",
        frozenset({_SUP}),
        params=(
            Param("voucher", "voucher", "冲正凭证号", "--voucher", required=True),
            _reason(True),
        ),
        danger=True,
        timeline=(
            "冲正 {reversed_amount_fen:yuan} 元 (原凭证 {reversed_voucher})，冲正凭证 {voucher}",
        ),
    ),
    ActionDef(
        "withdraw",
        "撤回",
        frozenset({"clerk", _SUP}),
        params=(_reason(False),),
        clock="stop",
        danger=True,
    ),
    ActionDef(
        "suspend",
        "中止",
        frozenset({"reviewer", _SUP}),
        params=(
            Param("procedure", "procedure", "特别程序", "--procedure"),
            _DAYS_SUSPEND,
            _reason(True),
        ),
        clock="pause",
        notice=Notice("suspend", "中止办理通知书", "中"),
        timeline=(
            "{procedure:or 特别程序}，预计 {expected_working_days} 个工作日"
            "(约 {expected_resume:time} 恢复)",
        ),
    ),
    ActionDef(
        "resume",
        "恢复",
        frozenset({"reviewer", _SUP}),
        params=(_reason(False),),
        clock="resume",
        notice=Notice("resume", "恢复办理通知书", "复"),
        returns_from="suspended",
        timeline=("计时暂停 {stopped_working_days} 个工作日",),
    ),
    ActionDef(
        "extend",
        "延期",
        frozenset({_SUP}),
        params=(_DAYS_EXTEND, _reason(True)),
        clock="extend",
        notice=Notice("extend", "延期办理通知书", "延"),
        public=False,
        timeline=("延长 {days} 个工作日",),
    ),
    ActionDef(
        "reassign",
        "改派",
        frozenset({_SUP}),
        params=(
            Param("assignee", "assignee", "改派给", "--assignee", required=True),
            _reason(False),
        ),
        machine=False,
        public=False,
        timeline=("承办人: {assignee_from:or 无} → {assignee_to}",),
    ),
    ActionDef(
        "reissue_code",
        "补发查询码",
        frozenset({"clerk", _SUP}),
        params=(
            Param(
                "id_number",
                "id_number",
                "申请人证件号码 (核验证件后输入完整号码)",
                "--id-number",
                required=True,
            ),
            _reason(False),
        ),
        machine=False,
        public=False,
        after_end=True,
        timeline=("已核验申请人{id_type_label}，补发查询码，原查询码作废",),
    ),
    # 送达: how the result of an ended case reached the applicant (jingban.engine.delivery).
    ActionDef(
        "deliver",
        "送达",
        frozenset({"clerk", _SUP}),
        params=(
            Param("method", "delivery_method", "送达方式", "--method", required=True),
            Param("tracking", "tracking", "承运商及运单号 (邮寄) / 送达地址 (电子)", "--tracking"),
            _reason(False),
        ),
        machine=False,
        notice=Notice("delivery", "送达回执", "送"),
        after_end=True,
        ended_in=frozenset({"completed", "not_accepted"}),
        timeline=(
            "{method_label}",
            "承运商 {carrier}，运单号 {tracking_no}",
            "送达至 {reference}",
        ),
    ),
    # The applicant's milestone text messages (`jingban.storage.applicant_messages`): the
    # applicant may decline them, and take them again, while the case is open.
    ActionDef(
        "sms_optout",
        "退订短信",
        frozenset({"clerk", "reviewer", "payer", _SUP}),
        params=(_reason(False),),
        machine=False,
        public=False,
        timeline=("申请人不再接收办理进度短信",),
    ),
    ActionDef(
        "sms_optin",
        "恢复短信",
        frozenset({"clerk", "reviewer", "payer", _SUP}),
        params=(_reason(False),),
        machine=False,
        public=False,
        timeline=("申请人恢复接收办理进度短信",),
    ),
    ActionDef(
        "migrate",
        "迁移事项版本",
        frozenset({_SUP}),
        machine=False,
        takeable=False,
        public=False,
        timeline=("事项版本: {from_version} → {to_version}",),
    ),
    ActionDef(
        "recalculate", "重新计算时限", frozenset(), machine=False, takeable=False, public=False
    ),
    # Materials kept as files: an attached scan's digest is a link of the case's chain
    # (`jingban.engine.attachments`; taken through `jingban case attach`, not `case act`).
    ActionDef(
        "attach",
        "附加材料文件",
        frozenset({"clerk", "reviewer", "payer", _SUP}),
        machine=False,
        takeable=False,
        public=False,
        after_end=True,
        timeline=("「{material}」: {file_name} ({size} 字节，SHA-256 {sha256})",),
    ),
    # Supplement deadlines, 容缺受理 and 告知承诺 (`jingban.engine.followup_handlers`).
    ActionDef(
        "accept_deferred",
        "容缺受理",
        frozenset({"clerk", _SUP}),
        params=(
            Param("materials", "materials_received", "收到的材料", "--material"),
            Param("deferred", "materials_missing", "容缺的材料", "--deferred", required=True),
            Param("due_days", "days", "容缺材料补齐期限 (工作日)", "--due-days", maximum=60),
            _reason(False),
        ),
        clock="start",
        notice=Notice("deferred", "容缺受理通知书", "容"),
        timeline=(_RECEIVED, "容缺材料 {deferred:count} 项，{deferred_due:time} 前补齐"),
    ),
    ActionDef(
        "receive_deferred",
        "容缺材料补齐",
        frozenset({"clerk", _SUP}),
        params=(
            Param("materials", "materials_received", "收到的容缺材料", "--material"),
            _reason(False),
        ),
        machine=False,
        timeline=("收到容缺材料 {arrived:count} 项",),
    ),
    ActionDef(
        "undertake",
        "告知承诺",
        frozenset({"clerk", _SUP}),
        params=(
            Param(
                "proofs", "materials_missing", "以个人承诺书代替的证明", "--proof", required=True
            ),
            Param(
                "due_days", "days", "核查期限 (工作日，缺省按地区规定)", "--due-days", maximum=250
            ),
            _reason(False),
        ),
        machine=False,
        timeline=("以个人承诺书代替证明 {proofs:count} 项，{check_due:time} 前核查",),
    ),
    ActionDef(
        "verify_undertaking",
        "承诺核查",
        frozenset({"reviewer", _SUP}),
        params=(
            Param("outcome", "outcome", "核查结果", "--outcome", required=True),
            Param("proofs", "materials_missing", "核查的证明 (缺省: 全部待核查)", "--proof"),
            _reason(False),
        ),
        machine=False,
        after_end=True,
        timeline=("{outcome_label}: {proofs:count} 项证明",),
    ),
    ActionDef(
        "lapse",
        "逾期未补正，视为撤回",
        frozenset(),
        clock="stop",
        takeable=False,
        timeline=("补正期限 {supplement_due:time} 届满，申请人未补正",),
    ),
)
"""Every action, in the order forms and listings show them."""

ACTIONS: Mapping[str, ActionDef] = MappingProxyType({a.key: a for a in ACTION_DEFS})
ACTION_LABELS: Mapping[str, str] = MappingProxyType(
    {a.key: a.label for a in ACTION_DEFS if a.takeable} | {"advance": "下一步"}
)
"""Labels of the actions staff can name (``advance`` means the chain's next step)."""
EVENT_LABELS: Mapping[str, str] = MappingProxyType({a.key: a.label for a in ACTION_DEFS})
"""Labels of everything an audit record can say was done."""
NOTICES: Mapping[str, ActionDef] = MappingProxyType(
    {a.notice.kind: a for a in ACTION_DEFS if a.notice is not None}
)
"""Notice kind (URL name) → the action that issues it."""


def _params() -> tuple[Param, ...]:
    """The first declaration of each parameter name, with the largest ``maximum`` any
    action allows for it (the API and the CLI accept the widest; the action checks its own)."""
    found: dict[str, Param] = {}
    for action in ACTION_DEFS:
        for param in action.params:
            seen = found.get(param.name)
            if seen is None:
                found[param.name] = param
            elif param.maximum is not None and (seen.maximum or 0) < param.maximum:
                found[param.name] = Param(
                    seen.name, seen.kind, seen.label, seen.cli, seen.required, param.maximum
                )
    return tuple(found.values())


PARAMS: tuple[Param, ...] = _params()
"""Every parameter name any action takes, once (for the API body and the CLI options)."""


def param_help(name: str) -> str:
    """One line on the parameter ``name``: its labels, the actions that take it and those
    that require it (for the CLI's help and the API's schema)."""
    taking = [(a, p) for a in ACTION_DEFS if (p := a.param(name)) is not None]
    labels = "/".join(dict.fromkeys(p.label for _, p in taking))
    required = [a.label for a, p in taking if p.required]
    text = f"{labels}: " + "、".join(a.label for a, _ in taking)
    return text + (f" (必填: {'、'.join(required)})" if required else "")

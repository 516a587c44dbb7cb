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
from types import MappingProxyType

from jingban.workflows.action_types import (
    CLOCK_EFFECTS,
    PARAM_KINDS,
    ActionDef,
    Notice,
    Param,
    reason_param,
)
from jingban.workflows.actions_control import AUDIT_ACTIONS, CONTROL_ACTIONS
from jingban.workflows.actions_feedback import FEEDBACK_ACTIONS
from jingban.workflows.actions_followups import FOLLOWUP_ACTIONS
from jingban.workflows.actions_supervision import SUPERVISION_ACTIONS
from jingban.workflows.actions_suspension import SUSPENSION_ACTIONS

__all__ = [
    "ACTIONS",
    "ACTION_DEFS",
    "ACTION_LABELS",
    "CLOCK_EFFECTS",
    "EVENT_LABELS",
    "NOTICES",
    "NOTICE_SOURCES",
    "PARAMS",
    "PARAM_KINDS",
    "ActionDef",
    "Notice",
    "Param",
    "param_help",
]

_SUP = "supervisor"
_RECEIVED = "已收材料 {materials:count} 项"
_BEFORE_ACCEPTANCE = frozenset({"submitted", "prereviewed"})
_DAYS_SUSPEND = Param("days", "days", "所需工作日", "--days", required=True, maximum=250)
# Not given: the region's supplement deadline (`Region.supplements`); another needs a reason.
_DAYS_SUPPLEMENT = Param("days", "days", "补正期限 (工作日，缺省按地区规定)", "--days", maximum=250)
_DAYS_EXTEND = Param(
    "days", "days", "延长工作日", "--days", required=True, maximum=60, default="10"
)

_CORE_ACTIONS: tuple[ActionDef, ...] = (
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
            reason_param(False),
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
            reason_param(False),
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
            reason_param(False),
        ),
        clock="restart",
        returns_from="supplement_requested",
        timeline=(_RECEIVED,),
    ),
    ActionDef(
        "not_accept",
        "不予受理",
        frozenset({"clerk", _SUP}),
        params=(reason_param(True),),
        clock="stop",
        danger=True,
        notice=Notice("refuse", "不予受理通知书", "不受"),
    ),
    ActionDef(
        "prereview",
        "网上预审",
        frozenset({"clerk", _SUP}),
        params=(reason_param(False),),
        stamp="prereviewed_at",
    ),
    ActionDef(
        "transfer",
        "流转",
        frozenset({"reviewer", _SUP}),
        params=(reason_param(False),),
        stamp="transferred_at",
    ),
    ActionDef(
        "approve",
        "审核通过",
        frozenset({"reviewer", _SUP}),
        params=(reason_param(False),),
        stamp="reviewed_at",
    ),
    ActionDef(
        "deny",
        "审核不通过",
        frozenset({"reviewer", _SUP}),
        params=(reason_param(True),),
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
            reason_param(False),
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
        params=(reason_param(False),),
        clock="stop",
        notice=Notice("complete", "办结通知书", "结"),
    ),
    ActionDef(
        "reverse_payment",
        "冲正",
        frozenset({_SUP}),
        params=(
            Param("voucher", "voucher", "冲正凭证号", "--voucher", required=True),
            reason_param(True),
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
        params=(reason_param(False),),
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
            reason_param(True),
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
        params=(reason_param(False),),
        clock="resume",
        notice=Notice("resume", "恢复办理通知书", "复"),
        returns_from="suspended",
        timeline=("计时暂停 {stopped_working_days} 个工作日",),
    ),
    ActionDef(
        "extend",
        "延期",
        frozenset({_SUP}),
        params=(_DAYS_EXTEND, reason_param(True)),
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
            reason_param(False),
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
            reason_param(False),
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
            reason_param(False),
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
        params=(reason_param(False),),
        machine=False,
        public=False,
        timeline=("申请人不再接收办理进度短信",),
    ),
    ActionDef(
        "sms_optin",
        "恢复短信",
        frozenset({"clerk", "reviewer", "payer", _SUP}),
        params=(reason_param(False),),
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
)

# A feature with several actions declares them in its own module (``actions_<feature>``)
# and is listed here, one line each.
ACTION_DEFS: tuple[ActionDef, ...] = (
    *_CORE_ACTIONS,
    *FOLLOWUP_ACTIONS,
    *SUPERVISION_ACTIONS,
    *SUSPENSION_ACTIONS,
    *CONTROL_ACTIONS,
    *AUDIT_ACTIONS,
    *FEEDBACK_ACTIONS,
    # one line per feature module
)
"""Every action, in the order forms and listings show them."""

ACTIONS: Mapping[str, ActionDef] = MappingProxyType({a.key: a for a in ACTION_DEFS})
ACTION_LABELS: Mapping[str, str] = MappingProxyType(
    {a.key: a.label for a in ACTION_DEFS if a.takeable} | {"advance": "下一步"}
)
"""Labels of the actions staff can name (``advance`` means the chain's next step)."""
EVENT_LABELS: Mapping[str, str] = MappingProxyType({a.key: a.label for a in ACTION_DEFS})
"""Labels of everything an audit record can say was done."""


def _notice_sources() -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for a in ACTION_DEFS:
        if a.notice is not None:
            found[a.notice.kind] = (*found.get(a.notice.kind, ()), a.key)
    return found


NOTICE_SOURCES: Mapping[str, tuple[str, ...]] = MappingProxyType(_notice_sources())
"""Notice kind (URL name) → the actions that issue it, first the one it is declared for (a
中止办理通知书 is issued by ``suspend``, or by ``approve_suspension`` where a suspension waits
for the supervisor's approval)."""
NOTICES: Mapping[str, ActionDef] = MappingProxyType(
    {kind: ACTIONS[keys[0]] for kind, keys in NOTICE_SOURCES.items()}
)
"""Notice kind (URL name) → the action it is declared for (its title and number code)."""


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

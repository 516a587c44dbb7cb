"""The actions of supplement deadlines, 容缺受理 and 告知承诺, and the system's lapse of an
unsupplemented case (handlers: `jingban.engine.followup_handlers`); listed in
`jingban.workflows.actions.ACTION_DEFS`."""

from __future__ import annotations

from jingban.workflows.action_types import ActionDef, Notice, Param, reason_param

_SUP = "supervisor"
_RECEIVED = "已收材料 {materials:count} 项"

FOLLOWUP_ACTIONS: tuple[ActionDef, ...] = (
    ActionDef(
        "accept_deferred",
        "容缺受理",
        frozenset({"clerk", _SUP}),
        params=(
            Param("materials", "materials_received", "收到的材料", "--material"),
            Param("deferred", "materials_missing", "容缺的材料", "--deferred", required=True),
            Param("due_days", "days", "容缺材料补齐期限 (工作日)", "--due-days", maximum=60),
            reason_param(False),
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
            reason_param(False),
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
            reason_param(False),
        ),
        machine=False,
        timeline=("以个人承诺书代替证明 {proofs:count} 项，{check_due:time} 前核查",),
    ),
    ActionDef(
        "verify_undertaking",
        "承诺核查",
        frozenset({"reviewer", _SUP}),
        params=(
            Param(
                "outcome",
                "outcome",
                "核查结果",
                "--outcome",
                required=True,
                choices=(("pass", "核查属实"), ("fail", "核查不实")),
            ),
            Param("proofs", "materials_missing", "核查的证明 (缺省: 全部待核查)", "--proof"),
            reason_param(False),
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

"""The actions of internal control: the re-check (复核) a payment needs before 拨付 where a
rule of the region says so (handler: `jingban.engine.control`), and 稽核 of a closed case
drawn into an audit sample, its finding and the rectification of a problem (handlers:
`jingban.engine.audit_checks`); listed in `jingban.workflows.actions.ACTION_DEFS`."""

from __future__ import annotations

from jingban.workflows.action_types import ActionDef, Param, reason_param

_REVIEWED = frozenset({"reviewed"})

CONTROL_ACTIONS: tuple[ActionDef, ...] = (
    ActionDef(
        "recheck",
        "复核",
        frozenset({"reviewer", "supervisor"}),
        params=(
            Param("amount", "amount", "核定拨付金额 (元)", "--amount", required=True),
            reason_param(False),
        ),
        machine=False,
        public=False,
        only_in={"reviewer": _REVIEWED, "supervisor": _REVIEWED},
        timeline=("核定金额 {amount_fen:yuan} 元 (审核人 {approved_by})",),
    ),
)

AUDIT_ACTIONS: tuple[ActionDef, ...] = (
    ActionDef(
        "audit_sample",
        "稽核抽查",
        frozenset(),
        machine=False,
        takeable=False,
        public=False,
        after_end=True,
        timeline=("抽入 {month} 稽核样本 (第 {sample} 号抽查)",),
    ),
    ActionDef(
        "audit_check",
        "稽核",
        frozenset({"supervisor"}),
        params=(
            Param(
                "outcome",
                "outcome",
                "稽核结论",
                "--outcome",
                required=True,
                choices=(("compliant", "合规"), ("problem", "问题")),
            ),
            reason_param(False),
        ),
        machine=False,
        public=False,
        after_end=True,
        timeline=("第 {sample} 号抽查: {finding_label}",),
    ),
    ActionDef(
        "audit_rectify",
        "稽核整改",
        frozenset({"supervisor"}),
        params=(Param("reason", "reason", "整改情况", "--text", required=True),),
        machine=False,
        public=False,
        after_end=True,
        timeline=("第 {sample} 号抽查发现的问题已整改",),
    ),
)

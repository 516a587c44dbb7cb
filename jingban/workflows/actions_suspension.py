"""The actions of a suspension that waits for approval (中止待批): where the region says so
(``[region.supervision] suspension_approval``), a reviewer's ``suspend`` is taken as
``request_suspension`` and the supervisor approves or refuses it (handlers:
`jingban.engine.suspension_approval`); listed in `jingban.workflows.actions.ACTION_DEFS`."""

from __future__ import annotations

from jingban.workflows.action_types import ActionDef, Notice, Param, reason_param

_SUP = frozenset({"supervisor"})

SUSPENSION_ACTIONS: tuple[ActionDef, ...] = (
    ActionDef(
        "request_suspension",
        "申请中止",
        frozenset({"reviewer"}),
        params=(
            Param("procedure", "procedure", "特别程序", "--procedure"),
            Param("days", "days", "所需工作日", "--days", required=True, maximum=250),
            reason_param(True),
        ),
        public=False,
        timeline=("{procedure:or 特别程序}，预计 {expected_working_days} 个工作日，待科长批准",),
    ),
    ActionDef(
        "approve_suspension",
        "批准中止",
        _SUP,
        params=(reason_param(False),),
        clock="pause",
        # The 中止办理通知书 is issued when the suspension takes effect: at this approval.
        notice=Notice("suspend", "中止办理通知书", "中"),
        returns_from="suspension_pending",  # the supervisor's main button there
        timeline=(
            "{procedure:or 特别程序}，预计 {expected_working_days} 个工作日"
            "(约 {expected_resume:time} 恢复)",
            "申请人 {requested_by}",
        ),
    ),
    ActionDef(
        "refuse_suspension",
        "不批准中止",
        _SUP,
        params=(reason_param(True),),
        public=False,
        timeline=("{requested_by} 的中止申请未获批准，继续办理",),
    ),
)

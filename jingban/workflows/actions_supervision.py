"""The actions of 督办: a supervisor's supervision order and its recipient's reply (handlers:
`jingban.engine.supervision`); listed in `jingban.workflows.actions.ACTION_DEFS`."""

from __future__ import annotations

from jingban.workflows.action_types import ActionDef, Param

_STAFF = frozenset({"clerk", "reviewer", "payer", "supervisor"})

SUPERVISION_ACTIONS: tuple[ActionDef, ...] = (
    ActionDef(
        "supervise",
        "督办",
        frozenset({"supervisor"}),
        params=(
            Param("assignee", "assignee", "督办对象 (用户名)", "--to", required=True),
            Param("days", "days", "回复期限 (工作日)", "--days", required=True, maximum=30),
            Param("reason", "reason", "督办事由", "--reason", required=True),
        ),
        machine=False,
        public=False,
        after_end=True,
        timeline=("督办单第 {order} 号发给 {to}，{reply_due:time} 前回复",),
    ),
    ActionDef(
        "reply",
        "回复督办",
        _STAFF,
        params=(Param("reason", "reason", "回复 (办理情况、超期原因)", "--text", required=True),),
        machine=False,
        public=False,
        after_end=True,
        timeline=("回复督办单第 {order} 号", "{late_note}"),
    ),
)

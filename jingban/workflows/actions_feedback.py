"""The actions of 好差评: the applicant's rating of a stage and appeal (taken on the public
page, not by staff), and the supervisor's steps of a rectification (差评整改) a bad rating
opens (`jingban.engine.feedback`; handlers: `jingban.engine.feedback_handlers`); listed in
`jingban.workflows.actions.ACTION_DEFS`."""

from __future__ import annotations

from jingban.workflows.action_types import ActionDef, Param

_SUP = frozenset({"supervisor"})
_LINE = "差评整改第 {rectification} 号"


def _text(label: str, cli: str = "--text") -> Param:
    return Param("reason", "reason", label, cli, required=True)


def _step(key: str, label: str, *params: Param, timeline: tuple[str, ...]) -> ActionDef:
    return ActionDef(
        key,
        label,
        _SUP,
        params=params,
        machine=False,
        public=False,
        after_end=True,
        timeline=timeline,
    )


FEEDBACK_ACTIONS: tuple[ActionDef, ...] = (
    ActionDef(
        "rate",
        "评价",
        frozenset(),
        machine=False,
        takeable=False,
        after_end=True,
        timeline=(
            "{stage_label}环节: {rating_label}",
            _LINE + "，{due_at:time} 前核实、整改并回复",
        ),
    ),
    _step(
        "verify_rating",
        "核实差评",
        Param(
            "outcome",
            "outcome",
            "核实结果",
            "--outcome",
            required=True,
            choices=(("valid", "差评属实"), ("invalid", "差评不属实")),
        ),
        _text("核实情况"),
        timeline=(_LINE + ": {outcome_label}", "下一步: {next_label}，{due_at:time} 前"),
    ),
    _step(
        "rectify",
        "差评整改",
        _text("整改措施"),
        timeline=(_LINE + ": 已整改", "下一步: {next_label}，{due_at:time} 前"),
    ),
    _step(
        "answer_rating",
        "回复评价人",
        _text("答复内容 (申请人在进度查询页看到)"),
        timeline=(_LINE + ": 已答复评价人", "下一步: {next_label}，{due_at:time} 前"),
    ),
    _step(
        "call_back",
        "差评回访",
        Param(
            "outcome",
            "outcome",
            "回访结果",
            "--outcome",
            required=True,
            choices=(
                ("satisfied", "满意"),
                ("accepted", "基本满意"),
                ("unsatisfied", "仍不满意"),
                ("unreachable", "无法联系"),
            ),
        ),
        _text("回访记录"),
        timeline=(_LINE + ": 回访{outcome_label}", "{next_label}"),
    ),
    ActionDef(
        "appeal",
        "申诉",
        frozenset(),
        machine=False,
        takeable=False,
        after_end=True,
        public=False,
        timeline=(_LINE + ": 申请人申诉", "{due_at:time} 前复核"),
    ),
    _step(
        "review_appeal",
        "申诉复核",
        Param(
            "outcome",
            "outcome",
            "复核结果",
            "--outcome",
            required=True,
            choices=(("upheld", "申诉成立，差评属实"), ("rejected", "申诉不成立")),
        ),
        _text("复核意见"),
        timeline=(_LINE + ": {outcome_label}", "下一步: {next_label}，{due_at:time} 前"),
    ),
)

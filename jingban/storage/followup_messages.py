"""The texts of what the follow-up run raises: a staff message (reminder or card) for the
delivery queue, and the applicant's short message (one-time-notice deadline near, case
withdrawn as lapsed). Chinese, Beijing time; never a query code, a full name or an identity
number (the builders take none)."""

from __future__ import annotations

import datetime as dt

from jingban.calendar import BEIJING
from jingban.storage.followup_dues import FOLLOWUP_KINDS
from jingban.storage.messages import Message

_FOOTER = "本消息由经办系统自动发送，请勿直接回复。"
# What a due's name is, by kind (a proof, unless said otherwise).
_NAME_LABELS = {
    "deferred_overdue": "材料",
    "supervision_overdue": "督办单号",
    "rectification_overdue": "差评整改单号",
}


def _day(at: dt.datetime) -> str:
    return at.astimezone(BEIJING).strftime("%Y-%m-%d")


def staff_message(
    *, kind: str, case_no: str, item_name: str, name: str, due_at: dt.datetime, office: str | None
) -> Message:
    """The message to the assignee's or supervisor's route about ``kind`` (a key of
    `FOLLOWUP_KINDS`) for a case. Raises ValueError for an unknown kind."""
    if kind not in FOLLOWUP_KINDS:
        raise ValueError(f"unknown follow-up kind: {kind!r}")
    label = FOLLOWUP_KINDS[kind]
    subject = f"【{label}】{case_no} {item_name}"
    fields = [("办件编号", case_no), ("事项", item_name)]
    if office:
        fields.append(("经办机构", office))
    if name:
        fields.append((_NAME_LABELS.get(kind, "证明"), name))
    fields.append(("期限(北京时间)", due_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")))
    advice = {
        "supplement_remind": "请提醒申请人在期限前补齐材料。",
        "supplement_overdue": "本地区规定逾期未补正由人工处理，请科长决定撤回或其他处理。",
        "lapsed": "系统已按规定将办件撤回，申请人已收到告知。",
        "deferred_overdue": "容缺材料未按期补齐，办件不能办结，请督促申请人。",
        "undertaking_overdue": "个人承诺尚未核查，请尽快核查。",
        "suspension_overdue": "办件中止已过预计恢复日期，请核实特别程序进展，恢复办理或说明原因。",
        "supervision_overdue": "督办单已过回复期限，请接收人立即回复办理情况和超期原因。",
        "rectification_overdue": "差评整改的当前环节已过期限，请科长尽快核实、整改、答复或回访。",
    }.get(kind, "")
    lines = [f"{k}：{v}" for k, v in fields]
    markdown = "\n\n".join(
        [
            f"### {subject}",
            "\n".join(f"- **{k}**：{v}" for k, v in fields),
            f"**{advice}**",
            f"> {_FOOTER}",
        ]
    )
    text = "\n\n".join([subject, "\n".join(lines), advice, _FOOTER])
    return Message(subject, markdown, text)


def applicant_text(kind: str, *, case_no: str, item_name: str, due_at: dt.datetime) -> str:
    """The applicant's short message about ``kind`` (``applicant_remind`` or
    ``applicant_lapsed``):
    case number, what happened, what to do next. Raises ValueError for another kind."""
    if kind == "applicant_remind":
        return (
            f"您的{item_name}申请(办件编号{case_no})需补正材料，补正期限为{_day(due_at)}，"
            "请按一次性告知书在期限前补齐，逾期未补正的按规定处理。"
        )
    if kind == "applicant_lapsed":
        return (
            f"您的{item_name}申请(办件编号{case_no})补正期限{_day(due_at)}已过，未收到补正材料，"
            "按规定视为撤回申请。如需办理，请重新提交申请。"
        )
    raise ValueError(f"no applicant message for {kind!r}")

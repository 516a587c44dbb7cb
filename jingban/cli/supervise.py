"""`jingban case supervise` and `case reply`: issue a supervision order (督办单) on a case and
answer it (the ``supervise`` and ``reply`` actions, `jingban.engine.supervision`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from jingban.cli._common import emit_json, now_utc, open_services
from jingban.cli.cases import CASE_NO_HELP, ActorOpt, JsonOpt, RoleOpt, case_app

if TYPE_CHECKING:  # what the commands need is imported when one runs (`jingban` starts fast)
    from jingban.engine.params import ActionParams
    from jingban.storage.case_store import Acted


def _beijing(at: dt.datetime) -> str:
    from jingban.calendar import BEIJING

    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _take(case_no: str, action: str, actor: str, role: str, params: ActionParams) -> Acted:
    services = open_services()
    return services.cases.act(case_no, action, actor=actor, role=role, now=now_utc(), params=params)


def _emit(result: Acted) -> None:
    from jingban.engine.present import case_detail

    services = open_services()
    emit_json(case_detail(result.case, services.cases.history(result.case.case_no)))


@case_app.command("supervise")
def supervise(
    case_no: Annotated[str, typer.Argument(help=CASE_NO_HELP)],
    to: Annotated[str, typer.Option("--to", help="督办对象 (用户名)")],
    days: Annotated[int, typer.Option("--days", help="回复期限 (工作日，1–30)")],
    reason: Annotated[str, typer.Option("--reason", help="督办事由")],
    actor: ActorOpt,
    role: RoleOpt,
    json_: JsonOpt = False,
) -> None:
    """发出督办单: 接收人须在期限 (工作日) 内回复办理情况和超期原因。"""
    from jingban.engine.params import ActionParams

    params = ActionParams(assignee=to, days=days, reason=reason)
    result = _take(case_no, "supervise", actor, role, params)
    if json_:
        _emit(result)
        return
    order = result.case.supervisions[-1]
    typer.echo(
        f"{result.case.case_no}: 督办单第 {order.no} 号已发给 {order.to}，"
        f"须于 {_beijing(order.due_at)} 前回复"
    )


@case_app.command("reply")
def reply(
    case_no: Annotated[str, typer.Argument(help=CASE_NO_HELP)],
    text: Annotated[str, typer.Option("--text", help="回复: 办理情况、超期原因")],
    actor: ActorOpt,
    role: RoleOpt,
    json_: JsonOpt = False,
) -> None:
    """回复发给本人的督办单 (最早的一份未回复的)。"""
    from jingban.engine.params import ActionParams

    result = _take(case_no, "reply", actor, role, ActionParams(reason=text))
    if json_:
        _emit(result)
        return
    late = "，已过回复期限" if result.event.payload.get("late") else ""
    typer.echo(f"{result.case.case_no}: 已回复督办单第 {result.event.payload['order']} 号{late}")

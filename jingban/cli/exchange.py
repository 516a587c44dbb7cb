"""`jingban exchange`: case events for the provincial platform (docs/exchange.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from jingban.cli._common import emit_json, minutes, now_utc, open_services, parse_date
from jingban.errors import BadInput

exchange_app = typer.Typer(
    help="省级平台办件事件: 推送、停发列表、重发、对账。", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


@exchange_app.command("push")
def push() -> None:
    """立即推送待发的办件事件 (每个办件按操作顺序)。

    可与调度器同时运行：每条事件只由一个进程发送一次。未设 JINGBAN_EXCHANGE_URL 时不推送。"""
    from jingban.scheduler.exchange_push import Target, push_due

    try:
        target = Target.from_settings()
    except ValueError as exc:
        raise BadInput(f"JINGBAN_EXCHANGE_ADAPTER: {exc}") from None
    if target is None:
        raise BadInput("未设置平台接收地址 JINGBAN_EXCHANGE_URL，事件留在本地待发")
    services = open_services()
    report = push_due(services.exchange, services.exchange_codes, target, now_utc(), clock=now_utc)
    typer.echo(
        f"已推送 {report.sent}，失败待重试 {report.failed}"
        + (
            f"，停发 {report.parked} (处理后用 jingban exchange retry 重发)"
            if report.parked
            else ""
        )
        + (f"，被其他推送进程接手 {report.lost}" if report.lost else "")
    )


def _event_line(r: dict[str, object]) -> str:
    from jingban.storage.exchange_events import KIND_LABELS

    error = f" 错误: {r['last_error']}" if r.get("last_error") else ""
    kind = KIND_LABELS.get(str(r["kind"]), str(r["kind"]))
    return (
        f"#{r['id']} {r['status']} {r['case_no']} 第{r['seq']}步 {kind} "
        f"{minutes(r['at'])} 已试{r['attempts']}次{error}"  # type: ignore[arg-type]
    )


@exchange_app.command("failed")
def failed(json_: JsonOpt = False) -> None:
    """列出停发的办件事件 (平台拒收或编码未配置) 及原因。"""
    rows = open_services().exchange.events("failed")
    if json_:
        emit_json(rows)
        return
    if not rows:
        typer.echo("没有停发的事件")
    for r in rows:
        typer.echo(_event_line(r))


@exchange_app.command("events")
def events(
    status: Annotated[
        str | None, typer.Option("--status", help="pending (待发)、sent (已接收) 或 failed (停发)")
    ] = None,
    case_no: Annotated[str | None, typer.Option("--case", help="只列这一办件的事件")] = None,
    json_: JsonOpt = False,
) -> None:
    """列出办件事件队列 (最新的在前)。"""
    from jingban.storage.exchange_store import EXCHANGE_STATUSES

    if status is not None and status not in EXCHANGE_STATUSES:
        raise BadInput(f"--status: 未知状态 {status!r}；可用: {'、'.join(EXCHANGE_STATUSES)}")
    case = None
    if case_no is not None:
        from jingban.engine import normalise_case_number

        case = normalise_case_number(case_no)
    rows = open_services().exchange.events(status, case_no=case)
    if json_:
        emit_json(rows)
        return
    for r in rows:
        typer.echo(_event_line(r))


@exchange_app.command("retry")
def retry(
    event_id: Annotated[
        int | None, typer.Option("--id", help="只重发这一条 (默认: 全部停发的)")
    ] = None,
) -> None:
    """处理拒收原因或补全编码后，把停发的事件重新排队。"""
    count = open_services().exchange.retry(now=now_utc(), event_id=event_id)
    if event_id is not None and count == 0:
        raise BadInput(f"没有停发的事件 #{event_id} (可用 jingban exchange failed 查看)")
    typer.echo(f"已重新排队 {count} 条")


@exchange_app.command("reconcile")
def reconcile(
    date: Annotated[str, typer.Option("--date", help="对账日期 YYYY-MM-DD (北京时间)")],
    json_: JsonOpt = False,
) -> None:
    """对账: 把某日的办件操作 (审计记录) 与推送给平台的事件逐条比对，列出差异。"""
    from jingban.storage.exchange_reconcile import GAP_LABELS, reconcile

    day = parse_date(date, "--date")
    services = open_services()
    result = reconcile(services.db, services.exchange, day)
    if json_:
        emit_json(result.as_json())
    else:
        typer.echo(
            f"{day.isoformat()}: 应报事件 {result.actions}，平台已接收 {result.sent}，"
            f"差异 {len(result.gaps)}"
        )
        for g in result.gaps:
            typer.echo(f"  {g.case_no} 第{g.seq}步 {g.action}: {GAP_LABELS[g.gap]}")

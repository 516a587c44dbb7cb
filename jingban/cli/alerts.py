"""`jingban alerts`, `jingban digest`, `jingban report`, `jingban scheduler`."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from jingban.calendar import BEIJING, region_keys, region_profile
from jingban.cli._common import (
    emit_json,
    now_utc,
    open_services,
    parse_date,
    parse_instant,
)
from jingban.errors import BadInput
from jingban.scheduler.digest import digest_rows
from jingban.storage.scan import (
    DUE_KIND_LABELS,
    LEVEL_LABELS,
    LEVELS,
    AlertView,
    alert_json,
)

alerts_app = typer.Typer(help="预警: 扫描时限，红橙黄牌，通知路由。", no_args_is_help=True)
report_app = typer.Typer(help="统计报表。", no_args_is_help=True)
scheduler_app = typer.Typer(help="调度器: 定时扫描、发送通知、每日汇总。", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


def _as_of(text: str | None) -> dt.datetime:
    if text is None:
        return now_utc()
    value = parse_instant(text, "--at")
    if not isinstance(value, dt.datetime):  # a bare date: that day's end, Beijing time
        value = dt.datetime.combine(value, dt.time(23, 59, 59), BEIJING)
    return value.astimezone(dt.UTC)


def _print_alerts(alerts: list[AlertView]) -> None:
    if not alerts:
        typer.echo("没有预警")
    for a in alerts:
        left = (
            f"剩 {a.working_days_left} 个工作日"
            if a.working_days_left >= 0
            else (f"超期 {-a.working_days_left} 个工作日")
        )
        typer.echo(
            f"{LEVEL_LABELS[a.level]:<4} {a.case_no}  {DUE_KIND_LABELS[a.due_kind]}  "
            f"{a.due_at.astimezone(BEIJING):%Y-%m-%d %H:%M}  {left}"
            f"{'  (已关闭)' if a.closed_at else ''}"
        )


@alerts_app.command("scan")
def scan_command(
    at: Annotated[str | None, typer.Option("--at", help="按此时间扫描 (默认现在)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只预测，不记录")] = False,
    full: Annotated[
        bool, typer.Option("--full", help="全量扫描所有未办结办件 (默认只看上次扫描以来的变化)")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """扫描一次: 记录新的红橙黄牌并打印；--dry-run 预测到某时会出现哪些预警。"""
    as_of = _as_of(at)
    services = open_services()
    now = now_utc() if not dry_run else as_of
    result = services.scan_deadlines(as_of, dry_run=dry_run, full=full, node="cli", now=now)
    if json_:
        emit_json([alert_json(a) for a in result.alerts])
        return
    _print_alerts(result.alerts)
    if not dry_run:
        typer.echo(f"新预警 {len(result.alerts)} 条，关闭 {result.closed} 条")


@alerts_app.command("list")
def list_command(
    level: Annotated[str | None, typer.Option("--level", help="red、orange、yellow")] = None,
    region: Annotated[str | None, typer.Option("--region")] = None,
    open_: Annotated[bool, typer.Option("--open", help="只列未关闭的")] = False,
    json_: JsonOpt = False,
) -> None:
    """列出已记录的预警 (最严重、超期最久的在前)。"""
    if level is not None and level not in LEVELS:
        raise BadInput(f"--level: 未知级别 {level!r}；可用: {'、'.join(LEVELS)}")
    if region is not None:
        region_profile(region)
    services = open_services()
    alerts = services.alerts.alerts(as_of=now_utc(), level=level, region=region, open_only=open_)
    if json_:
        emit_json([alert_json(a) for a in alerts])
        return
    _print_alerts(alerts)


@alerts_app.command("deliver")
def deliver() -> None:
    """立即发送到期的通知 (非办公时间的通知等到下一个工作日开门)。

    可与调度器同时运行：每条通知只由一个进程发送一次。"""
    services = open_services()
    from jingban.scheduler.delivery import deliver_due

    report = deliver_due(services.deliveries, services.calendar, now_utc(), clock=now_utc)
    typer.echo(
        f"已发送 {report.sent}，失败待重试 {report.failed}，等待办公时间 {report.waiting}"
        + (
            f"，停发 {report.parked} (用 jingban alerts route-edit 修正接收渠道后，"
            "用 jingban alerts retry 重发)"
            if report.parked
            else ""
        )
        + (f"，已不成立不再发送 {report.cancelled}" if report.cancelled else "")
        + (f"，被其他发送进程接手 {report.lost}" if report.lost else "")
    )


@alerts_app.command("retry")
def retry(
    delivery_id: Annotated[
        int | None, typer.Option("--id", help="只重发这一条 (默认: 全部停发的)")
    ] = None,
) -> None:
    """修正接收渠道后，把因配置错误停发的通知重新排队 (在办公时间发送)。"""
    services = open_services()
    count = services.deliveries.retry_failed(now=now_utc(), delivery_id=delivery_id)
    if delivery_id is not None and count == 0:
        raise BadInput(
            f"没有停发的通知 #{delivery_id} (可用 jingban alerts deliveries --status failed 查看)"
        )
    typer.echo(f"已重新排队 {count} 条")


@alerts_app.command("deliveries")
def deliveries(
    status: Annotated[
        str | None,
        typer.Option("--status", help="pending、sent、failed (停发) 或 cancelled (已不成立)"),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """列出通知发送队列。"""
    from jingban.storage.deliveries import DELIVERY_STATUSES

    if status is not None and status not in DELIVERY_STATUSES:
        raise BadInput(f"--status: 未知状态 {status!r}；可用: {'、'.join(DELIVERY_STATUSES)}")
    services = open_services()
    rows = services.deliveries.deliveries(status)
    if json_:
        emit_json(rows)
        return
    for r in rows:
        note = "原因" if r["status"] == "cancelled" else "错误"
        typer.echo(
            f"#{r['id']} {r['status']} 第{r['attempts']}次 {r['subject']}"
            f"{f' {note}: ' + r['last_error'] if r['last_error'] else ''}"
        )


def digest_command(
    region: Annotated[str | None, typer.Option("--region")] = None,
    json_: JsonOpt = False,
) -> None:
    """每日汇总: 各地区未关闭的红、橙、黄牌办件。"""
    services = open_services()
    now = now_utc()
    regions = [region] if region else list(region_keys())
    data: list[dict[str, Any]] = []
    for key in regions:
        region_profile(key)
        rows = digest_rows(services.alerts, key, None, now)
        data.append(
            {
                "region": key,
                "region_name": region_profile(key).name,
                "counts": {lvl: sum(r.level == lvl for r in rows) for lvl in LEVELS},
                "cases": [
                    {
                        "level": r.level,
                        "case_no": r.case_no,
                        "item_name": r.item_name,
                        "due_kind": r.due_kind,
                        "due_at": r.due_at.astimezone(BEIJING).isoformat(),
                        "working_days_left": r.working_days_left,
                    }
                    for r in rows
                ],
            }
        )
    if json_:
        emit_json(data)
        return
    for block in data:
        counts = block["counts"]
        typer.echo(
            f"{block['region_name']}: 红牌 {counts['red']}  橙牌 {counts['orange']}  "
            f"黄牌 {counts['yellow']}"
        )
        for row in block["cases"]:
            typer.echo(
                f"  {LEVEL_LABELS[row['level']]} {row['case_no']} {row['item_name']} "
                f"{DUE_KIND_LABELS[row['due_kind']]} {row['due_at'][:16].replace('T', ' ')}"
            )


@report_app.command("on-time")
def on_time(
    region: Annotated[str | None, typer.Option("--region")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="办结日期起 YYYY-MM-DD")] = None,
    to: Annotated[str | None, typer.Option("--to", help="办结日期止 YYYY-MM-DD")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="同时导出为 Excel 文件")] = None,
    json_: JsonOpt = False,
) -> None:
    """按时办结率: 各事项在承诺时限内、法定时限内办结和超期的件数。"""
    if region is not None:
        region_profile(region)
    start = parse_date(from_, "--from") if from_ else None
    end = parse_date(to, "--to") if to else None
    if start and end and end < start:
        raise BadInput("--to 早于 --from")
    services = open_services()
    rows = services.reports.on_time(region=region, start=start, end=end)
    if xlsx is not None:
        from jingban.xlsx import on_time_workbook

        place = region_profile(region).name if region else "全部地区"
        data = on_time_workbook(rows, place=place, start=start, end=end)
        try:
            xlsx.write_bytes(data)
        except OSError as exc:
            raise BadInput(f"无法写入 {xlsx}: {exc.strerror or exc}") from None
        typer.echo(f"已导出 {xlsx} ({len(rows)} 行)", err=True)
    if json_:
        emit_json(
            [
                {
                    "region": r.region,
                    "item_key": r.item_key,
                    "item_name": r.item_name,
                    "completed": r.completed,
                    "within_promised": r.within_promised,
                    "within_statutory": r.within_statutory,
                    "late": r.late,
                    "on_time_rate": r.on_time_rate,
                    "promised_rate": r.promised_rate,
                    "extended": r.extended,
                    "extended_rate": r.extended_rate,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        typer.echo("期间内没有办结的办件")
    for r in rows:
        rate = f"{r.on_time_rate:.1%}" if r.on_time_rate is not None else "-"
        typer.echo(
            f"{r.region} {r.item_name}: 办结 {r.completed}，承诺内 {r.within_promised}，"
            f"法定内 {r.within_statutory}，延期办结 {r.extended}，超期 {r.late}，按时办结率 {rate}"
        )


@scheduler_app.command("run")
def run(
    scan_seconds: Annotated[
        int | None,
        typer.Option("--scan-seconds", help="扫描间隔秒数 [默认 JINGBAN_SCAN_SECONDS 或 60]"),
    ] = None,
    digest_at: Annotated[
        str | None,
        typer.Option("--digest-at", help="每日汇总时间 HH:MM [默认 JINGBAN_DIGEST_AT 或 10:00]"),
    ] = None,
) -> None:
    """单独运行调度器 (jingban serve 也会运行它)；多个进程时只有一个主进程在扫描。"""
    from jingban.logs import configure
    from jingban.scheduler.runner import SchedulerService

    try:
        at = None if digest_at is None else dt.time.fromisoformat(digest_at)
    except ValueError:
        raise BadInput(f"--digest-at: 无法识别的时间 {digest_at!r}") from None
    if scan_seconds is not None and scan_seconds < 1:
        raise BadInput("--scan-seconds 至少为 1")
    configure()  # one line per scan and per delivery run (docs/operations.md)
    service = SchedulerService(open_services(), scan_seconds=scan_seconds, digest_at=at)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    service.start()
    typer.echo(
        f"调度器已启动 ({service.node})，{'主进程' if service.leading else '备用'}；Ctrl-C 停止",
        err=True,
    )
    stop.wait()
    service.stop()


# The route commands (`route-add`, `route-edit`, `route-disable`, `route-enable`,
# `route-remove`, `routes`) live in their own module, registered on `alerts_app`.
import jingban.cli.alerts_routes  # noqa: E402, F401

"""`jingban report summary|items|staff|trend|rebuild` (beside `report on-time`): the
reports offices hand in, printed, as JSON or written as an Excel workbook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jingban.calendar import BEIJING, region_profile
from jingban.cli._common import emit_json, now_utc, open_services, parse_date
from jingban.cli.alerts import report_app
from jingban.errors import BadInput

if TYPE_CHECKING:
    from jingban.office_reports import Report

__all__ = ["report_app"]

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
FromOpt = Annotated[str | None, typer.Option("--from", help="统计期间起 YYYY-MM-DD")]
ToOpt = Annotated[str | None, typer.Option("--to", help="统计期间止 YYYY-MM-DD")]
PeriodOpt = Annotated[
    str | None,
    typer.Option("--period", help="month (本月)、quarter (本季) 或 year (本年); 缺省本月"),
]
RegionOpt = Annotated[str | None, typer.Option("--region", help="只统计该地区")]
OfficeOpt = Annotated[str | None, typer.Option("--office", help="只统计该经办机构")]
XlsxOpt = Annotated[Path | None, typer.Option("--xlsx", help="同时导出为 Excel 文件")]


def _run(
    kind: str,
    from_: str | None,
    to: str | None,
    period: str | None,
    region: str | None,
    office: str | None,
    xlsx: Path | None,
    json_: bool,
) -> None:
    from jingban.office_reports import Period, build

    if region is not None:
        region_profile(region)  # an unknown region is refused, not an empty report
    start = parse_date(from_, "--from") if from_ else None
    end = parse_date(to, "--to") if to else None
    now = now_utc()
    chosen = Period.chosen(start, end, period, now.astimezone(BEIJING).date())
    services = open_services()
    report = build(services, kind, chosen, now, region=region, office=office)
    if report.missing:
        typer.echo(
            f"注意: {report.missing} 件办件尚无统计数据 (升级前登记)，"
            "请先运行 jingban report rebuild",
            err=True,
        )
    if xlsx is not None:
        try:
            xlsx.write_bytes(report.workbook())
        except OSError as exc:
            raise BadInput(f"无法写入 {xlsx}: {exc.strerror or exc}") from None
        typer.echo(f"已导出 {xlsx} ({len(report.rows)} 行)", err=True)
    if json_:
        emit_json(report.as_json())
        return
    _print(report)


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "rate":
        return f"{value:.1%}"
    if kind == "number":
        return f"{value:.1f}"
    return str(value)


def _print(report: Report) -> None:
    typer.echo(f"{report.title}  {report.period.label}")
    if not report.rows:
        typer.echo("期间内没有办件")
    for row in [*report.rows, *([report.total] if report.total else [])]:
        typer.echo(
            "  ".join(
                f"{c.header} {_cell(row.get(c.key), c.kind)}"
                if c.kind != "text"
                else str(row.get(c.key) or "")
                for c in report.columns
            ).strip()
        )
    from jingban.office_reports import LABELS, SECTION_TITLES

    for name, values in report.sections.items():
        shown = "  ".join(
            f"{LABELS.get(k, k)} {_cell(v, 'rate' if isinstance(v, float) else 'int')}"
            for k, v in values.items()
        )
        typer.echo(f"{SECTION_TITLES.get(name, name)}: {shown}")


HELPS = {
    "summary": "办件情况汇总: 各经办机构的收件、受理、办结、按时/提前/超期/延期办结、提速率、"
    "在办超期、积压，以及好差评、督办、稽核。",
    "items": "分事项办件情况: 各事项的办结件数、按时办结率、提速率、在办超期。",
    "staff": "工作人员办件情况: 每人受理、办结件数，按时办结率，平均用时，差评。",
    "trend": "月度趋势: 期间内每月的收件、办结、按时办结率、提速率。",
}


def _command(kind: str) -> Callable[..., None]:
    """The command of report ``kind``: every report takes the same options."""

    def command(
        from_: FromOpt = None,
        to: ToOpt = None,
        period: PeriodOpt = None,
        region: RegionOpt = None,
        office: OfficeOpt = None,
        xlsx: XlsxOpt = None,
        json_: JsonOpt = False,
    ) -> None:
        _run(kind, from_, to, period, region, office, xlsx, json_)

    command.__name__ = command.__qualname__ = kind
    return command


for _kind, _help in HELPS.items():
    report_app.command(_kind, help=_help)(_command(_kind))


@report_app.command("rebuild")
def rebuild(region: RegionOpt = None) -> None:
    """重新生成统计数据 (升级后首次使用报表前运行一次；可重复运行)。"""
    from jingban.storage.report_rebuild import rebuild_facts

    if region is not None:
        region_profile(region)
    services = open_services()
    engine = services.engine
    done = rebuild_facts(services.db, engine.terms_of, engine.calendar_of, region=region)
    typer.echo(f"已重新生成 {done} 件办件的统计数据")

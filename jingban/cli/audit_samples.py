"""`jingban audit sample`, `audit samples` and `audit sample-show`: draw a month's 稽核 sample
of closed cases (reproducible from its recorded seed), list the samples, and show one with
each case's finding. Findings and rectifications are actions of the cases
(`jingban case act NO audit_check --outcome compliant|problem --reason …`, `audit_rectify`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jingban.cli._common import emit_json, now_utc, open_services
from jingban.cli.audit import JsonOpt, audit_app
from jingban.errors import BadInput

if TYPE_CHECKING:
    from jingban.storage.audit_samples import SampleReport


@audit_app.command("sample")
def sample(
    region: Annotated[str, typer.Option("--region", help="地区，如 sichuan")],
    month: Annotated[str, typer.Option("--month", help="月份 YYYY-MM (抽取该月办结的办件)")],
    rate: Annotated[str, typer.Option("--rate", help="抽查比例，如 0.05 (5%)")] = "0.05",
    seed: Annotated[
        int | None, typer.Option("--seed", help="随机种子 (缺省随机生成并记录，用于复核抽样)")
    ] = None,
    actor: Annotated[str, typer.Option("--actor", help="抽查人")] = "system",
    json_: JsonOpt = False,
) -> None:
    """抽取一个月的稽核样本: 该月办结办件按比例随机抽取 (记录种子，可重现)，每件记入审计链。"""
    services = open_services()
    drawn = services.audit_samples.draw(
        region=region, month=month, rate=rate, seed=seed, actor=actor, now=now_utc()
    )
    if json_:
        emit_json({**drawn.as_dict(), "existing": drawn.existing})
        return
    head = "已有" if drawn.existing else "已抽取"
    typer.echo(
        f"{head}第 {drawn.id} 号稽核抽查: {drawn.region} {drawn.month}，"
        f"办结 {drawn.population} 件，比例 {drawn.rate}，"
        f"抽取 {len(drawn.cases)} 件，种子 {drawn.seed}"
    )
    for case_no in drawn.cases:
        typer.echo(f"  {case_no}")


@audit_app.command("samples")
def samples(
    region: Annotated[str | None, typer.Option("--region", help="地区")] = None,
    json_: JsonOpt = False,
) -> None:
    """列出稽核抽查及其结果 (已稽核、合规、问题、已整改)。"""
    store = open_services().audit_samples
    reports = [store.report(s.id) for s in store.samples(region)]
    if json_:
        emit_json([r.as_dict() for r in reports])
        return
    if not reports:
        typer.echo("还没有稽核抽查。")
    for r in reports:
        f, s = r.figures(), r.sample
        typer.echo(
            f"第 {s.id} 号  {s.region} {s.month}  抽取 {f['drawn']}/{s.population} 件  "
            f"已稽核 {f['checked']}  合规 {f['compliant']}  问题 {f['problems']}  "
            f"已整改 {f['rectified']}  种子 {s.seed}"
        )


@audit_app.command("sample-show")
def sample_show(
    sample_id: Annotated[int, typer.Argument(help="抽查编号")],
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="同时导出为 Excel 文件")] = None,
    json_: JsonOpt = False,
) -> None:
    """显示一次稽核抽查: 每件的稽核结论、问题和整改情况。"""
    report = open_services().audit_samples.report(sample_id)
    if xlsx is not None:
        _write_workbook(report, xlsx)
    if json_:
        emit_json(report.as_dict())
        return
    s = report.sample
    typer.echo(f"第 {s.id} 号稽核抽查  {s.region} {s.month}  比例 {s.rate}  种子 {s.seed}")
    for row in report.rows:
        extra = f"  问题: {row['note']}" if row["note"] else ""
        done = f"  整改: {row['rectified']}" if row["rectified"] else ""
        typer.echo(f"  {row['case_no']}  {row['item_name']}  [{row['finding_label']}]{extra}{done}")


def _write_workbook(report: SampleReport, path: Path) -> None:
    """The sample's cases and findings as a workbook (the month as the period), with its
    figures below."""
    import datetime as dt

    from jingban.calendar import region_profile
    from jingban.xlsx import Column, sheet

    s = report.sample
    first = dt.date.fromisoformat(f"{s.month}-01")
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    columns = (
        Column("case_no", "办件编号", width=24),
        Column("item_name", "事项", width=30),
        Column("finding_label", "稽核结论", width=10),
        Column("note", "发现的问题", width=36),
        Column("checked_by", "稽核人", width=12),
        Column("rectified", "整改情况", width=36),
    )
    labels = {"drawn": "抽查件数", "checked": "已稽核", "compliant": "合规",
              "problems": "发现问题", "rectified": "已整改"}  # fmt: skip
    notes: list[tuple[str, list[tuple[str, object]]]] = [
        ("抽查情况", [(labels[k], v) for k, v in report.figures().items()]),
        ("抽样", [("比例", s.rate), ("种子", str(s.seed)), ("办结件数", s.population)]),
    ]
    data = sheet(
        title=f"{region_profile(s.region).name} 第 {s.id} 号稽核抽查 ({s.month})",
        columns=columns, rows=report.rows, start=first, end=last, name="稽核抽查",
        notes=notes,
    )  # fmt: skip
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise BadInput(f"无法写入 {path}: {exc.strerror or exc}") from None
    typer.echo(f"已导出 {path} ({len(report.rows)} 行)", err=True)

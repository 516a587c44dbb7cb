"""`jingban archive`: export closed cases as archive packages, verify a package without the
database, list the packages whose retention term ended, appraise and destroy them
(docs/archives.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jingban.cli._common import emit_json, now_utc, open_services, parse_date, region_help
from jingban.errors import BadInput, NotAllowed

if TYPE_CHECKING:
    from jingban.archive import PrintedNotice
    from jingban.engine import AuditEvent, Case
    from jingban.services import Services
    from jingban.storage.archives import PackageRecord
    from jingban.workflows import Item

archive_app = typer.Typer(
    help="档案: 导出办结办件的档案包、校验、到期清单、鉴定和销毁。", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
PACKAGE_HELP = "档案包编号 (即办件编号) 或档案包目录"

#: The exit code of `archive verify` when the package does not verify (as `audit verify`).
VERIFY_FAILED = 8


def _notices(
    services: Services, case: Case, item: Item, history: list[AuditEvent]
) -> list[PrintedNotice]:
    """The case's notices as the console prints them (no server needed)."""
    from jingban.archive import PrintedNotice
    from jingban.console.printed_notices import printed_notices

    return [
        PrintedNotice(p.kind, p.title, p.number, p.seq, p.html, p.text)
        for p in printed_notices(services, case, item, history)
    ]


def _package_id(package: str) -> str:
    """A package id from a case number or from a package directory's manifest."""
    from jingban.archive import read_manifest

    path = Path(package)
    if path.is_dir():
        manifest, problem = read_manifest(path)
        if manifest is None:
            raise BadInput(f"{package} 不是档案包目录: {problem}")
        return str(manifest["package_id"])
    return package


def _row(record: PackageRecord) -> str:
    expires = record.expires_on.isoformat() if record.expires_on else "永久"
    return (
        f"{record.package_id}  {record.item_key}  办结 {record.closed_on}  {record.term}"
        f"  期满后 {expires}  {record.path}"
    )


@archive_app.command("export")
def export(
    case_no: Annotated[
        str | None, typer.Argument(help="办件编号 (或用 --from/--to/--region)")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="归档目录 (每个办件一个子目录)")] = Path(),
    since: Annotated[str | None, typer.Option("--from", help="办结日期起 (YYYY-MM-DD)")] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="办结日期止 (YYYY-MM-DD，含当日)")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help=region_help())] = None,
    by: Annotated[str, typer.Option("--by", help="归档人")] = "命令行",
    json_: JsonOpt = False,
) -> None:
    """导出档案包: 元数据 (申请人脱敏)、打印的通知书、材料文件、审计记录及其哈希链、
    带 SHA-256 的清单。只能导出已办结、不予受理或已撤回的办件。"""
    from jingban.archive import export_case, export_range
    from jingban.calendar import region_profile

    if out == Path():
        raise BadInput("请用 --out 指定归档目录")
    services = open_services()
    now = now_utc()
    skipped: list[tuple[str, str]] = []
    if case_no is not None:
        if since or until or region:
            raise BadInput("指定办件编号时不能同时用 --from/--to/--region")
        done = [export_case(services, case_no, out, render_notices=_notices, by=by, now=now)]
    else:
        if not (since and until and region):
            raise BadInput("请给出办件编号，或同时给出 --from、--to 和 --region")
        region_profile(region)
        start, end = parse_date(since, "--from"), parse_date(until, "--to")
        if end < start:
            raise BadInput(f"--to {end} 早于 --from {start}")
        done, skipped = export_range(
            services, region, start, end, out, render_notices=_notices, by=by, now=now
        )
    if json_:
        emit_json(
            {
                "exported": [e.record.as_dict() for e in done],
                "skipped": [{"case_no": c, "reason": r} for c, r in skipped],
            }
        )
        return
    for e in done:
        typer.echo(
            f"已归档 {e.record.package_id}: {e.written.path} ({e.written.files} 个文件，"
            f"保管期限 {e.record.term}，清单 SHA-256 {e.written.manifest_sha256})"
        )
    for c, reason in skipped:
        typer.echo(f"未归档 {c}: {reason}")
    if not done and not skipped:
        typer.echo("该期间没有可归档的办件")


@archive_app.command("verify")
def verify(
    directory: Annotated[Path, typer.Argument(help="档案包目录")],
    expected: Annotated[
        str | None,
        typer.Option(
            "--manifest-sha256", help="登记的清单 SHA-256 (导出时打印，另行保存): 一并核对"
        ),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """校验档案包 (不需要数据库): 清单中每个文件的 SHA-256、有无缺失或多出的文件、重算审计哈希链。
    发现问题时退出码为 8。"""
    from jingban.archive import manifest_digest, verify_package

    problems = verify_package(directory)
    digest = manifest_digest(directory) if (directory / "manifest.json").is_file() else None
    if expected is not None and digest is not None and digest != expected.strip().lower():
        problems.append(
            f"清单文件的 SHA-256 为 {digest}，与登记的 {expected.strip()} 不符 (清单被改写)"
        )
    if json_:
        emit_json({"ok": not problems, "manifest_sha256": digest, "problems": problems})
    elif problems:
        for line in problems:
            typer.echo(f"档案包校验不通过: {line}")
    else:
        typer.echo(f"档案包完整: {directory} (清单 SHA-256 {digest})")
    if problems:
        raise typer.Exit(VERIFY_FAILED)


@archive_app.command("due")
def due(
    year: Annotated[int, typer.Option("--year", help="年份: 列出保管期限在该年底前届满的档案包")],
    region: Annotated[str | None, typer.Option("--region", help=region_help())] = None,
    json_: JsonOpt = False,
) -> None:
    """到期清单: 保管期限已届满 (到该年 12 月 31 日) 而尚未销毁的档案包；永久保管的从不到期。"""
    if not 1900 <= year <= 9999:
        raise BadInput(f"--year: {year} 不是有效年份")
    if region is not None:
        from jingban.calendar import region_profile

        region_profile(region)
    services = open_services()
    found = services.archives.due(year, region)
    if json_:
        emit_json([_due_dict(services, r) for r in found])
        return
    if not found:
        typer.echo(f"{year} 年底前没有保管期满的档案包")
    for record in found:
        typer.echo(_row(record))


def _due_dict(services: Services, record: PackageRecord) -> dict[str, Any]:
    appraisals = services.archives.appraisals(record.package_id)
    return {**record.as_dict(), "appraisers": [a.appraiser for a in appraisals]}


def _staff(services: Services, username: str) -> str:
    user = services.accounts.user(username)
    if user.disabled:
        raise NotAllowed(f"用户 {username} 已停用，不能鉴定")
    return user.username


@archive_app.command("appraise")
def appraise(
    package: Annotated[str, typer.Argument(help=PACKAGE_HELP)],
    by: Annotated[str, typer.Option("--by", help="鉴定人 (员工账号)")],
    opinion: Annotated[str, typer.Option("--opinion", help="鉴定意见")],
    json_: JsonOpt = False,
) -> None:
    """鉴定档案包: 记录一人的鉴定意见；销毁须经两名不同人员鉴定，同一人不能鉴定两次。"""
    services = open_services()
    appraiser = _staff(services, by)
    done = services.archives.appraise(
        _package_id(package), by=appraiser, opinion=opinion, now=now_utc()
    )
    if json_:
        emit_json({"package_id": _package_id(package), "appraiser": done.appraiser, "at": done.at})
    else:
        typer.echo(f"已记录 {done.appraiser} 对档案包 {_package_id(package)} 的鉴定意见")


@archive_app.command("destroy")
def destroy(
    package: Annotated[str, typer.Argument(help=PACKAGE_HELP)],
    by: Annotated[str, typer.Option("--by", help="销毁执行人")] = "命令行",
    path: Annotated[Path | None, typer.Option("--path", help="档案包所在目录 (已移动时)")] = None,
    json_: JsonOpt = False,
) -> None:
    """销毁档案包: 保管期满且经两名不同人员鉴定后，删除档案包文件并留下销毁记录
    (审计记录从不删除)。"""
    from jingban.archive import destroy_package

    if path is None and Path(package).is_dir():
        path = Path(package)
    services = open_services()
    record = destroy_package(services, _package_id(package), by=by, now=now_utc(), path=path)
    if json_:
        emit_json(record)
    else:
        typer.echo(
            f"已销毁档案包 {record['package_id']}: 删除 {record['files_removed']} 个文件，"
            f"鉴定人 {'、'.join(record['appraisers'])}，销毁记录已保存"
        )

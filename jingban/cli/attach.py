"""`jingban case attach`, `case files` and `case file-views`: keep a scanned material with
its case, list what is kept, and read who opened which file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jingban.cli._common import emit_json, minutes, now_utc, open_services
from jingban.cli.cases import CASE_NO_HELP, ActorOpt, JsonOpt, RoleOpt, case_app
from jingban.errors import BadInput


@case_app.command("attach")
def attach(
    case_no: Annotated[str, typer.Argument(help=CASE_NO_HELP)],
    file: Annotated[Path, typer.Argument(help="材料文件 (PDF、JPEG、PNG、TIFF、OFD)")],
    material: Annotated[str, typer.Option("--material", help="材料名称 (全称或其中唯一的一段)")],
    actor: ActorOpt,
    role: RoleOpt,
    json_: JsonOpt = False,
) -> None:
    """把扫描的材料文件附到办件的一项材料上 (按 SHA-256 保存，记入审计链)。"""
    try:
        size = file.stat().st_size
    except OSError:
        raise BadInput(f"找不到文件或无法读取: {file}") from None
    if not file.is_file():
        raise BadInput(f"不是文件: {file}")
    services = open_services()
    store = services.attachments
    store.check_size(file.name, size)
    kept = store.attach(
        case_no, material, file.name, file.read_bytes(), actor=actor, role=role, now=now_utc()
    )
    if json_:
        emit_json(kept.as_dict())
        return
    typer.echo(
        f"{kept.case_no}: 已附上「{kept.material}」{kept.file_name} "
        f"({kept.size} 字节，SHA-256 {kept.sha256})"
    )


@case_app.command("files")
def files(
    case_no: Annotated[str, typer.Argument(help=CASE_NO_HELP)], json_: JsonOpt = False
) -> None:
    """列出办件已附的材料文件。"""
    services = open_services()
    number = services.cases.get(case_no).case_no
    kept = services.attachments.files(number)
    if json_:
        emit_json({"case_no": number, "files": [f.as_dict() for f in kept]})
        return
    if not kept:
        typer.echo(f"{number}: 尚未附材料文件")
    for f in kept:
        typer.echo(
            f"#{f.id}  「{f.material}」{f.file_name}  {f.size} 字节  "
            f"{f.attached_by} {minutes(f.attached_at)}  {f.sha256[:16]}…"
        )


@case_app.command("file-views")
def file_views(
    role: RoleOpt,
    case_no: Annotated[str | None, typer.Argument(help="办件编号 (省略则为全部)")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 200,
    json_: JsonOpt = False,
) -> None:
    """材料文件的查阅记录: 谁在何时查看了哪位申请人的哪份材料 (仅科长/主管、管理员)。"""
    services = open_services()
    views = services.attachments.views(role=role, case_no=case_no, limit=limit)
    if json_:
        emit_json({"views": [v.as_dict() for v in views]})
        return
    if not views:
        typer.echo("没有查阅记录")
    for v in views:
        typer.echo(
            f"{minutes(v.at)}  {v.viewer} ({v.role})  {v.case_no}  「{v.material}」{v.file_name}"
        )

"""`jingban keys` (the server key: status, rotation, scrubbing old copies) and `jingban
identity` (whole identity numbers shown to those who may see them, and the record of it)."""

from __future__ import annotations

from typing import Annotated

import typer

from jingban.cli._common import emit_json, minutes, now_utc, open_database
from jingban.storage.database import Database

keys_app = typer.Typer(help="服务器密钥: 查看、轮换、清除旧数据残留。", no_args_is_help=True)
identity_app = typer.Typer(
    help="完整证件号码: 按权限查看 (逐次留痕)、查看记录。", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


def _db() -> Database:
    db = open_database(create=True)
    assert db is not None
    return db


@keys_app.command("status")
def status(json_: JsonOpt = False) -> None:
    """显示密钥文件、正在进行的轮换，以及各密钥加密的办件数。"""
    from jingban.storage import id_rotation

    found = id_rotation.status(_db())
    if json_:
        emit_json(
            {
                "key_file": str(found.key_file),
                "current": found.current,
                "pending": found.pending,
                "retired": list(found.retired),
                "rows": found.rows,
                "stale": found.stale,
            }
        )
        return
    typer.echo(f"密钥文件: {found.key_file}  当前密钥: {found.current}")
    if found.pending:
        typer.echo(f"轮换未完成: 新密钥 {found.pending} (再次运行 jingban keys rotate 继续)")
    if found.retired:
        typer.echo("已退役密钥: " + "、".join(found.retired))
    for kid, n in sorted(found.rows.items()):
        mark = " (当前)" if kid == found.current else ""
        typer.echo(f"  {kid}{mark}: {n} 件")
    if found.stale:
        typer.echo(f"有 {found.stale} 件不在当前密钥下: 运行 jingban keys sweep")


@keys_app.command("rotate")
def rotate(json_: JsonOpt = False) -> None:
    """换用新的服务器密钥: 逐批重新加密全部证件号码并重算哈希，完成后启用新密钥。

    中断后再次运行即从中断处继续。"""
    from jingban.storage import id_rotation

    def progress(moved: int) -> None:
        if not json_:
            typer.echo(f"  已重新加密 {moved} 件")

    old, new, moved = id_rotation.rotate(_db(), progress)
    if json_:
        emit_json({"old": old, "new": new, "moved": moved})
        return
    typer.echo(f"密钥已轮换: {old} → {new}，重新加密 {moved} 件")
    typer.echo("请重启所有 jingban 进程 (服务、调度器) 使其读取新密钥，然后运行 jingban keys sweep")


@keys_app.command("sweep")
def sweep(json_: JsonOpt = False) -> None:
    """把仍由已退役密钥加密的证件号码改用当前密钥 (轮换后仍在运行的旧进程写入的)。"""
    from jingban.storage import id_rotation

    moved = id_rotation.sweep_current(_db())
    if json_:
        emit_json({"moved": moved})
        return
    typer.echo(f"已改用当前密钥: {moved} 件")


@keys_app.command("scrub")
def scrub() -> None:
    """清除数据库文件中已被覆盖的旧数据 (如升级前的明文证件号码)。

    SQLite 执行 VACUUM，PostgreSQL 执行 VACUUM FULL cases；运行期间写入须等待。"""
    from jingban.storage.scrub import scrub as run

    db = _db()
    run(db)
    typer.echo("已清除旧数据残留")


@identity_app.command("show")
def show(
    case_numbers: Annotated[list[str], typer.Argument(help="办件编号 (可多个，即审计导出)")],
    actor: Annotated[str, typer.Option("--actor", help="查看人 (工号或用户名)")],
    role: Annotated[str, typer.Option("--role", help="角色: supervisor 或 admin")],
    reason: Annotated[str, typer.Option("--reason", help="查看事由 (必填，记录在案)")],
    purpose: Annotated[
        str, typer.Option("--purpose", help="用途: check (核对证件)、export (审计导出)、notice")
    ] = "check",
    json_: JsonOpt = False,
) -> None:
    """显示办件的完整证件号码 (仅科长/主管、管理员；每次查看都记录查看人、时间、办件和事由)。"""
    from jingban.storage.identity_access import IdentityAccess

    found = IdentityAccess(_db()).reveal(
        case_numbers, actor=actor, role=role, purpose=purpose, reason=reason, now=now_utc()
    )
    if json_:
        emit_json(
            [{"case_no": r.case_no, "id_type": r.id_type, "id_number": r.id_number} for r in found]
        )
        return
    for r in found:
        typer.echo(f"{r.case_no}  {r.id_number}")


@identity_app.command("log")
def log(
    case_no: Annotated[str | None, typer.Option("--case", help="只看此办件")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 200,
    json_: JsonOpt = False,
) -> None:
    """列出完整证件号码的查看记录 (最新在前)。"""
    from jingban.storage.identity_access import PURPOSES, IdentityAccess

    rows = IdentityAccess(_db()).log(case_no=case_no, limit=limit)
    if json_:
        emit_json(
            [
                {
                    "case_no": a.case_no,
                    "actor": a.actor,
                    "role": a.role,
                    "purpose": a.purpose,
                    "reason": a.reason,
                    "at": a.at.isoformat(),
                }
                for a in rows
            ]
        )
        return
    for a in rows:
        label = PURPOSES.get(a.purpose, a.purpose)
        typer.echo(f"{minutes(a.at)}  {a.case_no}  {a.actor} ({a.role})  {label}: {a.reason}")

"""`jingban audit` and `jingban db`: verify the audit trail against the cases and the keyed
checkpoints, write and export checkpoints, upgrade the database's schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jingban.cli._common import emit_json, now_utc, open_database, open_services

if TYPE_CHECKING:
    from jingban.engine import ChainBreak

audit_app = typer.Typer(
    help="审计记录: 校验哈希链、写入和导出检查点；稽核抽查。", no_args_is_help=True
)
db_app = typer.Typer(help="数据库: 迁移、在线备份、恢复到空数据库。", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


#: The exit code of `audit verify` when it finds anything wrong (docs/audit.md).
VERIFY_FAILED = 8


@audit_app.command("verify")
def verify(
    case_no: Annotated[str | None, typer.Argument(help="办件编号 (省略则校验全部)")] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against", help="同时用导出的检查点文件核对 (jingban audit checkpoint --export)"
        ),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """校验审计记录: 重算哈希链，重放后与办件比对 (状态、版本、时限、链头)，核对链外的拒绝记录、
    无办件的审计记录、带密钥签名的检查点和已附材料文件的 SHA-256。发现问题时退出码为 8。"""
    from jingban.engine import normalise_case_number
    from jingban.storage.checkpoints import CheckpointStore

    source = CheckpointStore.load(against) if against is not None else None
    services = open_services()
    checked, breaks = services.cases.verify(case_no)
    number = normalise_case_number(case_no) if case_no is not None else None
    checkpoints, found = services.checkpoints.verify(source, number)
    files, changed = services.attachments.verify(number)
    breaks = [*breaks, *found, *changed]
    if json_:
        emit_json(
            {
                "ok": not breaks,
                "records": checked,
                "checkpoints": checkpoints,
                "files": files,
                "breaks": [
                    {"case_no": b.case_no, "seq": b.seq, "kind": b.kind, "problem": b.problem}
                    for b in breaks
                ],
            }
        )
    elif not breaks:
        typer.echo(
            f"审计记录完整: 已校验 {checked} 条记录、{checkpoints} 个检查点、{files} 个材料文件"
        )
    else:
        for b in breaks:
            typer.echo(_break_line(b))
    if breaks:
        raise typer.Exit(VERIFY_FAILED)


def _break_line(b: ChainBreak) -> str:
    if b.kind == "chain":
        return f"审计链断裂: 办件 {b.case_no} 第 {b.seq} 条: {b.problem}"
    if b.kind == "checkpoint" and not b.case_no:
        return f"检查点不符: {b.problem}"
    title = {"case": "办件与审计链不符", "refusal": "拒绝记录不符", "orphan": "办件缺失"}
    if b.kind == "file":
        return f"材料文件不符: 办件 {b.case_no} 第 {b.seq} 条: {b.problem}"
    return f"{title.get(b.kind, '审计不符')}: 办件 {b.case_no}: {b.problem}"


@audit_app.command("checkpoint")
def checkpoint(
    actor: Annotated[str, typer.Option("--actor", help="操作人 (记入检查点)")] = "命令行",
    export: Annotated[
        Path | None,
        typer.Option("--export", help="另把全部检查点导出到此文件 (请保存在数据库服务器以外)"),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """写入一个带密钥签名的审计检查点 (固定各办件的链头)，可同时导出全部检查点。"""
    services = open_services()
    made = services.checkpoints.make(now=now_utc(), by=actor.strip()[:100] or "命令行")
    assert made is not None  # only a scheduled slot can be taken already
    exported = services.checkpoints.export(export) if export is not None else None
    if json_:
        emit_json(
            {
                "id": made.id,
                "made_at": made.made_at,
                "entries": len(made.items),
                "key_id": made.key_id,
                "exported": exported,
            }
        )
        return
    typer.echo(
        f"已写入检查点 #{made.id}: {len(made.items)} 个办件的链头有变化 (密钥标识 {made.key_id})"
    )
    if export is not None:
        typer.echo(f"已导出 {exported} 个检查点到 {export}")


@db_app.command("upgrade")
def upgrade() -> None:
    """把数据库结构升级到最新版本 (首次使用时也会自动执行)。"""
    db = open_database(create=True)
    assert db is not None
    typer.echo(f"数据库已是最新结构: {db.url.split('@')[-1]}")


# `jingban audit sample`, `audit samples` and `audit sample-show` live in their own module.
import jingban.cli.audit_samples  # noqa: E402, F401

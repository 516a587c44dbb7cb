"""`jingban db`: upgrade the schema (`jingban.cli.audit`), back the database up while the
server runs, and restore a backup into an empty database, verifying the audit trail after.

A restore refuses a database that holds any table, and refuses to start without the server
key file in place (identity numbers and checkpoints are keyed with it; it is not part of the
database, so not part of a backup: `docs/keys.md`). After the restore the database is
migrated to the current schema when the backup is older, then `audit verify` runs on it:
exit code 8 when it finds anything wrong, as `jingban audit verify` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jingban.cli._common import emit_json, open_services
from jingban.cli.audit import VERIFY_FAILED, _break_line, db_app
from jingban.errors import BadInput

__all__ = ["db_app"]

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


@db_app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="备份文件 (不能已存在)")],
    json_: JsonOpt = False,
) -> None:
    """在线备份整个数据库 (服务运行中也可执行，得到同一时刻的一致副本): SQLite 用在线备份接口，
    PostgreSQL 用 pg_dump 自定义格式。服务器密钥文件不在备份中，请另行保管。"""
    from jingban.storage.backup import backup
    from jingban.storage.database import database_url

    made = backup(file, database_url())
    if json_:
        emit_json({"file": str(made.path), "kind": made.kind, "bytes": made.size})
        return
    typer.echo(f"已备份到 {made.path} ({made.size} 字节，{made.kind})")
    typer.echo("提示: 服务器密钥文件不在备份中，请与备份分开保管 (docs/keys.md)")


@db_app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="jingban db backup 写出的备份文件")],
    json_: JsonOpt = False,
) -> None:
    """把备份恢复到空数据库 (不是空的则拒绝)，升级到当前结构，再校验审计记录并报告各表条数。
    校验发现问题时退出码为 8。"""
    from jingban.storage.backup import restore, table_counts
    from jingban.storage.database import database_url
    from jingban.storage.keys import key_path

    url = database_url()
    key = key_path(url)
    if key is not None and not key.exists():
        raise BadInput(
            f"服务器密钥文件 {key} 不存在: 恢复前请把备份时的密钥文件放回此处 "
            "(或用 JINGBAN_SECRET_KEY_FILE 指明)，否则证件号码无法解密、检查点无法核对"
        )
    kind = restore(file, url)
    services = open_services()
    checked, breaks = services.cases.verify(None)
    checkpoints, found = services.checkpoints.verify(None, None)
    breaks = [*breaks, *found]
    counts = table_counts(services.db.engine)
    if json_:
        emit_json(
            {
                "ok": not breaks,
                "kind": kind,
                "counts": counts,
                "records": checked,
                "checkpoints": checkpoints,
                "breaks": [
                    {"case_no": b.case_no, "seq": b.seq, "kind": b.kind, "problem": b.problem}
                    for b in breaks
                ],
            }
        )
    else:
        typer.echo(f"已从 {file} 恢复 ({kind})")
        typer.echo(
            f"办件 {counts['cases']} 件，审计记录 {counts['audit_events']} 条，"
            f"拒绝记录 {counts['audit_refusals']} 条，检查点 {counts['audit_checkpoints']} 个，"
            f"预警 {counts['alerts']} 条，通知 {counts['deliveries']} 条，"
            f"员工账号 {counts['users']} 个"
        )
        if not breaks:
            typer.echo(f"审计记录完整: 已校验 {checked} 条记录、{checkpoints} 个检查点")
        for b in breaks:
            typer.echo(_break_line(b))
    if breaks:
        raise typer.Exit(VERIFY_FAILED)

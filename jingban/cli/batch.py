"""`jingban case batch ACTION CASE_NO… [--file CSV]`: 批量审核 / 批量拨付 / 批量办结 — each case
its own transaction and audit record, one result line per case (`jingban.batch`). A payment
batch reads each case's amount, account and voucher from a CSV file (header ``case_no,
amount,account,voucher``). Exit code 0 when every case was done, else the code of the
first refusal's kind (3 changed meanwhile, 4 not allowed …)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from jingban.cli._common import emit_json, now_utc, open_services
from jingban.cli.cases import ActorOpt, JsonOpt, RoleOpt, case_app
from jingban.errors import BadInput


def _from_file(path: Path) -> list[tuple[str, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        raise BadInput(f"找不到文件或无法读取: {path}") from None
    if not rows or "case_no" not in rows[0]:
        raise BadInput(f"{path}: 需要表头 case_no,amount,account,voucher")
    wanted = ("amount", "account", "voucher", "reason")
    return [
        (row["case_no"], {k: (row.get(k) or "").strip() for k in wanted if row.get(k)})
        for row in rows
    ]


@case_app.command("batch")
def batch(
    action: Annotated[str, typer.Argument(help="approve (审核通过)、pay (拨付)、complete (办结)")],
    actor: ActorOpt,
    role: RoleOpt,
    case_nos: Annotated[list[str] | None, typer.Argument(help="办件编号 (可多个)")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="CSV: case_no,amount,account,voucher (拨付)")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="说明 (每件相同)")] = None,
    json_: JsonOpt = False,
) -> None:
    """批量审核/拨付/办结: 每件各自一个事务和审计记录，逐件显示结果。"""
    from jingban.batch import Item, act_each
    from jingban.engine import ActionParams
    from jingban.storage.accounts import User

    given: list[tuple[str, dict[str, str]]] = [(no, {}) for no in case_nos or []]
    if file is not None:
        given += _from_file(file)
    items = [Item(no, None, ActionParams.of({"reason": reason, **values})) for no, values in given]
    # The command line acts as the person named, in the role given, in every region.
    user = User(0, actor, actor, role, None, None, False, False)
    outcomes = act_each(open_services(), user, action, items, now=now_utc())
    if json_:
        emit_json([o.as_dict() for o in outcomes])
    else:
        for o in outcomes:
            typer.echo(
                f"{o.case_no}: " + (f"完成 → {o.state}" if o.done else f"未办理: {o.message}")
            )
        done = sum(o.done for o in outcomes)
        typer.echo(f"完成 {done} 件，未办理 {len(outcomes) - done} 件")
    refused = next((o for o in outcomes if not o.done), None)
    if refused is not None:
        raise typer.Exit(refused.exit_code or 1)

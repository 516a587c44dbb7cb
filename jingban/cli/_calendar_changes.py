"""`jingban calendar recalc` and `jingban calendar history`: the calendar changes recorded,
and the recalculation of open cases each owes (finished here when a process was stopped
before finishing it)."""

from __future__ import annotations

from typing import Annotated

import typer

from jingban.calendar import BEIJING
from jingban.cli._common import emit_json, now_utc, open_database, warn
from jingban.storage.calendar_changes import KIND_LABELS, CalendarChange, changes
from jingban.storage.database import Database

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


def _label(change: CalendarChange) -> str:
    at = change.at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    why = f"  原因: {change.reason}" if change.reason else ""
    state = (
        f"重新计算进行中 (已处理到办件 #{change.last_case_id})"
        if change.pending
        else f"已重新计算 {change.recalculated} 件"
    )
    return (
        f"v{change.version}  {at}  {KIND_LABELS.get(change.kind, change.kind)}  "
        f"{change.detail}  ({change.actor}){why}  {state}"
    )


def finish(db: Database) -> tuple[list[dict[str, object]], list[str]]:
    """Finish every pending recalculation; (the changes finished, as JSON, with the case
    numbers that moved) and the case numbers that moved."""
    from jingban.services import Services

    done = Services(db).finish_calendar_changes(now_utc())
    report = [{**f.change.as_json(), "changed_cases": f.changed} for f in done]
    return report, [n for f in done for n in f.changed]


def warn_pending(db: Database | None) -> None:
    """A warning on stderr while a calendar change's recalculation is unfinished."""
    if db is None:
        return
    pending = changes(db, pending_only=True)
    if pending:
        warn(
            f"{len(pending)} 项日历变更的在办办件时限重新计算进行中 (尚未完成)；"
            "请运行 jingban calendar recalc 完成"
        )


def recalc(json_: JsonOpt = False) -> None:
    """完成日历变更 (导入通知、闭馆) 后尚未完成的在办办件时限重新计算，并报告结果。

    导入或闭馆的进程中断时，变更已保存、重新计算尚未完成；本命令 (以及 jingban serve
    的主调度器) 从中断处继续。
    """
    db = open_database(create=False)
    if db is None:
        report: list[dict[str, object]] = []
        moved: list[str] = []
    else:
        report, moved = finish(db)
    left = [] if db is None else [c.as_json() for c in changes(db, pending_only=True)]
    if json_:
        emit_json({"finished": report, "changed_cases": moved, "pending": left})
        return
    if not report:
        typer.echo("没有待完成的日历重新计算")
    for entry in report:
        typer.echo(
            f"已完成 v{entry['version']} {entry['detail']}: 重新计算了 "
            f"{len(entry['changed_cases'])} 件在办办件的时限"  # type: ignore[arg-type]
        )
    if left:
        warn(f"仍有 {len(left)} 项未完成 (可能另一进程正在处理)")


def history(
    year: Annotated[int | None, typer.Option("--year", help="只列出涉及该年的变更")] = None,
    json_: JsonOpt = False,
) -> None:
    """列出日历变更记录: 导入、替换 (含原因)、闭馆、撤销闭馆，及其重新计算状态。"""
    db = open_database(create=False)
    found = [] if db is None else changes(db)
    if year is not None:
        found = [c for c in found if c.year in (None, year)]
    if json_:
        emit_json([c.as_json() for c in found])
        return
    if not found:
        typer.echo("没有日历变更记录")
    for change in found:
        typer.echo(_label(change))

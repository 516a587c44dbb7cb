"""`jingban calendar`: due dates, the year view, notices and local closures."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from jingban.calendar import (
    BEIJING,
    UNITS,
    WorkCalendar,
    published_notices,
    read_notice,
    region_profile,
)
from jingban.cli._calendar_changes import finish, history, recalc, warn_pending
from jingban.cli._common import (
    emit_json,
    now_utc,
    open_database,
    parse_date,
    parse_instant,
    region_help,
    warn,
)
from jingban.cli._month_view import render_year
from jingban.errors import BadInput
from jingban.storage import CalendarStore, Database
from jingban.storage.calendar_changes import CalendarChange, changes

app = typer.Typer(
    help="工作日日历: 计算截止日期、查看年历、导入节假日安排、登记闭馆。", no_args_is_help=True
)

RegionOpt = Annotated[str, typer.Option("--region", "-r", help=region_help())]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


def _calendar(region: str) -> WorkCalendar:
    region_profile(region)  # unknown region → BadInput before touching the database
    db = open_database(create=False)
    if db is None:
        return WorkCalendar.for_region(region)
    return CalendarStore(db).calendar(region)


def _recalculate(db: Database) -> list[str]:
    """Finish the recalculation of open cases the change just recorded owes (and any an
    interrupted process left); the case numbers whose dues moved."""
    return finish(db)[1]


app.command()(recalc)
app.command()(history)


@app.command()
def due(
    start: Annotated[str, typer.Argument(help="起算日 YYYY-MM-DD，或收件时间 YYYY-MM-DDTHH:MM")],
    n: Annotated[int, typer.Argument(help="时限数值")],
    unit: Annotated[str, typer.Option(help="单位: " + "、".join(UNITS))] = "working_days",
    region: RegionOpt = "sichuan",
    json_: JsonOpt = False,
) -> None:
    """计算截止日期: 起算日当天不计，自下一日开始计算，到期日在办公结束时截止。"""
    if unit not in UNITS:
        raise BadInput(f"--unit: 未知的时限单位 {unit!r}；可用: {'、'.join(UNITS)}")
    if n < 0:
        raise BadInput(f"N: 时限不能为负数: {n}")
    start_value = parse_instant(start, "START")
    cal = _calendar(region)
    result = cal.due(start_value, n, unit)
    if result.provisional:
        years = sorted(
            {
                y
                for y in range(result.start.year, result.date.year + 1)
                if cal.is_provisional(dt.date(y, 1, 1))
            }
        )
        warn(
            f"{'、'.join(map(str, years))} 年的节假日安排尚未公布 (或未导入)，"
            "截止日期为暂定，公布后将重新计算"
        )
    if json_:
        emit_json(
            {
                "start": start_value.isoformat(),
                "value": n,
                "unit": unit,
                "region": region,
                "counted_from": result.start.isoformat(),
                "due": result.date.isoformat(),
                "due_at": result.at.isoformat(),
                "provisional": result.provisional,
            }
        )
        return
    label = {
        "working_days": "个工作日",
        "natural_days": "个自然日",
        "months": "个月",
        "instant": "即办",
    }
    amount = "即办" if unit == "instant" else f"{n}{label[unit]}"
    typer.echo(
        f"{region_profile(region).name}: 自 {result.start} 起 {amount}，"
        f"截止 {result.date} ({'一二三四五六日'[result.date.weekday()]}) "
        f"{result.at.strftime('%H:%M')} 北京时间{'（暂定）' if result.provisional else ''}"
    )


@app.command()
def show(
    year: Annotated[int, typer.Argument(help="年份")],
    region: RegionOpt = "sichuan",
    json_: JsonOpt = False,
) -> None:
    """按月显示一年的工作日: 休=放假 班=调休上班 节=地方节日 闭=闭馆。"""
    cal = _calendar(region)
    if not cal.first_day.year <= year <= cal.last_day.year:
        raise BadInput(f"YEAR: {year} 超出日历范围 ({cal.first_day.year}–{cal.last_day.year})")
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if first < cal.first_day or last > cal.last_day:
        raise BadInput(f"YEAR: {year} 超出日历范围 ({cal.first_day.year}–{cal.last_day.year})")
    if cal.is_provisional(first):
        warn(f"{year} 年的节假日安排尚未公布 (或未导入)，以下为按规则推算的暂定日历")
    db = open_database(create=False)
    warn_pending(db)
    overrides = [] if db is None else _overrides(db, year)
    if json_:
        days = []
        day = first
        while day <= last:
            info = cal.describe(day)
            days.append(
                {
                    "date": day.isoformat(),
                    "working": info.working,
                    "kind": info.kind,
                    "name": info.name,
                }
            )
            day += dt.timedelta(days=1)
        emit_json(
            {
                "year": year,
                "region": region,
                "provisional": cal.is_provisional(first),
                "days": days,
                "official_overrides": [c.as_json() for c in overrides],
            }
        )
        return
    typer.echo(render_year(cal, year))
    for change in overrides:
        typer.echo(
            f"注意: {change.at.astimezone(BEIJING):%Y-%m-%d %H:%M} {change.actor} "
            f"替换了随产品提供的官方安排 ({change.detail})，原因: {change.reason}"
        )


def _overrides(db: Database, year: int) -> list[CalendarChange]:
    """The recorded imports over ``year``'s shipped official arrangement."""
    return [c for c in changes(db) if c.kind == "override" and c.year == year]


@app.command()
def day(
    date: Annotated[str, typer.Argument(help="日期 YYYY-MM-DD")],
    region: RegionOpt = "sichuan",
    json_: JsonOpt = False,
) -> None:
    """说明某一天是否上班以及原因。"""
    cal = _calendar(region)
    info = cal.describe(parse_date(date, "DATE"))
    data = {
        "date": info.day.isoformat(),
        "region": region,
        "working": info.working,
        "kind": info.kind,
        "name": info.name,
        "provisional": cal.is_provisional(info.day),
    }
    if json_:
        emit_json(data)
        return
    status = "工作日" if info.working else "休息日"
    typer.echo(
        f"{info.day} {region_profile(region).name}: {status}"
        f"{'，' + info.name if info.name else ''}{'（暂定）' if data['provisional'] else ''}"
    )


@app.command("import")
def import_notice(
    file: Annotated[str, typer.Argument(help="节假日安排文件 (TOML)")],
    replace: Annotated[
        bool, typer.Option("--replace", help="替换已导入的 (或随产品提供的官方) 同年安排")
    ] = False,
    reason: Annotated[
        str, typer.Option("--reason", help="替换原因 (替换随产品提供的官方安排时必填，记录在案)")
    ] = "",
    force_official_override: Annotated[
        bool,
        typer.Option("--force-official-override", help="通知与随产品提供的官方安排不符时仍然导入"),
    ] = False,
    actor: Annotated[str, typer.Option(help="操作人")] = "admin",
    json_: JsonOpt = False,
) -> None:
    """校验并导入一年的节假日安排 (国务院办公厅通知或自治区通知)。

    随产品提供官方安排的年份，须加 --replace 并用 --reason 写明原因；与官方安排不符时还须加
    --force-official-override。导入与其后的在办办件重新计算被记录 (jingban calendar history)；
    重新计算中断时由 jingban calendar recalc 或主调度器完成。
    """
    notice = read_notice(file)
    with open(file, encoding="utf-8") as fh:
        text = fh.read()
    db = open_database(create=True)
    assert db is not None
    now = now_utc()
    replaced = CalendarStore(db).install_notice(
        notice,
        replace=replace,
        actor=actor,
        now=now,
        source=(file, text),
        reason=reason,
        force_official_override=force_official_override,
    )
    changed = _recalculate(db)
    summary = {
        "scope": notice.scope,
        "year": notice.year,
        "number": notice.number,
        "title": notice.title,
        "days_off": len(notice.off),
        "make_up_workdays": sorted(d.isoformat() for d in notice.work),
        "cancelled_workdays": sorted(d.isoformat() for d in notice.cancel_work),
        "replaced": replaced,
        "recalculated_cases": changed,
    }
    if json_:
        emit_json(summary)
        return
    typer.echo(
        f"已{'替换' if replaced else '导入'} {notice.year} 年{notice.title} {notice.number}: "
        f"放假 {len(notice.off)} 天，调休上班 {len(notice.work)} 天；"
        f"重新计算了 {len(changed)} 件在办办件的时限"
    )


@app.command()
def notices(json_: JsonOpt = False) -> None:
    """列出已知的节假日安排: 随产品提供的和管理员导入的。"""
    rows = [
        {
            "scope": "national",
            "year": p.year,
            "title": p.title,
            "number": p.number,
            "source_url": p.source_url,
            "origin": "packaged",
        }
        for p in published_notices()
    ]
    db = open_database(create=False)
    if db is not None:
        for notice in CalendarStore(db).notices():
            rows.append(
                {
                    "scope": notice.scope,
                    "year": notice.year,
                    "title": notice.title,
                    "number": notice.number,
                    "source_url": notice.source_url,
                    "origin": "imported",
                }
            )
    if json_:
        emit_json(rows)
        return
    for row in rows:
        origin = "内置" if row["origin"] == "packaged" else "导入"
        typer.echo(f"{row['year']}  {origin}  {row['title']}  {row['number']}")


OfficeOpt = Annotated[
    str | None,
    typer.Option("--office", help="只对该经办机构闭馆 (省略 = 全地区，仅管理员)"),
]


def _check_scope(db: Database, actor: str, region: str, office: str | None) -> None:
    """When ``actor`` is a known account, the closure must be within its scope (a
    supervisor: their own office only); raises `Forbidden` (exit 4) otherwise."""
    from jingban.storage.accounts import AccountStore
    from jingban.storage.calendar_store import check_closure_scope

    known = {u.username: u for u in AccountStore(db).users()}
    if actor in known:
        check_closure_scope(known[actor], region, office)


@app.command()
def close(
    date: Annotated[str, typer.Argument(help="闭馆日期 YYYY-MM-DD")],
    region: RegionOpt,
    reason: Annotated[str, typer.Option("--reason", help="闭馆原因")],
    actor: Annotated[str, typer.Option(help="操作人")] = "admin",
    office: OfficeOpt = None,
) -> None:
    """登记某地区 (或其某经办机构) 某日闭馆 (按非工作日计算时限)。

    科长只能登记本经办机构的闭馆日 (--actor 为科长账号时检查)；全地区的由管理员登记。
    """
    day_value = parse_date(date, "DATE")
    region_profile(region)
    db = open_database(create=True)
    assert db is not None
    office = (office or "").strip() or None
    _check_scope(db, actor, region, office)
    now = now_utc()
    CalendarStore(db).close(region, day_value, reason, actor=actor, now=now, office=office)
    where = f"{office} " if office else ""
    changed = _recalculate(db)
    typer.echo(f"已登记 {region_profile(region).name} {where}{day_value} 闭馆: {reason.strip()}")
    if changed:
        typer.echo(f"重新计算了 {len(changed)} 件在办办件的时限")


@app.command()
def reopen(
    date: Annotated[str, typer.Argument(help="日期 YYYY-MM-DD")],
    region: RegionOpt,
    office: OfficeOpt = None,
    actor: Annotated[str, typer.Option(help="操作人")] = "admin",
) -> None:
    """撤销一条闭馆登记。"""
    day_value = parse_date(date, "DATE")
    region_profile(region)
    db = open_database(create=True)
    assert db is not None
    office = (office or "").strip() or None
    _check_scope(db, actor, region, office)
    CalendarStore(db).reopen(region, day_value, office=office, actor=actor, now=now_utc())
    where = f"{office} " if office else ""
    changed = _recalculate(db)
    typer.echo(f"已撤销 {region_profile(region).name} {where}{day_value} 的闭馆登记")
    if changed:
        typer.echo(f"重新计算了 {len(changed)} 件在办办件的时限")


@app.command()
def closures(
    region: Annotated[str | None, typer.Option("--region", "-r", help="地区")] = None,
    json_: JsonOpt = False,
) -> None:
    """列出闭馆登记。"""
    if region is not None:
        region_profile(region)
    db = open_database(create=False)
    rows = [] if db is None else CalendarStore(db).closures(region)
    if json_:
        emit_json(
            [
                {
                    "region": c.region,
                    "date": c.day.isoformat(),
                    "reason": c.reason,
                    "created_at": c.created_at,
                    "created_by": c.created_by,
                    "office": c.office,
                }
                for c in rows
            ]
        )
        return
    if not rows:
        typer.echo("没有闭馆登记")
    for c in rows:
        where = f"  {c.office}" if c.office else ""
        typer.echo(f"{c.day}  {region_profile(c.region).name}{where}  {c.reason}  ({c.created_by})")

"""`jingban alerts route-add`, `route-edit`, `route-disable`, `route-enable`, `route-remove`,
`routes` and `routes-apply` (a region's escalation policy from a file): where the cards of
a region (or office) go — a fixed mailbox or group, or the assignee and the office's
supervisor personally — and for which levels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jingban.calendar import region_profile
from jingban.cli._common import emit_json, open_services
from jingban.cli.alerts import JsonOpt, alerts_app
from jingban.engine.levels import LEVEL_NAMES
from jingban.errors import BadInput
from jingban.storage.route_roles import ROUTE_ROLES
from jingban.storage.routes import ROUTE_KINDS


@alerts_app.command("route-add")
def route_add(
    region: Annotated[str, typer.Option("--region")],
    kind: Annotated[str, typer.Option("--kind", help="、".join(ROUTE_KINDS))],
    target: Annotated[
        str, typer.Option("--target", help="邮箱地址或机器人 webhook 地址 (个人路由发邮件时可省)")
    ] = "",
    name: Annotated[str, typer.Option("--name", help="接收人 (科长/主管) 或群名")] = "",
    office: Annotated[str | None, typer.Option("--office")] = None,
    option: Annotated[list[str] | None, typer.Option("--option", help="KEY=VALUE")] = None,
    level: Annotated[
        list[str] | None, typer.Option("--level", help="只发这些牌色: yellow、orange、red (可多次)")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", help="接收角色: assignee (承办人本人)、supervisor (科长)、leader"),
    ] = None,
) -> None:
    """添加通知路由: 某地区 (或经办机构) 的哪些预警发给谁 (固定地址，或承办人/科长本人)。"""
    options = _options(option)
    services = open_services()
    route = services.routes.add_route(
        region=region,
        name=name,
        kind=kind,
        target=target,
        office=office,
        options=options,
        levels=level or (),
        role=role,
    )
    who = ROUTE_ROLES.get(route.role or "", target)
    levels = "、".join(f"{LEVEL_NAMES[lvl]}牌" for lvl in route.levels) or "全部牌色"
    typer.echo(f"已添加通知路由 #{route.id}: {region_profile(region).name} {levels} → {kind} {who}")


def _options(option: list[str] | None) -> dict[str, str]:
    options: dict[str, str] = {}
    for raw in option or []:
        key, sep, value = raw.partition("=")
        if not sep:
            raise BadInput(f"--option 应为 KEY=VALUE: {raw!r}")
        options[key.strip()] = value.strip()
    return options


RouteId = Annotated[int, typer.Argument(help="路由编号 (jingban alerts routes 列出)", min=1)]


@alerts_app.command("route-edit")
def route_edit(
    route_id: RouteId,
    target: Annotated[str | None, typer.Option("--target", help="新的邮箱或 webhook 地址")] = None,
    name: Annotated[str | None, typer.Option("--name", help="新的接收人或群名")] = None,
    office: Annotated[str | None, typer.Option("--office", help="只管该经办机构")] = None,
    all_offices: Annotated[
        bool, typer.Option("--all-offices", help="改为全地区 (不限经办机构)")
    ] = False,
    option: Annotated[
        list[str] | None, typer.Option("--option", help="KEY=VALUE；KEY= 删除该项")
    ] = None,
    level: Annotated[
        list[str] | None, typer.Option("--level", help="只发这些牌色 (可多次；all: 全部)")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", help="接收角色 (assignee、supervisor、leader；none: 固定地址)"),
    ] = None,
) -> None:
    """修改通知路由: 地址、接收人、经办机构、选项、牌色或接收角色 (修改后仍按添加时的规则检查)。"""
    if office is not None and all_offices:
        raise BadInput("--office 和 --all-offices 只能选一个")
    services = open_services()
    levels = None if level is None else [lvl for lvl in level if lvl != "all"]
    route = services.routes.edit_route(
        route_id,
        name=name,
        target=target,
        office=office,
        clear_office=all_offices,
        options=_options(option),
        levels=levels,
        role=None if role is None else ("" if role == "none" else role),
    )
    typer.echo(f"已修改通知路由 #{route.id}: {route.name} {route.kind} {route.target}")


@alerts_app.command("route-disable")
def route_disable(route_id: RouteId) -> None:
    """停用通知路由: 不再给它新的通知 (已排队的照常发送)。"""
    route = open_services().routes.set_enabled(route_id, False)
    typer.echo(f"已停用通知路由 #{route.id}: {route.name}")


@alerts_app.command("route-enable")
def route_enable(route_id: RouteId) -> None:
    """重新启用停用的通知路由。"""
    route = open_services().routes.set_enabled(route_id, True)
    typer.echo(f"已启用通知路由 #{route.id}: {route.name}")


@alerts_app.command("route-remove")
def route_remove(route_id: RouteId) -> None:
    """删除通知路由，并撤销它尚未发出的通知 (待发送和发送失败的)。"""
    cancelled = open_services().routes.remove_route(route_id)
    typer.echo(f"已删除通知路由 #{route_id}，撤销未发出的通知 {cancelled} 条")


@alerts_app.command("routes")
def routes(json_: JsonOpt = False) -> None:
    """列出通知路由。"""
    services = open_services()
    rows = services.routes.routes()
    if json_:
        emit_json(
            [
                {
                    "id": r.id,
                    "region": r.region,
                    "office": r.office,
                    "name": r.name,
                    "kind": r.kind,
                    "target": r.target,
                    "enabled": r.enabled,
                    "levels": list(r.levels),
                    "role": r.role,
                }
                for r in rows
            ]
        )
        return
    for r in rows:
        off = "" if r.enabled else " (已停用)"
        levels = "、".join(f"{LEVEL_NAMES[lvl]}牌" for lvl in r.levels) or "全部牌色"
        who = f" → {ROUTE_ROLES[r.role]}" if r.role else ""
        typer.echo(
            f"#{r.id} {r.region} {r.office or '(全部)'} {r.name} {r.kind} {r.target}"
            f" [{levels}{who}]{off}"
        )


@alerts_app.command("routes-apply")
def routes_apply(
    file: Annotated[Path, typer.Argument(help="路由文件 (TOML，见 docs/deliveries.md)")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只列出将做的改动")] = False,
) -> None:
    """按路由文件设定地区的预警升级路由: 文件中的路由新增或修改，文件所列地区的其他路由停用。"""
    from jingban.storage.route_policy import apply, load_routes, plan

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise BadInput(f"无法读取 {file}: {exc.strerror or exc}") from None
    specs = load_routes(file.name, data)
    services = open_services()
    changes = plan(services.routes, specs)
    for change in changes:
        typer.echo(("将" if dry_run else "") + change.text)
    if not dry_run:
        apply(services.routes, changes)
    typer.echo(f"{'将有' if dry_run else '共'} {len(changes)} 处改动，{len(specs)} 条路由")

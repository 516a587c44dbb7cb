"""通知路由 and 联系方式: administrators list a region's alert routes, add one, change its
address, receiver, levels and role, disable, enable and remove it (what `jingban alerts
route-*` does), and set each member of staff's contact details (`jingban user contact`).
An administrator of one region manages that region's routes and staff only."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from jingban.calendar import region_keys, region_profile
from jingban.console.web import (
    ConsoleRoute,
    PostDep,
    UserDep,
    accounts_of,
    now_of,
    render,
    require_role,
    see_other,
    services_of,
)
from jingban.engine.levels import LEVEL_NAMES
from jingban.errors import BadInput, Forbidden
from jingban.storage.accounts import User
from jingban.storage.route_roles import ROUTE_LEVELS, ROUTE_ROLES
from jingban.storage.routes import ROUTE_KINDS, Route

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _route(request: Request, admin: User, route_id: int) -> Route:
    route = services_of(request).routes.route(route_id)
    if admin.region is not None and route.region != admin.region:
        raise Forbidden("只能管理本地区的通知路由")
    return route


def _options(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines (the CLI's ``--option``) as a mapping; raises `BadInput`."""
    options: dict[str, str] = {}
    for raw in text.splitlines():
        if not raw.strip():
            continue
        key, sep, value = raw.partition("=")
        if not sep:
            raise BadInput(f"选项应为 KEY=VALUE，每行一个: {raw.strip()[:40]!r}")
        options[key.strip()] = value.strip()
    return options


@router.get("/admin/routes")
def routes_page(request: Request, user: UserDep) -> Response:
    """The routes (of the administrator's region), each with the forms that change it."""
    require_role(user, "admin")
    routes = services_of(request).routes.routes(user.region)
    regions = [user.region] if user.region else list(region_keys())
    context = {
        "routes": routes,
        "kinds": ROUTE_KINDS,
        "levels": [(lvl, LEVEL_NAMES[lvl] + "牌") for lvl in ROUTE_LEVELS],
        "roles": list(ROUTE_ROLES.items()),
        "regions": [(k, region_profile(k).name) for k in regions],
        "region_names": {k: region_profile(k).name for k in region_keys()},
    }
    return render(request, "admin_routes.html", context, active="routes")


@router.post("/admin/routes")
def add_route(request: Request, post: PostDep) -> Response:
    """Add a route (checked as `jingban alerts route-add` checks one)."""
    require_role(post.user, "admin")
    region = post.text("region")
    if post.user.region is not None and region != post.user.region:
        raise Forbidden("只能添加本地区的通知路由")
    route = services_of(request).routes.add_route(
        region=region,
        name=post.text("name"),
        kind=post.text("kind"),
        target=post.text("target"),
        office=post.text("office") or None,
        options=_options(post.text("options")),
        levels=post.values("levels"),
        role=post.text("role") or None,
    )
    return see_other("/admin/routes", f"已添加通知路由 #{route.id}")


@router.post("/admin/routes/{route_id}/edit")
def edit_route(request: Request, route_id: int, post: PostDep) -> Response:
    """Change a route's receiver, address, office, levels and role (options are kept)."""
    require_role(post.user, "admin")
    route = _route(request, post.user, route_id)
    office = post.text("office")
    services_of(request).routes.edit_route(
        route.id,
        name=post.text("name"),
        target=post.text("target"),
        office=office or None,
        clear_office=not office,
        levels=post.values("levels"),
        role=post.text("role"),
    )
    return see_other("/admin/routes", f"已修改通知路由 #{route.id}")


@router.post("/admin/routes/{route_id}/enable")
def enable_route(request: Request, route_id: int, post: PostDep) -> Response:
    """Enable or disable a route (``enabled`` = 1 or 0)."""
    require_role(post.user, "admin")
    route = _route(request, post.user, route_id)
    enabled = post.text("enabled") == "1"
    services_of(request).routes.set_enabled(route.id, enabled)
    return see_other("/admin/routes", f"已{'启用' if enabled else '停用'}通知路由 #{route.id}")


@router.post("/admin/routes/{route_id}/remove")
def remove_route(request: Request, route_id: int, post: PostDep) -> Response:
    """Remove a route and cancel what it had not sent yet."""
    require_role(post.user, "admin")
    route = _route(request, post.user, route_id)
    cancelled = services_of(request).routes.remove_route(route.id)
    return see_other(
        "/admin/routes", f"已删除通知路由 #{route.id}，撤销未发出的通知 {cancelled} 条"
    )


@router.post("/admin/users/{username}/contact")
def set_contact(request: Request, username: str, post: PostDep) -> Response:
    """Set a member of staff's contact details (an empty field clears it)."""
    require_role(post.user, "admin")
    target = accounts_of(request).user(username)
    if post.user.region is not None and target.region != post.user.region:
        raise Forbidden("只能管理本地区的员工账号")
    changes = {f: post.text(f) for f in ("email", "mobile", "wecom_id", "dingtalk_id")}
    services_of(request).contacts.set_contact(
        target.username, changes, actor=post.user.username, now=now_of(request)
    )
    page = post.number("page", "页码") or 1
    return see_other(f"/admin/users?page={max(page, 1)}", f"已修改 {target.username} 的联系方式")

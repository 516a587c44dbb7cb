"""员工账号: administrators list staff (paged), add them with an initial password, disable and
enable them, reset their password, edit their display name, and lift the sign-in limits
failed attempts set on them (解除登录限制). Every change is in the
account event log with who made it and when; an administrator of one region manages that
region's staff only. Added and reset accounts must change the password at first sign-in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from jingban.calendar import region_keys, region_profile
from jingban.console.web import (
    ConsoleRoute,
    PostDep,
    Posted,
    UserDep,
    accounts_of,
    now_of,
    render,
    require_role,
    see_other,
    services_of,
)
from jingban.engine.roles import ROLE_LABELS, ROLES
from jingban.errors import BadInput, Forbidden
from jingban.storage.accounts import User

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PAGE_SIZE = 50


def _managed(request: Request, admin: User, username: str) -> User:
    """The account ``username`` if ``admin`` may manage it; raises `NotFound`/`Forbidden`."""
    target = accounts_of(request).user(username)
    if admin.region is not None and target.region != admin.region:
        raise Forbidden("只能管理本地区的员工账号")
    return target


def _back(post: Posted) -> str:
    page = post.number("page", "页码") or 1
    return f"/admin/users?page={max(page, 1)}"


@router.get("/admin/users")
def users_page(
    request: Request, user: UserDep, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    """The staff accounts, a page at a time, with the forms that change them."""
    require_role(user, "admin")
    accounts = accounts_of(request)
    everyone = accounts.users()
    if user.region is not None:
        everyone = [u for u in everyone if u.region == user.region]
    pages = max((len(everyone) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(page, pages)
    shown = everyone[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    names = {u.username for u in everyone} | {""}  # "": an address's limit, no account
    events = [e for e in accounts.events(limit=200) if e.username in names][:30]
    regions = [user.region] if user.region else list(region_keys())
    context = {
        "users": shown,
        "locks": accounts.login_locks([u.username for u in shown], now_of(request)),
        "contacts": services_of(request).contacts.contacts(u.username for u in shown),
        "total": len(everyone),
        "page": page,
        "pages": pages,
        "events": events,
        "roles": [(r, ROLE_LABELS[r]) for r in ROLES],
        "role_labels": ROLE_LABELS,
        "regions": [(k, region_profile(k).name) for k in regions],
        "region_names": {k: region_profile(k).name for k in region_keys()},
    }
    return render(request, "admin_users.html", context, active="users")


@router.post("/admin/users")
async def add_user(request: Request, post: PostDep) -> Response:
    """Add an account with an initial password its holder must change at first sign-in."""
    require_role(post.user, "admin")
    region = post.text("region") or None
    if post.user.region is not None and region != post.user.region:
        raise Forbidden("只能添加本地区的员工账号")
    if post.text("password") != post.text("again"):
        raise BadInput("两次输入的初始密码不一致")
    added = await run_in_threadpool(
        lambda: accounts_of(request).add_user(
            post.text("username"),
            role=post.text("role"),
            password=post.text("password"),
            now=now_of(request),
            region=region,
            office=post.text("office") or None,
            display_name=post.text("display_name") or None,
            must_change=True,
            actor=post.user.username,
        )
    )
    return see_other(
        _back(post), f"已添加 {added.display_name} ({added.username})；首次登录须修改初始密码"
    )


@router.post("/admin/users/{username}/disable")
def disable(request: Request, username: str, post: PostDep) -> Response:
    """Disable an account: its sessions and tokens end at once."""
    require_role(post.user, "admin")
    target = _managed(request, post.user, username)
    if target.username == post.user.username:
        raise BadInput("不能停用自己的账号")
    accounts_of(request).set_disabled(
        target.username, True, actor=post.user.username, now=now_of(request)
    )
    return see_other(_back(post), f"已停用 {target.username}，其登录会话和令牌已失效")


@router.post("/admin/users/{username}/enable")
def enable(request: Request, username: str, post: PostDep) -> Response:
    """Enable a disabled account again."""
    require_role(post.user, "admin")
    target = _managed(request, post.user, username)
    accounts_of(request).set_disabled(
        target.username, False, actor=post.user.username, now=now_of(request)
    )
    return see_other(_back(post), f"已启用 {target.username}")


@router.post("/admin/users/{username}/reset")
async def reset(request: Request, username: str, post: PostDep) -> Response:
    """Set a new initial password: the holder must change it; every session of it ends."""
    require_role(post.user, "admin")
    target = _managed(request, post.user, username)
    await run_in_threadpool(
        lambda: accounts_of(request).reset_password(
            target.username, post.text("password"), actor=post.user.username, now=now_of(request)
        )
    )
    return see_other(
        _back(post), f"已重置 {target.username} 的密码；本人下次登录须修改，原有会话已失效"
    )


@router.post("/admin/users/{username}/name")
def rename(request: Request, username: str, post: PostDep) -> Response:
    """Change the display name notices print as 经办人."""
    require_role(post.user, "admin")
    target = _managed(request, post.user, username)
    changed = accounts_of(request).set_display_name(
        target.username, post.text("display_name"), actor=post.user.username, now=now_of(request)
    )
    return see_other(_back(post), f"已将 {changed.username} 的姓名改为 {changed.display_name}")


@router.post("/admin/users/{username}/unlock")
def unlock(request: Request, username: str, post: PostDep) -> Response:
    """Lift the sign-in limits of an account: its failed attempts are cleared (recorded)."""
    require_role(post.user, "admin")
    target = _managed(request, post.user, username)
    cleared = accounts_of(request).unlock(
        target.username, actor=post.user.username, now=now_of(request)
    )
    return see_other(_back(post), f"已解除 {target.username} 的登录限制 (清除失败 {cleared} 次)")

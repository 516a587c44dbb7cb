"""Logging in and out, the console's start page and its static files."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from jingban.console.web import (
    SESSION_COOKIE,
    STATIC_DIR,
    ConsoleRoute,
    LoginRequired,
    PostDep,
    UserDep,
    accounts_of,
    home_of,
    now_of,
    render,
    safe_next,
    see_other,
    services_of,
    session_user,
)
from jingban.demo import DEMO_PASSWORD, demo_password_in_use
from jingban.errors import BadInput, RateLimited
from jingban.storage.accounts import AuthenticationFailed
from jingban.storage.passwords import MIN_PASSWORD

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
_STATIC = {"console.css": "text/css", "console.js": "text/javascript"}
# Login CSRF (a forged form logging the victim into someone else's account): the login form
# carries a random token that must equal the one in this cookie, which is SameSite=Strict, so
# a form posted from another site arrives without it.
LOGIN_COOKIE = "jingban_login"


def _login_form(
    request: Request, context: Mapping[str, object], *, status: int = 200, error: str | None = None
) -> Response:
    """The login page with a fresh login token, in the form and in its cookie, and the demo
    hint while a demo account keeps the demo password (reads the database: call it from a
    worker thread in async routes)."""
    token = secrets.token_urlsafe(24)
    demo = DEMO_PASSWORD if demo_password_in_use(services_of(request)) else None
    values = {**context, "login_token": token, "demo_password": demo}
    response = render(request, "login.html", values, status=status, error=error)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/")
def start(request: Request) -> Response:
    """The console's front door: the user's home page, or the login page."""
    try:
        user = session_user(request)
    except LoginRequired:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_of(user), status_code=303)


@router.get("/login")
def login_page(
    request: Request,
    next_: Annotated[str | None, Query(alias="next", max_length=500)] = None,
    expired: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    """The login form (a live session goes straight on)."""
    try:
        user = session_user(request)
    except LoginRequired:
        message = "登录已失效，请重新登录" if expired else None
        return _login_form(request, {"next": safe_next(next_, ""), "notice": message})
    return RedirectResponse(safe_next(next_, home_of(user)), status_code=303)


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the login token and the password; on success set the HttpOnly, SameSite=Strict
    session cookie."""
    form = await request.form()
    username = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")[:200]
    target = str(form.get("next") or "")
    client = request.client.host if request.client else None
    now = now_of(request)
    sent, kept = form.get("login_token"), request.cookies.get(LOGIN_COOKIE)
    if not (isinstance(sent, str) and kept and hmac.compare_digest(sent, kept)):
        context = {"next": safe_next(target, ""), "username": username}
        error = "登录页已过期，或表单来自其他网站：请重新输入密码登录"
        return await run_in_threadpool(_login_form, request, context, status=403, error=error)
    try:
        user, token, expires = await run_in_threadpool(
            accounts_of(request).authenticate,
            username,
            password,
            now=now,
            client=client,
            via="console",
        )
    except (AuthenticationFailed, RateLimited) as exc:
        status = 429 if isinstance(exc, RateLimited) else 401
        context = {"next": safe_next(target, ""), "username": username}
        return await run_in_threadpool(
            _login_form, request, context, status=status, error=exc.message
        )
    if user.must_change_password:
        response = see_other("/account", "首次登录或密码已被重置: 请先设置您自己的新密码")
    else:
        response = see_other(safe_next(target, home_of(user)))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max(int((expires - now).total_seconds()), 60),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/account")
def account_page(request: Request, user: UserDep) -> Response:
    """The signed-in user's own account: change the password."""
    return render(request, "account.html", {"min_password": MIN_PASSWORD}, active="account")


@router.post("/account")
async def change_password(request: Request, post: PostDep) -> Response:
    """Change one's own password: the current one, the new one twice. Every other session
    and token of the account ends; this session goes on."""
    current = str(post.form.get("current") or "")[:200]
    new = str(post.form.get("new") or "")[:200]
    again = str(post.form.get("again") or "")[:200]
    client = request.client.host if request.client else None
    try:
        if new != again:
            raise BadInput("两次输入的新密码不一致")
        await run_in_threadpool(
            accounts_of(request).change_password,
            post.user.username,
            current,
            new,
            now=now_of(request),
            keep_token=request.cookies.get(SESSION_COOKIE, ""),
            client=client,
        )
    except (AuthenticationFailed, RateLimited, BadInput) as exc:
        status = {AuthenticationFailed: 401, RateLimited: 429}.get(type(exc), 400)
        context = {"min_password": MIN_PASSWORD}
        return render(
            request, "account.html", context, status=status, error=exc.message, active="account"
        )
    return see_other(home_of(post.user), "密码已修改；该账号的其他登录会话和令牌已失效")


@router.post("/logout")
def logout(request: Request, post: PostDep) -> Response:
    """Revoke the session's token and forget the cookie."""
    accounts_of(request).revoke(request.cookies.get(SESSION_COOKIE, ""))
    response = see_other("/login", "已退出登录")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/console-static/{name}")
def static(name: str) -> Response:
    """The console's stylesheet and script (a fixed list: nothing else is served)."""
    if name not in _STATIC:
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(
        STATIC_DIR / name,
        media_type=_STATIC[name],
        headers={"Cache-Control": "public, max-age=300"},
    )

"""The console's plumbing: templates, the signed-in user from the session cookie, the CSRF
check, flash messages, and a route class that turns every user error into an HTML page.

Promises: every console route either renders HTML or redirects; a missing or expired session
redirects to the login page; a POST without the session's CSRF token is refused (403) and
changes nothing; nothing a user sends produces a JSON error or a traceback page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from jingban.calendar import BEIJING, region_profile
from jingban.engine.roles import ROLE_LABELS
from jingban.errors import (
    BadInput,
    DatabaseUnavailable,
    Forbidden,
    JingbanError,
    RateLimited,
    http_status,
)
from jingban.services import Services
from jingban.storage.accounts import AccountStore, AuthenticationFailed, User
from jingban.storage.driver_errors import database_error, driver_error_types

log = logging.getLogger("jingban.console")

SESSION_COOKIE = "jingban_session"
FLASH_COOKIE = "jingban_flash"
RECEIPT_COOKIE = "jingban_receipt"
_HERE = Path(__file__).parent
STATIC_DIR = _HERE / "static"


class _Pages(Environment):
    """The console's template environment. ``row.name`` on a dict looks the key up first
    unless ``name`` is a dict method (``items``, ``get``, …, which stay methods as Jinja has
    them): the pages show rows built as dicts, and Jinja's own order (the attribute, then —
    after an AttributeError raised and caught — the key) cost a tenth of a work-queue
    request's CPU. The answer is Jinja's in every case."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_NAMES:
            found = obj.get(attribute, _MISSING)
            if found is not _MISSING:
                return found
        return super().getattr(obj, attribute)


_MISSING = object()
_DICT_NAMES = frozenset(dir(dict))

templates = _Pages(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def beijing(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware instant as Beijing wall-clock text ('' for None)."""
    return "" if value is None else value.astimezone(BEIJING).strftime(fmt)


def chinese_date(value: dt.datetime | dt.date | str | None) -> str:
    """A date as the notices write it: 2026年11月23日 (Beijing date of an instant; an ISO
    text, as an audit payload keeps a time, is read first)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    day = value.astimezone(BEIJING).date() if isinstance(value, dt.datetime) else value
    return f"{day.year}年{day.month}月{day.day}日"


templates.filters["bj"] = beijing
templates.filters["cndate"] = chinese_date

# (key, path, label, access key, roles that see it)
NAV: tuple[tuple[str, str, str, str, frozenset[str]], ...] = (
    ("work", "/work", "工作台", "1", frozenset({"clerk", "reviewer", "payer", "supervisor"})),
    ("register", "/register", "新建办件", "2", frozenset({"clerk", "supervisor"})),
    ("board", "/board", "监督看板", "3", frozenset({"supervisor", "admin"})),
    ("calendar", "/calendar", "日历", "4", frozenset({"supervisor", "admin"})),
    ("reports", "/reports", "统计报表", "7", frozenset({"supervisor", "admin"})),
    ("users", "/admin/users", "员工账号", "5", frozenset({"admin"})),
    ("routes", "/admin/routes", "通知路由", "6", frozenset({"admin"})),
)


def home_of(user: User) -> str:
    """Where a user lands after logging in."""
    return "/calendar" if user.role == "admin" else "/work"


def services_of(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def now_of(request: Request) -> dt.datetime:
    """Now from the application's clock (tests move it)."""
    clock: Callable[[], dt.datetime] = request.app.state.clock
    return clock()


def accounts_of(request: Request) -> AccountStore:
    return services_of(request).accounts


def csrf_for(session_token: str) -> str:
    """The CSRF token of a session: derived from the (secret, HttpOnly) session token, so it
    needs no storage and is the same in every worker process."""
    return hashlib.sha256(f"jingban-console-csrf:{session_token}".encode()).hexdigest()[:40]


def office_name(region: str | None, office: str | None) -> str:
    """The office as printed on notices."""
    if office:
        return office
    if region:
        return f"{region_profile(region).name}医疗保障经办机构"
    return "医疗保障经办机构"


class LoginRequired(Exception):
    """No live session: the route class redirects to the login page."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


class PasswordChangeFirst(Exception):
    """The session's account must change its password first: the route class redirects to
    the password page."""


#: The pages an account that must change its password may reach.
PASSWORD_PAGES = frozenset({"/account", "/logout"})


def session_user(request: Request) -> User:
    """The user of the session cookie; raises `LoginRequired` without a live session and
    `PasswordChangeFirst` for an account that must change its password, on any page but
    `PASSWORD_PAGES`."""
    token = _session_token(request)
    try:
        user = accounts_of(request).user_for_token(token, now_of(request))
    except AuthenticationFailed:
        raise LoginRequired(expired=True) from None
    return _signed_in(request, user, token)


async def page_user(request: Request) -> User:
    """`session_user` as a coroutine (`Services.signed_in`), so a page's dependencies take
    no hop to a worker thread."""
    token = _session_token(request)
    try:
        user = await services_of(request).signed_in(token, now_of(request))
    except AuthenticationFailed:
        raise LoginRequired(expired=True) from None
    return _signed_in(request, user, token)


def _session_token(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    return token


def _signed_in(request: Request, user: User, token: str) -> User:
    request.state.user = user
    request.state.csrf = csrf_for(token)
    if user.must_change_password and request.url.path not in PASSWORD_PAGES:
        raise PasswordChangeFirst()
    return user


UserDep = Annotated[User, Depends(page_user)]


@dataclass(frozen=True)
class Posted:
    """A checked form post: the user and the fields."""

    user: User
    form: FormData

    def text(self, name: str, default: str = "") -> str:
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else default

    def values(self, name: str) -> list[str]:
        return [v.strip() for v in self.form.getlist(name) if isinstance(v, str) and v.strip()]

    def number(self, name: str, label: str) -> int | None:
        """An optional whole number; raises `BadInput` naming the field in Chinese."""
        text = self.text(name)
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise BadInput(f"「{label}」应为整数") from None


async def posted(request: Request, user: UserDep) -> Posted:
    """The form of a POST after the CSRF check; raises `NotAllowed` when the token is wrong."""
    form = await request.form()
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, request.state.csrf):
        raise Forbidden("安全校验失败 (页面已过期)，请刷新页面后重试")
    return Posted(user, form)


PostDep = Annotated[Posted, Depends(posted)]


def require_role(user: User, *roles: str) -> None:
    """Raise `NotAllowed` unless the user has one of ``roles``."""
    if user.role not in roles:
        raise Forbidden(f"{ROLE_LABELS.get(user.role, user.role)}无权使用此页面")


def safe_next(target: str | None, default: str) -> str:
    """A local path to go back to; anything else (another host, a scheme) gives ``default``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def render(
    request: Request,
    template: str,
    context: Mapping[str, object] | None = None,
    *,
    status: int = 200,
    active: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    """Render a console page with the common context (user, navigation, clock, flash)."""
    user: User | None = getattr(request.state, "user", None)
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))[:500] or None
    nav = [
        {"key": key, "path": path, "label": label, "accesskey": accesskey}
        for key, path, label, accesskey, roles in NAV
        if user is not None and user.role in roles and not user.must_change_password
    ]
    values: dict[str, object] = {
        "request": request,
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, user.role) if user else "",
        "region_name": region_profile(user.region).name if user and user.region else "全部地区",
        "office": office_name(user.region, user.office) if user else "",
        "csrf": getattr(request.state, "csrf", ""),
        "nav": nav,
        "active": active,
        "now": now_of(request),
        "flash": flash,
        "error": error,
        "path": request.url.path,
    }
    values.update(context or {})
    html = templates.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def see_other(url: str, flash: str | None = None) -> RedirectResponse:
    """The redirect after a successful POST (PRG), with an optional one-time message."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE, quote(flash), max_age=120, path="/", httponly=True, samesite="strict"
        )
    return response


def to_receipt(request: Request, case_no: str, query_code: str, flash: str) -> RedirectResponse:
    """The redirect to a case's receipt that shows ``query_code`` once: the code rides in a
    short-lived cookie that only the receipt's page receives."""
    response = see_other(f"/cases/{case_no}/receipt", flash)
    response.set_cookie(
        RECEIPT_COOKIE,
        quote(f"{case_no}:{query_code}"),
        max_age=600,
        path=f"/cases/{case_no}/receipt",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def status_of(exc: JingbanError) -> int:
    """The HTTP status of a user error, as the API gives it."""
    return http_status(exc)[0]


def error_page(request: Request, exc: JingbanError) -> Response:
    """``error.html`` for a user error, with the API's status (and its Retry-After when the
    database is busy, full or unavailable, or attempts are rate-limited)."""
    status = status_of(exc)
    title = {404: "未找到", 503: "请稍后重试"}.get(status, "无法完成")
    page = render(request, "error.html", {"title": title, "message": exc.message}, status=status)
    if isinstance(exc, DatabaseUnavailable | RateLimited):
        page.headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, DatabaseUnavailable):
        log.warning("database %s: %s", http_status(exc)[1], exc.detail)
    return page


def _login_redirect(request: Request, expired: bool) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET":
        target = request.headers.get("referer", "") or "/"
        target = "/" if "://" in target else target
    url = "/login?next=" + quote(safe_next(target, "/"), safe="/")
    if expired:
        url += "&expired=1"
    response = RedirectResponse(url, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


class ConsoleRoute(APIRoute):
    """A route whose user errors become HTML pages and whose missing session becomes a
    redirect to the login page (the app-wide handlers answer the API in JSON)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                return _login_redirect(request, exc.expired)
            except PasswordChangeFirst:
                return see_other(
                    "/account", "请先修改密码: 初始密码或被重置的密码须本人修改后才能办理业务"
                )
            except JingbanError as exc:
                return error_page(request, exc)
            except RequestValidationError:
                return render(
                    request,
                    "error.html",
                    {"title": "无法完成", "message": "提交的内容格式不正确"},
                    status=400,
                )
            except driver_error_types() as exc:
                typed = database_error(exc)
                if typed is None:
                    raise  # a bug: the 500 page, logged with its traceback
                return error_page(request, typed)

        return console_handler

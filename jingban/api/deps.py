"""What every route needs: the services, the clock, the signed-in user, typed errors."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jingban.errors import BadInput, PasswordChangeRequired
from jingban.services import Services
from jingban.storage.accounts import AccountStore, AuthenticationFailed, User

bearer = HTTPBearer(auto_error=False, description="POST /api/auth/token 取得的令牌")


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def clock(request: Request) -> dt.datetime:
    """Now, from the app's clock (tests freeze it)."""
    now: Callable[[], dt.datetime] = request.app.state.clock
    return now()


def accounts(request: Request) -> AccountStore:
    return services(request).accounts


# The dependencies below are coroutines: FastAPI runs a plain function dependency in a worker
# thread, one hop per dependency per request, which costs more than these do.


async def _services(request: Request) -> Services:
    return services(request)


async def _clock(request: Request) -> dt.datetime:
    return clock(request)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """The user behind the bearer token (`Services.signed_in`); 401 without a live one, 403
    (``password_change_required``) for an account that must change its password first."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed("需要登录 (Authorization: Bearer 令牌)")
    user = await services(request).signed_in(credentials.credentials, clock(request))
    if user.must_change_password:  # a console session before its first password change
        raise PasswordChangeRequired("须先修改密码 (控制台「修改密码」或 jingban user passwd)")
    request.state.user = user
    return user


async def declared_query_only(request: Request) -> None:
    """Refuse a query parameter the operation's OpenAPI description does not declare, or one
    given twice (400), so a mistyped or doubled filter is told rather than silently ignored or
    half read: the document is the list."""
    if not request.query_params:  # most requests: nothing to check
        return
    route = request.scope.get("route")
    path = getattr(route, "path_format", None)
    known = _declared_queries(request.app, path, request.method.lower())
    if known is None:
        return
    for name in request.query_params:
        if name not in known:
            allowed = "、".join(sorted(known)) or "无"
            raise BadInput(f"不认识的查询参数 {name!r}；此接口可用: {allowed}")
        if len(request.query_params.getlist(name)) > 1:  # every declared one is a single value
            raise BadInput(f"查询参数 {name!r} 只能给一次")


def _declared_queries(app: Any, path: str | None, method: str) -> frozenset[str] | None:
    """The query parameters the OpenAPI description declares for one operation (None for an
    operation it does not describe), read from the document once per application."""
    cache: dict[tuple[str | None, str], frozenset[str] | None] | None = getattr(
        app.state, "declared_queries", None
    )
    if cache is None:
        cache = app.state.declared_queries = {}
    if (path, method) not in cache:
        operation = app.openapi().get("paths", {}).get(path, {}).get(method)
        cache[(path, method)] = (
            None
            if operation is None
            else frozenset(
                p["name"] for p in operation.get("parameters", ()) if p.get("in") == "query"
            )
        )
    return cache[(path, method)]


T = TypeVar("T")


def on_store(handler: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """A plain route handler run as `Services.run` runs store work (on SQLite on the event
    loop, no hop to a worker thread; on PostgreSQL in one), for the short handlers of the
    action path. ``handler`` takes a `ServicesDep` parameter; FastAPI sees its signature."""

    @functools.wraps(handler)
    async def run(**kwargs: Any) -> T:
        found = next(v for v in kwargs.values() if isinstance(v, Services))
        return await found.run(handler, **kwargs)

    return run


ServicesDep = Annotated[Services, Depends(_services)]
NowDep = Annotated[dt.datetime, Depends(_clock)]
UserDep = Annotated[User, Depends(current_user)]


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if field is not None:
        body["error"]["field"] = field
    return body

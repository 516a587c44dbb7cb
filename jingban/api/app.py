"""The ASGI application: the HTTP API, the public progress page and (later) the console.

Errors a user can cause become JSON ``{"error": {"code", "message", "field"?}}`` with a status:
400/422 bad input, 401 not signed in, 403 role or region not allowed, 404 not found (also a
case of another office), 409 conflict (a version changed, or the action is illegal in the
case's state), 429 rate-limited. Nothing a client sends produces a 500.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from jingban import __version__
from jingban.api.deps import error_body
from jingban.engine.roles import WrongRole
from jingban.errors import BadInput, Conflict, JingbanError, NotAllowed, NotFound
from jingban.services import Services
from jingban.storage.accounts import AccountStore, AuthenticationFailed, RateLimited

log = logging.getLogger("jingban.api")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_MESSAGES = {
    "missing": "缺少此字段",
    "extra_forbidden": "不认识的字段",
    "string_too_long": "过长",
    "string_too_short": "不能为空",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "datetime_parsing": "应为 ISO 8601 时间，如 2026-11-23T10:30:00+08:00",
    "datetime_from_date_parsing": "应为 ISO 8601 时间，如 2026-11-23T10:30:00+08:00",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "list_type": "应为列表",
    "too_long": "项目过多",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
}


def _status(exc: JingbanError) -> tuple[int, str]:
    if isinstance(exc, AuthenticationFailed):
        return 401, "unauthenticated"
    if isinstance(exc, RateLimited):
        return 429, "rate_limited"
    if isinstance(exc, NotFound):
        return 404, "not_found"
    if isinstance(exc, Conflict):
        return 409, "conflict"
    if isinstance(exc, WrongRole):
        return 403, "forbidden"
    if isinstance(exc, NotAllowed):
        return (
            403 if "无权" in exc.message or "只能" in exc.message or "只有" in exc.message else 409
        ), "not_allowed"
    if isinstance(exc, BadInput):
        return 400, "bad_input"
    return 400, "error"


def create_app(
    services: Services, *, clock: Callable[[], dt.datetime] = _utcnow, scheduler: bool = False
) -> FastAPI:
    """The application over ``services``. ``clock`` gives now (tests freeze it);
    ``scheduler`` runs the deadline scheduler in this process (one leader among workers)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if scheduler:
            from jingban.scheduler.runner import SchedulerService

            app.state.scheduler = SchedulerService(services, clock=clock)
            app.state.scheduler.start()
        try:
            yield
        finally:
            if app.state.scheduler is not None:
                app.state.scheduler.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="jingban 经办 API",
        version=__version__,
        description=(
            "医疗保障经办事项的办件跟踪: 登记、受理、审核、拨付、办结，时限预警，公众进度查询。"
        ),
    )
    app.state.services = services
    app.state.clock = clock
    app.state.accounts = AccountStore(services.db)
    app.state.scheduler = None

    @app.exception_handler(JingbanError)
    async def _jingban_error(request: Request, exc: JingbanError) -> JSONResponse:
        status, code = _status(exc)
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(error_body(code, exc.message), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        location = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(location) or None
        what = _MESSAGES.get(first.get("type", ""), first.get("msg", "格式不正确"))
        message = f"{field or '请求'}: {what}"
        return JSONResponse(error_body("invalid", message, field), status_code=422)

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database busy: %s", exc)
        return JSONResponse(
            error_body("busy", "数据库繁忙，请稍后重试"),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    from jingban import console
    from jingban.api import public, routes_cases, routes_misc

    app.include_router(routes_misc.router)
    app.include_router(routes_cases.router)
    app.include_router(public.router)
    app.include_router(console.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return {"ok": True, "version": __version__}

    return app

"""The HTTP API on an application: its routes, the public progress page, and the error
answers. `jingban.server.create_app` builds the application and mounts this and the console.

Errors a user can cause become JSON ``{"error": {"code", "message", "field"?}}`` with a status:
400/422 bad input, 401 not signed in, 403 role or region not allowed, 404 not found (also a
case of another office), 409 conflict (a version changed, or the action is illegal in the
case's state), 429 rate-limited, 503 the database is busy, its disk full, or it is
unreachable (`jingban.storage.driver_errors`; with Retry-After, nothing saved). Every route
documents all of them with the error body's schema. Nothing a client sends produces a 500.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from jingban import __version__
from jingban.api.deps import declared_query_only, error_body
from jingban.engine.params import AMOUNT_HINT
from jingban.errors import DatabaseUnavailable, JingbanError, RateLimited, http_status
from jingban.storage.driver_errors import database_error, driver_error_types

log = logging.getLogger("jingban.api")


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
    "string_pattern_mismatch": "格式不正确",
    "int_from_float": "应为整数",
    "string_unicode": "含有无法保存的字符",
}
# What a field in the wrong format should look like, where the type alone does not say.
_FIELD_HINTS = {"amount": AMOUNT_HINT}


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": {"code", "message", "field"?}}``."""

    error: ErrorDetail


ERROR_RESPONSES = {
    400: "输入有误 (消息说明哪个字段)",
    401: "未登录或登录已失效",
    403: "角色或地区无权执行",
    404: "没有这个办件 (或不属于本经办机构)",
    409: "冲突: 他人已先更新，或当前状态不能执行此操作",
    422: "请求格式不正确 (error.field 指出字段)",
    429: "失败或请求过于频繁，稍后再试 (Retry-After)",
    503: "数据库繁忙 (busy)、磁盘已满 (disk_full) 或无法访问 (unavailable): 未保存，见 Retry-After",
}


def _allowed_methods(request: Request) -> str | None:
    """The methods the OpenAPI document gives the request's path, all of them (a path served
    by several routes, such as GET and POST on one address, lists every one); None for a path
    the document does not describe."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if _path_regex(template).match(request.scope["path"]):
            methods |= {m.upper() for m in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods)) or None


@functools.cache
def _path_regex(template: str) -> re.Pattern[str]:
    regex, _, _ = compile_path(template)
    return regex


def install_api(app: FastAPI) -> None:
    """Add the API's routes, the progress page and the error answers to ``app`` (whose
    state carries ``services`` and ``clock``)."""

    @app.exception_handler(JingbanError)
    async def _jingban_error(request: Request, exc: JingbanError) -> JSONResponse:
        status, code = http_status(exc)
        headers = {}
        if isinstance(exc, RateLimited | DatabaseUnavailable):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, DatabaseUnavailable):
            log.warning("database %s: %s", http_status(exc)[1], exc.detail)
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(error_body(code, exc.message), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        location = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(location) or None
        what = _MESSAGES.get(first.get("type", ""), first.get("msg", "格式不正确"))
        if field in _FIELD_HINTS and first.get("type") != "missing":
            what = f"{what}；{_FIELD_HINTS[field]}"
        message = f"{field or '请求'}: {what}"
        return JSONResponse(error_body("invalid", message, field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            400: "bad_input",
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            415: "unsupported",
        }
        message = {404: "没有这个地址", 405: "不支持此方法", 400: "请求体无法解析"}.get(
            exc.status_code, str(exc.detail)
        )
        headers = dict(getattr(exc, "headers", None) or {})
        allowed = _allowed_methods(request) if exc.status_code == 405 else None
        if allowed is not None:
            headers["Allow"] = allowed
        return JSONResponse(
            error_body(codes.get(exc.status_code, "error"), message),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        return JSONResponse(error_body("bad_input", "日期或数值超出范围"), status_code=400)

    async def _unstorable(request: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL refuses some text (a NUL character): the input, not the server, is wrong.
        return JSONResponse(
            error_body("bad_input", "输入含有无法保存的字符 (如 NUL)"), status_code=400
        )

    app.add_exception_handler(DataError, _unstorable)
    with contextlib.suppress(ImportError):
        import psycopg

        app.add_exception_handler(psycopg.DataError, _unstorable)

    async def _database_state(request: Request, exc: Exception) -> JSONResponse:
        typed = database_error(exc)
        if typed is None:
            raise exc  # a bug, not the database's state: the 500 handler logs it
        return await _jingban_error(request, typed)

    for kind in driver_error_types():
        app.add_exception_handler(kind, _database_state)

    from jingban.api import docs, public, routes_cases, routes_files, routes_misc, routes_reports

    documented: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorBody, "description": text} for code, text in ERROR_RESPONSES.items()
    }
    declared = [Depends(declared_query_only)]
    app.include_router(routes_misc.router, responses=documented, dependencies=declared)
    app.include_router(routes_cases.router, responses=documented, dependencies=declared)
    app.include_router(routes_files.router, responses=documented, dependencies=declared)
    app.include_router(routes_reports.router, responses=documented, dependencies=declared)
    app.include_router(public.router, responses=documented, dependencies=declared)
    docs.install_docs(app)
    from jingban.api.ops import install_ops

    install_ops(app)  # /readyz and /metrics

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return {"ok": True, "version": __version__}

"""Chinese error pages for everything that is not the API.

The API answers its errors in JSON (`jingban.api.app`); a person who mistypes a console
address, or posts to a page that only shows, gets a Chinese page in the console's layout
instead. Promises: a path under `API_PREFIXES` gets exactly the API's answer; any other path
gets `error.html` with the same status and the same Chinese message (404 and 405 with their
own wording), and an unexpected failure gets a 500 page without a traceback.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from jingban.console.web import LoginRequired, render, session_user

log = logging.getLogger("jingban.console")

API_PREFIXES = ("/api/", "/healthz", "/openapi.json", "/docs", "/redoc")
"""Paths answered in JSON, whoever asks."""

Handler = Callable[[Request, Any], Response | Awaitable[Response]]

_TITLES = {404: "未找到", 405: "不支持此操作", 500: "出错了", 503: "请稍后重试"}
_MESSAGES = {
    404: "没有这个页面，请检查地址，或从上方导航进入",
    405: "此页面不接受这种请求，请从页面上的按钮或链接操作",
    500: "服务器处理时出错，请稍后重试；如果一再出现，请告诉系统管理员",
}


def is_api_path(path: str) -> bool:
    """Whether ``path`` belongs to the API (answered in JSON)."""
    return path.startswith(API_PREFIXES) or path == "/api"


def install_error_pages(app: FastAPI) -> None:
    """Answer errors of non-API paths with Chinese pages; call after the API's handlers are
    installed (they still answer the API)."""
    for kind, handler in list(app.exception_handlers.items()):
        if isinstance(kind, type) and issubclass(kind, Exception):
            app.add_exception_handler(kind, _html_for_console(handler))
    app.add_exception_handler(Exception, _unexpected)


def _html_for_console(api_handler: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        answer = api_handler(request, exc)
        if inspect.isawaitable(answer):
            answer = await answer
        if is_api_path(request.url.path) or not isinstance(answer, JSONResponse):
            return answer
        status = answer.status_code
        try:
            message = json.loads(bytes(answer.body))["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = ""
        page = _page(request, status, _MESSAGES.get(status) or message or "请求无法完成")
        for name in ("Retry-After", "Allow"):
            if name in answer.headers:
                page.headers[name] = answer.headers[name]
        return page

    return handler


async def _unexpected(request: Request, exc: Exception) -> Response:
    """A bug, not the user's doing: logged with its traceback, answered without one."""
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    if is_api_path(request.url.path):
        body = {"error": {"code": "internal", "message": "服务器内部错误，请稍后重试"}}
        return JSONResponse(body, status_code=500)
    return _page(request, 500, _MESSAGES[500])


def _page(request: Request, status: int, message: str) -> Response:
    """``error.html`` for ``status``, with the header of the signed-in user if any."""
    try:
        session_user(request)
    except LoginRequired:
        pass  # the page is shown without the staff header
    except Exception:  # the session store itself failing must not hide the error page
        log.warning("no session for the error page", exc_info=True)
    title = _TITLES.get(status, "无法完成")
    return render(request, "error.html", {"title": title, "message": message}, status=status)

"""The one application factory: the HTTP API, the public progress page and the web console
on one ASGI application, with the deadline scheduler in the process when asked.

Every answer passes three outermost layers, outside even the handler of unexpected errors:
the request's id, log line and metrics (`jingban.api.observe`);
the client address and scheme of a request from a trusted proxy (``JINGBAN_TRUSTED_PROXIES``)
are taken from its ``X-Forwarded-For`` and ``X-Forwarded-Proto``, any other request keeps the
connection's; and the security headers of `jingban.api.headers` are added.

This module sits above the front ends (api, console, scheduler) and below the CLI, which
serves what it builds (`jingban serve`, through `jingban.asgi`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI
from starlette.types import ASGIApp

from jingban import __version__, console
from jingban.api import install_api
from jingban.api.headers import SecurityHeaders
from jingban.services import Services
from jingban.settings import settings

__all__ = ["MaskedQueryStrings", "create_app", "mask_access_log"]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _App(FastAPI):
    """FastAPI with the proxy and security-header layers around its whole stack."""

    def build_middleware_stack(self) -> ASGIApp:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        from jingban.api.observe import RequestObserver

        config = settings()
        app: ASGIApp = SecurityHeaders(
            super().build_middleware_stack(), hsts_seconds=config.hsts_seconds
        )
        app = RequestObserver(app, hide_query=lambda path: path.startswith(_SECRET_QUERY_PATHS))
        trusted = [h.strip() for h in config.trusted_proxies.split(",") if h.strip()]
        if trusted:
            app = ProxyHeadersMiddleware(app, trusted_hosts=trusted)  # type: ignore[arg-type,assignment]
        return app


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

    app = _App(
        lifespan=lifespan,
        docs_url=None,  # served without a CDN by jingban.api.docs
        redoc_url=None,
        title="jingban 经办 API",
        version=__version__,
        description=(
            "医疗保障经办事项的办件跟踪: 登记、受理、审核、拨付、办结，时限预警，公众进度查询。"
        ),
    )
    app.state.services = services
    app.state.clock = clock
    app.state.scheduler = None
    install_api(app)
    app.include_router(console.router)
    console.install_error_pages(app)
    return app


# Paths whose query strings may carry a secret (the public query's old GET: the query code).
# Paths whose query strings carry a query code or what identifies a person (a name, a whole
# identity number typed into a search): the access log shows the path only.
_SECRET_QUERY_PATHS = ("/api/public/", "/api/cases", "/find", "/search", "/work")
_HIDDEN = "?(hidden)"


class MaskedQueryStrings(logging.Filter):
    """Hides the query string of the public API's paths and of the searches by person in
    uvicorn's access log lines (their arguments: client, method, path with query, HTTP
    version, status), so neither a query code sent the old way, in the URL, nor a name or
    identity number searched for is ever written to a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, mark, _ = args[2].partition("?")
            if mark and path.startswith(_SECRET_QUERY_PATHS):
                record.args = (args[0], args[1], path + _HIDDEN, *args[3:])
        return True


def mask_access_log(logger: logging.Logger | None = None) -> None:
    """Install `MaskedQueryStrings` on uvicorn's access logger (once; idempotent)."""
    target = logger or logging.getLogger("uvicorn.access")
    if not any(isinstance(f, MaskedQueryStrings) for f in target.filters):
        target.addFilter(MaskedQueryStrings())

"""Every request, observed once, outside everything but the proxy layer: its request id, one
log line, and the request metrics.

Promises:

- the request id is the request's ``X-Request-ID`` when it is short and plain, else a fresh
  one (`jingban.logs.request_id_from`); it is in force (`jingban.logs.REQUEST_ID`) while the
  request is handled — so the line of each case action it takes carries it — and is sent
  back as the answer's ``X-Request-ID``, errors included;
- one line on the ``jingban.http`` logger per request: client, method, path, HTTP version,
  status and duration (``127.0.0.1:50312 - "GET /healthz HTTP/1.1" 200 1.2ms``), with the
  route template, status and duration as fields; the query string of a path that may carry
  a secret or a person's data is shown as ``?(hidden)`` (the rule `jingban.server` passes
  in), and the handler's formatter masks whatever else might identify a person;
- ``jingban_http_requests_total{method,route,status}`` and
  ``jingban_http_request_duration_seconds{method,route}``, labelled by the route template
  (``/api/cases/{case_no}``), never by the raw path, so a client cannot grow the series;
  a path no route serves is labelled ``unmatched``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingban.logs import REQUEST_ID, request_id_from

__all__ = ["REQUESTS", "REQUEST_SECONDS", "RequestObserver"]

log = logging.getLogger("jingban.http")

REQUESTS = Counter(
    "jingban_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "jingban_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def route_of(scope: Scope) -> str:
    """The template of the route that served ``scope`` (``unmatched`` when none did)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


class RequestObserver:
    """ASGI middleware doing the above for HTTP requests (other scopes pass through)."""

    def __init__(self, app: ASGIApp, *, hide_query: Callable[[str], bool]) -> None:
        self.app = app
        self.hide_query = hide_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"),
            None,
        )
        rid = request_id_from(header)
        token = REQUEST_ID.set(rid)
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            self._record(scope, status, seconds, rid)
            REQUEST_ID.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float, rid: str) -> None:
        method = str(scope.get("method", "GET"))
        route = route_of(scope)
        REQUESTS.labels(method, route, str(status)).inc()
        REQUEST_SECONDS.labels(method, route).observe(seconds)
        path = str(scope.get("path", ""))
        query = scope.get("query_string", b"").decode("latin-1")
        if query:
            path = f"{path}?(hidden)" if self.hide_query(path) else f"{path}?{query}"
        client = scope.get("client")
        who = f"{client[0]}:{client[1]}" if client else "-"
        log.info(
            '%s - "%s %s HTTP/%s" %d %.1fms',
            who,
            method,
            path,
            scope.get("http_version", "1.1"),
            status,
            seconds * 1000,
            extra={
                "request_id": rid,
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )

"""Security headers on every answer the application sends: pages, the API, errors (500s
included), static files and the API documentation.

Promises: every HTTP answer carries Content-Security-Policy, X-Frame-Options,
X-Content-Type-Options and Referrer-Policy, and Strict-Transport-Security when the request
came over HTTPS (directly, or through a trusted proxy's ``X-Forwarded-Proto``) unless
``JINGBAN_HSTS_SECONDS`` is 0. A page with inline script or style of its own (the public
progress page, the API documentation) sets its own policy with `page_policy`, which allows
exactly those inline blocks by their SHA-256 and nothing else; every other answer gets
`POLICY`, which allows scripts, styles and connections from this server only. No page may
be framed by another site.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
"""The Content-Security-Policy of everything but pages with their own (`page_policy`)."""

FIXED = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)

_INLINE = {
    "script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I),
    "style": re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I),
}


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def page_policy(html: str, *, script: str = "'self'", style: str = "'self'") -> str:
    """`POLICY` for ``html``, also allowing each of its inline ``<script>`` and ``<style>``
    blocks by hash (``script`` and ``style``: the sources allowed besides)."""
    scripts = " ".join(_sha256(body) for body in _INLINE["script"].findall(html))
    styles = " ".join(_sha256(body) for body in _INLINE["style"].findall(html))
    return POLICY.replace("script-src 'self'", f"script-src {script} {scripts}".rstrip()).replace(
        "style-src 'self'", f"style-src {style} {styles}".rstrip()
    )


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer (a header the answer
    already has — a page's own policy — is left as it is)."""

    def __init__(self, app: ASGIApp, *, hsts_seconds: int) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_seconds}".encode() if hsts_seconds > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [*FIXED, (b"content-security-policy", POLICY.encode())]
                if secure and self.hsts is not None:
                    extra.append((b"strict-transport-security", self.hsts))
                headers.extend((k, v) for k, v in extra if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

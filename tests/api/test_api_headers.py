"""Security headers on a sample of every kind of answer: console pages, redirects and error
pages, API answers and errors (a 500 included), static files, the API documentation and the
public progress page; HSTS only over HTTPS (directly or through a trusted proxy)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from api_support import Api
from fastapi import FastAPI
from fastapi.testclient import TestClient

from jingban.api.headers import POLICY
from jingban.server import create_app

FIXED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
# (method, path, expected status): one of each kind of answer.
SAMPLE = [
    ("GET", "/login", 200),  # a console page
    ("GET", "/", 303),  # a console redirect
    ("GET", "/work", 303),  # a console page without a session
    ("GET", "/no-such-page", 404),  # a console error page
    ("POST", "/login", 403),  # a refused console form
    ("GET", "/console-static/console.css", 200),  # a static file
    ("GET", "/console-static/nothing.js", 404),
    ("GET", "/healthz", 200),  # API JSON
    ("GET", "/openapi.json", 200),
    ("GET", "/api/me", 401),  # API errors
    ("POST", "/api/auth/token", 422),
    ("PUT", "/api/auth/token", 405),
    ("GET", "/api/no-such-thing", 404),
    ("GET", "/api/broken", 500),
    ("GET", "/broken-page", 500),
    ("GET", "/docs", 200),  # the API documentation and its files
    ("GET", "/docs/oauth2-redirect", 200),
    ("GET", "/docs-static/swagger-ui.css", 200),
    ("GET", "/redoc", 307),
    ("GET", "/progress", 200),  # the public page
    ("POST", "/api/public/progress", 422),
]
OWN_POLICY = {"/docs", "/docs/oauth2-redirect", "/progress"}


def _broken() -> None:
    raise RuntimeError("secret internals")


def _with_broken_routes(api: Api) -> TestClient:
    app = api.client.app
    assert isinstance(app, FastAPI)
    app.get("/broken-page")(_broken)
    app.get("/api/broken")(_broken)
    return api.client


def _inline_hashes(html: str) -> set[str]:
    blocks = re.findall(r"<script>(.*?)</script>", html, re.S) + re.findall(
        r"<style>(.*?)</style>", html, re.S
    )
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
        for b in blocks
    }


@pytest.mark.parametrize(
    ("method", "path", "status"), SAMPLE, ids=[f"{m} {p}" for m, p, _ in SAMPLE]
)
def test_every_kind_of_answer_carries_the_security_headers(
    sqlite_api: Api, method: str, path: str, status: int
) -> None:
    client = _with_broken_routes(sqlite_api)
    r = client.request(method, path, follow_redirects=False)
    assert r.status_code == status, r.text[:300]
    for name, value in FIXED.items():
        assert r.headers.get(name) == value, (name, path)
    policy = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "strict-transport-security" not in r.headers  # plain HTTP
    if path in OWN_POLICY:
        hashes = _inline_hashes(r.text)
        assert hashes and all(h in policy for h in hashes), policy
    else:
        assert policy == POLICY
    assert len(r.headers.get_list("content-security-policy")) == 1


def test_hsts_is_sent_over_https_only(sqlite_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    app = sqlite_api.client.app
    secure = TestClient(app, base_url="https://jb.example.cn")
    for path in ("/login", "/api/me", "/console-static/console.css", "/docs"):
        assert secure.get(path).headers["strict-transport-security"] == "max-age=31536000"
    # Behind a trusted proxy that says it took HTTPS, and only then.
    monkeypatch.setenv("JINGBAN_TRUSTED_PROXIES", "10.0.0.1")
    behind = create_app(sqlite_api.services, clock=sqlite_api.clock)
    proto = {"X-Forwarded-Proto": "https"}
    proxy = TestClient(behind, client=("10.0.0.1", 1))
    assert "strict-transport-security" in proxy.get("/login", headers=proto).headers
    stranger = TestClient(behind, client=("203.0.113.7", 1))
    assert "strict-transport-security" not in stranger.get("/login", headers=proto).headers
    monkeypatch.setenv("JINGBAN_HSTS_SECONDS", "0")
    quiet = TestClient(
        create_app(sqlite_api.services, clock=sqlite_api.clock), base_url="https://x"
    )
    assert "strict-transport-security" not in quiet.get("/login").headers


def test_console_templates_have_no_inline_script_or_style() -> None:
    from jingban.console.web import _HERE

    for template in sorted((_HERE / "templates").rglob("*.html")):
        html = template.read_text("utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), template
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=|javascript:", html), template

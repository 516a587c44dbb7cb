"""/docs works without internet (Swagger UI's files served by the application itself), and
errors speak the asker's language: JSON for the API, Chinese pages for the console."""

from __future__ import annotations

import re

import pytest
from api_support import Api
from fastapi import FastAPI

from jingban.console.web import SESSION_COOKIE

EXTERNAL = re.compile(r"""(?:src|href|url)\s*[=:(]\s*["']?(?:https?:)?//""", re.IGNORECASE)


def test_docs_reference_no_external_host(sqlite_api: Api) -> None:
    page = sqlite_api.client.get("/docs")
    assert page.status_code == 200
    assert "swagger-ui" in page.text
    assert not EXTERNAL.search(page.text), page.text
    assert "cdn" not in page.text.lower()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert {"/docs-static/swagger-ui-bundle.js", "/docs-static/swagger-ui.css"} <= set(assets)
    assert "'/openapi.json'" in page.text or '"/openapi.json"' in page.text


@pytest.mark.parametrize(
    ("path", "media", "marker"),
    [
        ("/docs-static/swagger-ui-bundle.js", "text/javascript", "SwaggerUIBundle"),
        ("/docs-static/swagger-ui.css", "text/css", ".swagger-ui"),
        ("/docs-static/favicon-32x32.png", "image/png", ""),
    ],
)
def test_docs_assets_are_served_locally(
    sqlite_api: Api, path: str, media: str, marker: str
) -> None:
    answer = sqlite_api.client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(media)
    assert marker in answer.text if marker else answer.content[:4] == b"\x89PNG"


def test_only_listed_docs_assets_are_served(sqlite_api: Api) -> None:
    assert sqlite_api.client.get("/docs-static/index.html").status_code == 404
    assert sqlite_api.client.get("/docs-static/..%2Fswagger-ui.js").status_code == 404


def test_redoc_leads_to_docs_and_the_oauth_page_is_local(sqlite_api: Api) -> None:
    answer = sqlite_api.client.get("/redoc", follow_redirects=False)
    assert answer.status_code == 307 and answer.headers["location"] == "/docs"
    redirect = sqlite_api.client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200 and not EXTERNAL.search(redirect.text)


def test_an_unknown_console_path_is_a_chinese_page(sqlite_api: Api) -> None:
    answer = sqlite_api.client.get("/no-such-page")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "<h1>未找到</h1>" in answer.text and "没有这个页面" in answer.text
    assert '"error"' not in answer.text and "Not Found" not in answer.text
    assert 'lang="zh-CN"' in answer.text


def test_a_signed_in_user_keeps_the_header_on_the_error_page(sqlite_api: Api) -> None:
    token = sqlite_api.login("clerk_a")["Authorization"].removeprefix("Bearer ")
    sqlite_api.client.cookies.set(SESSION_COOKIE, token)
    try:
        answer = sqlite_api.client.get("/cases/x/y/z")
    finally:
        sqlite_api.client.cookies.clear()
    assert answer.status_code == 404
    assert "主导航" in answer.text and "<h1>未找到</h1>" in answer.text


def test_a_wrong_method_on_a_console_page_is_a_chinese_page(sqlite_api: Api) -> None:
    answer = sqlite_api.client.put("/login")
    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("text/html")
    assert "不支持此操作" in answer.text and "Method Not Allowed" not in answer.text


def test_api_paths_keep_their_json_errors(sqlite_api: Api) -> None:
    missing = sqlite_api.client.get("/api/no-such-thing")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "没有这个地址"}}
    wrong = sqlite_api.client.put("/api/auth/token")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


def test_an_unexpected_failure_is_a_500_page_without_a_traceback(sqlite_api: Api) -> None:
    app = sqlite_api.client.app
    assert isinstance(app, FastAPI)

    def broken() -> None:
        raise RuntimeError("secret internals")

    app.get("/broken-page")(broken)
    app.get("/api/broken")(broken)
    page = sqlite_api.client.get("/broken-page")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "出错了" in page.text and "secret internals" not in page.text
    assert "Traceback" not in page.text
    api = sqlite_api.client.get("/api/broken")
    assert api.status_code == 500 and api.json()["error"]["code"] == "internal"
    assert "secret internals" not in api.text

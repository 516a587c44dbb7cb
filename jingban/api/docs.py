"""The interactive API documentation (/docs), served with no network: Swagger UI's files
come from the `swagger-ui-bundle` package, not from a CDN, so the page works in an office
without internet access.

Promises: /docs references only this server (its own /docs-static/ files and /openapi.json);
/docs-static/ serves only the Swagger UI files it lists, with their content types; /redoc,
which needs a CDN, leads to /docs. /docs and its OAuth2 redirect page carry a
Content-Security-Policy that allows their own inline script by hash, and nothing from
elsewhere (`jingban.api.headers.page_policy`).
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from jingban.api.headers import page_policy
from jingban.errors import NotFound

STATIC_PREFIX = "/docs-static"
_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def _assets() -> Path:
    return Path(swagger_ui_bundle.swagger_ui_path)


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = page_policy(bytes(page.body).decode())
    return page


def install_docs(app: FastAPI) -> None:
    """Add /docs, its OAuth2 redirect page, its static files and the /redoc redirect to
    ``app`` (built with ``docs_url=None, redoc_url=None``)."""
    redirect = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return _with_policy(
            get_swagger_ui_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} · 接口文档",
                swagger_js_url=f"{STATIC_PREFIX}/swagger-ui-bundle.js",
                swagger_css_url=f"{STATIC_PREFIX}/swagger-ui.css",
                swagger_favicon_url=f"{STATIC_PREFIX}/favicon-32x32.png",
                oauth2_redirect_url=redirect,
            )
        )

    @app.get(redirect, include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return _with_policy(get_swagger_ui_oauth2_redirect_html())

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs", status_code=307)

    @app.get(STATIC_PREFIX + "/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        media = _FILES.get(name)
        if media is None:
            raise NotFound(f"没有这个文件: {name}")
        headers = {"Cache-Control": "public, max-age=86400"}
        return FileResponse(_assets() / name, media_type=media, headers=headers)

"""Token revocation, on SQLite and PostgreSQL: POST /api/auth/logout and DELETE
/api/auth/token end the presented token, `jingban user tokens NAME` lists a user's tokens
(masked) and `--revoke-all` ends them; revocation holds at once in every process."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from api_support import PASSWORD, START, Api
from cli_inproc import run_cli as _cli
from fastapi.testclient import TestClient
from sqlalchemy import text

from jingban.server import create_app
from jingban.services import Services
from jingban.storage import Database
from jingban.storage.accounts import AccountStore
from jingban.storage.migrate import upgrade


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token(client: TestClient, name: str = "clerk_a") -> str:
    r = client.post("/api/auth/token", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/auth/logout"),
                                              ("DELETE", "/api/auth/token")])  # fmt: skip
def test_logout_revokes_the_presented_token_only(api: Api, method: str, path: str) -> None:
    api.user("clerk_a")
    first, second = _token(api.client), _token(api.client)
    r = api.client.request(method, path, headers=_bearer(first))
    assert (r.status_code, r.content) == (204, b"")
    assert api.client.get("/api/me", headers=_bearer(first)).status_code == 401
    assert api.client.get("/api/me", headers=_bearer(second)).status_code == 200
    again = api.client.request(method, path, headers=_bearer(first))
    assert again.status_code == 401 and again.json()["error"]["code"] == "unauthenticated"
    assert api.client.request(method, path).status_code == 401
    assert api.client.request(method, path, headers=_bearer("made-up")).status_code == 401


def test_revocation_holds_at_once_in_every_process(api: Api) -> None:
    api.user("clerk_a")
    other = Services(Database(api.db.url))  # another worker: its own engine and caches
    try:
        elsewhere = TestClient(create_app(other, clock=api.clock))
        token, kept = _token(api.client), _token(api.client)
        assert elsewhere.get("/api/me", headers=_bearer(token)).status_code == 200
        assert api.client.post("/api/auth/logout", headers=_bearer(token)).status_code == 204
        assert elsewhere.get("/api/me", headers=_bearer(token)).status_code == 401
        assert elsewhere.get("/api/me", headers=_bearer(kept)).status_code == 200
        code, out, _ = _cli(api.db.url, "user", "tokens", "clerk_a", "--revoke-all")
        assert code == 0 and "已撤销 clerk_a 的 1 个令牌" in out
        for client in (api.client, elsewhere):
            assert client.get("/api/me", headers=_bearer(kept)).status_code == 401
    finally:
        other.db.dispose()
    last = api.accounts.events("clerk_a")[0]
    assert (last.kind, last.actor, last.label) == ("tokens_revoked", "admin", "撤销全部令牌")


def test_user_tokens_lists_masked_tokens_with_their_last_use(api: Api) -> None:
    api.clock.now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)  # the command's clock
    api.user("clerk_a")
    token = _token(api.client)
    api.clock.advance(minutes=5)
    assert api.client.get("/api/me", headers=_bearer(token)).status_code == 200
    api.accounts.authenticate("clerk_a", PASSWORD, now=api.clock(), via="console", client="x")
    code, out, err = _cli(api.db.url, "user", "tokens", "clerk_a", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [t["via"] for t in listed] == ["console", "api"]  # newest first
    api_token = listed[1]
    assert api_token["token"] == token[:6] + "…" and token not in out
    assert api_token["client"] == "testclient"
    issued = dt.datetime.fromisoformat(api_token["issued_at"])
    used = dt.datetime.fromisoformat(api_token["last_used_at"])
    assert used - issued == dt.timedelta(minutes=5)
    code, out, _ = _cli(api.db.url, "user", "tokens", "clerk_a")
    assert code == 0 and token[:6] + "…" in out and "API 令牌" in out and "控制台会话" in out
    code, _, err = _cli(api.db.url, "user", "tokens", "nobody")
    assert code != 0 and "没有用户 nobody" in err and "Traceback" not in err


def test_tokens_issued_before_the_migration_keep_working(db_url: str, cheap_hashes: Any) -> None:
    db = Database(db_url, migrate=False)
    upgrade(db.engine, "0010_accounts_password")
    token = "old-token-" + "x" * 30
    with db.engine.begin() as conn:
        at = {"i": _stored(conn, START), "e": _stored(conn, START + dt.timedelta(hours=10))}
        conn.execute(
            text(
                "INSERT INTO users (username, display_name, role, password_hash, disabled, "
                "created_at, must_change_password) VALUES ('clerk_old', '老员工', 'clerk', 'x', "
                ":f, :i, :f)"
            ),
            {**at, "f": False},
        )
        conn.execute(
            text(
                "INSERT INTO api_tokens (token_hash, user_id, issued_at, expires_at) "
                "SELECT :h, id, :i, :e FROM users WHERE username = 'clerk_old'"
            ),
            {**at, "h": hashlib.sha256(token.encode()).hexdigest()},
        )
    db.upgrade()
    store = AccountStore(db)
    later = START + dt.timedelta(hours=1)
    assert store.user_for_token(token, later).username == "clerk_old"
    listed = store.tokens("clerk_old", later)
    assert [(t.masked, t.via, t.client) for t in listed] == [("…", None, None)]
    assert listed[0].last_used_at == later  # the request just now
    db.dispose()


def _stored(conn: Any, at: dt.datetime) -> Any:
    """``at`` as a raw statement stores it (SQLite keeps naive UTC text)."""
    if conn.dialect.name == "sqlite":
        return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    return at

"""Passwords someone else set must be changed first; a change ends the other tokens.

An account added with an initial password (or reset by an administrator) gets no API token:
POST /api/auth/token answers 403 with code ``password_change_required`` once the password is
right (a wrong one still answers 401, so the 403 tells nothing to a guesser). A console
session of such an account cannot be used as a bearer token either. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

from api_support import PASSWORD, Api

NEW = "Kashi-window-2027"


def _token(api: Api, name: str, password: str) -> tuple[int, dict[str, object]]:
    r = api.client.post("/api/auth/token", json={"username": name, "password": password})
    return r.status_code, r.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_initial_password_gets_no_token_until_its_holder_changes_it(api: Api) -> None:
    api.accounts.add_user(
        "new_clerk", role="clerk", password=PASSWORD, now=api.clock(), region="kashgar",
        must_change=True, actor="admin",
    )  # fmt: skip
    status, body = _token(api, "new_clerk", PASSWORD)
    assert status == 403
    assert body["error"]["code"] == "password_change_required"  # type: ignore[index]
    assert "修改密码" in body["error"]["message"]  # type: ignore[index]
    assert _token(api, "new_clerk", "wrong-password-1")[0] == 401  # no hint for a guesser

    api.accounts.change_password("new_clerk", PASSWORD, NEW, now=api.clock())
    status, body = _token(api, "new_clerk", NEW)
    assert status == 200, body
    assert _token(api, "new_clerk", PASSWORD)[0] == 401


def test_a_console_session_of_a_must_change_account_is_refused_by_the_api(api: Api) -> None:
    api.accounts.add_user(
        "new_payer", role="payer", password=PASSWORD, now=api.clock(), region="kashgar",
        must_change=True,
    )  # fmt: skip
    _user, session, _ = api.accounts.authenticate("new_payer", PASSWORD, now=api.clock())
    r = api.client.get("/api/me", headers=_bearer(session))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "password_change_required"


def test_changing_a_password_ends_the_accounts_other_tokens(api: Api) -> None:
    api.user("clerk_k")
    first = _token(api, "clerk_k", PASSWORD)[1]["access_token"]
    second = _token(api, "clerk_k", PASSWORD)[1]["access_token"]
    other = api.login("reviewer_k")
    for token in (first, second):
        assert api.client.get("/api/me", headers=_bearer(str(token))).status_code == 200

    api.accounts.change_password("clerk_k", PASSWORD, NEW, now=api.clock(), keep_token=str(first))
    assert api.client.get("/api/me", headers=_bearer(str(first))).status_code == 200
    gone = api.client.get("/api/me", headers=_bearer(str(second)))
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "unauthenticated"
    assert api.client.get("/api/me", headers=other).status_code == 200  # another account


def test_an_administrators_reset_ends_every_token_and_asks_for_a_change(api: Api) -> None:
    headers = api.login("clerk_a")
    api.accounts.reset_password("clerk_a", "Temporary-pass-1", actor="admin", now=api.clock())
    assert api.client.get("/api/me", headers=headers).status_code == 401
    assert _token(api, "clerk_a", PASSWORD)[0] == 401
    status, body = _token(api, "clerk_a", "Temporary-pass-1")
    assert (status, body["error"]["code"]) == (403, "password_change_required")  # type: ignore[index]
    kinds = [e.kind for e in api.accounts.events("clerk_a")]
    assert kinds == ["password_reset", "created"]
    assert api.accounts.events("clerk_a")[0].actor == "admin"

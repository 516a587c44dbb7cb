"""Signing in: tokens, expiry, disabled accounts, and 401 on every staff endpoint without a
live token (the limits on failed sign-ins: `test_api_login_limits`)."""

from __future__ import annotations

import datetime as dt
import re

from api_support import PASSWORD, Api

from jingban.storage import Database
from jingban.storage.accounts import AccountStore

WRONG = "wrong-password-1"
# Every staff endpoint, with parameters that would otherwise be valid.
STAFF_ENDPOINTS = [
    ("GET", "/api/me", None),
    ("GET", "/api/items?region=sichuan", None),
    ("GET", "/api/items/inpatient_reimbursement?region=sichuan", None),
    ("GET", "/api/cases", None),
    (
        "POST",
        "/api/cases",
        {"region": "sichuan", "item": "x", "applicant_name": "王", "applicant_id": "1"},
    ),
    ("GET", "/api/cases/SC-20261123-00001-Q", None),
    ("POST", "/api/cases/SC-20261123-00001-Q/actions/accept", {}),
    ("GET", "/api/alerts", None),
    ("GET", "/api/reports/on-time", None),
    ("GET", "/api/calendar/due?start=2026-11-23&n=3", None),
]


def _login(api: Api, name: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return api.client.post("/api/auth/token", json={"username": name, "password": password})


def test_good_password_gives_a_bearer_token_for_ten_hours(api: Api) -> None:
    api.user("clerk_a")
    r = _login(api, "clerk_a")
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["username"] == "clerk_a" and body["role"] == "clerk"
    assert len(body["access_token"]) >= 32
    assert dt.datetime.fromisoformat(body["expires_at"]) == api.clock() + dt.timedelta(hours=10)
    assert body["expires_at"].endswith("+08:00")
    me = api.client.get(
        "/api/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    ).json()
    assert me == {
        "username": "clerk_a",
        "display_name": "clerk_a",
        "role": "clerk",
        "region": "sichuan",
        "office": "成都市医疗保障事务中心",
    }


def test_wrong_password_unknown_user_and_disabled_user_get_the_same_401(api: Api) -> None:
    api.user("clerk_a")
    api.user("clerk_b")
    api.accounts.set_disabled("clerk_b")
    answers = [
        _login(api, "clerk_a", WRONG),
        _login(api, "nobody_here", WRONG),
        _login(api, "clerk_b", PASSWORD),  # right password, disabled account
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({r.text for r in answers}) == 1
    assert answers[0].json()["error"]["code"] == "unauthenticated"
    assert all(r.headers["WWW-Authenticate"] == "Bearer" for r in answers)
    assert "access_token" not in answers[2].text


def test_disabling_an_account_kills_its_live_token(api: Api) -> None:
    headers = api.login("clerk_a")
    assert api.client.get("/api/me", headers=headers).status_code == 200
    api.accounts.set_disabled("clerk_a")
    r = api.client.get("/api/me", headers=headers)
    assert r.status_code == 401
    api.accounts.set_disabled("clerk_a", False)
    assert api.client.get("/api/me", headers=headers).status_code == 401  # stays revoked
    assert _login(api, "clerk_a").status_code == 200


def test_token_expires_after_ten_hours_by_the_app_clock(api: Api) -> None:
    headers = api.login("clerk_a")
    api.clock.advance(hours=10, seconds=-1)
    assert api.client.get("/api/me", headers=headers).status_code == 200
    api.clock.advance(seconds=1)
    r = api.client.get("/api/me", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_staff_endpoints_answer_401_without_a_live_token(api: Api) -> None:
    api.user("clerk_a")
    for method, path, body in STAFF_ENDPOINTS:
        for headers in (
            {},
            {"Authorization": "Bearer not-a-token"},
            {"Authorization": f"Basic {PASSWORD}"},
        ):
            r = api.client.request(method, path, json=body, headers=headers)
            assert r.status_code == 401, (path, headers, r.text)
            assert r.json()["error"]["code"] == "unauthenticated"
            assert r.headers["WWW-Authenticate"] == "Bearer"


TOKEN_422 = [
    ({"password": PASSWORD}, "username"),
    ({"username": "clerk_a"}, "password"),
    ({"username": "", "password": PASSWORD}, "username"),
    ({"username": "clerk_a", "password": PASSWORD, "otp": "1"}, "otp"),
]


def test_token_request_validation_names_the_field(api: Api) -> None:
    for body, field in TOKEN_422:
        r = api.client.post("/api/auth/token", json=body)
        assert r.status_code == 422, body
        error = r.json()["error"]
        assert error["code"] == "invalid"
        assert error["field"] == field
        assert error["message"].startswith(f"{field}: ")


def test_passwords_are_stored_as_memory_hard_argon2id(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'jingban.db'}")
    AccountStore(db).add_user(
        "clerk_x", role="clerk", password=PASSWORD, now=dt.datetime.now(dt.UTC)
    )
    with db.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM users").scalar_one()
    db.dispose()
    assert PASSWORD not in stored
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", stored)
    assert match, stored
    assert int(match[1]) >= 19 * 1024  # KiB: OWASP's minimum for argon2id

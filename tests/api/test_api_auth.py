"""Signing in: tokens, expiry, disabled accounts, the lock after 5 failures in 15 minutes,
and 401 on every staff endpoint without a live token."""

from __future__ import annotations

import datetime as dt
import re

import pytest
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


@pytest.mark.parametrize("name", ["clerk_a", "no_such_user"])
def test_five_failures_lock_the_name_for_fifteen_minutes(api: Api, name: str) -> None:
    api.user("clerk_a")
    for _ in range(5):
        assert _login(api, name, WRONG).status_code == 401
    locked = _login(api, name, PASSWORD if name == "clerk_a" else WRONG)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "rate_limited"
    assert locked.headers["Retry-After"] == str(15 * 60 + 1)
    # Another name is not locked, and the lock does not say whether the name exists.
    assert _login(api, "clerk_a" if name != "clerk_a" else "no_such_user", WRONG).status_code == 401
    api.clock.advance(minutes=15)
    if name == "clerk_a":
        assert _login(api, name).status_code == 200


def test_lock_answer_is_the_same_for_known_and_unknown_names(api: Api) -> None:
    api.user("clerk_a")
    answers = []
    for name in ("clerk_a", "no_such_user"):
        for _ in range(5):
            _login(api, name, WRONG)
        answers.append(_login(api, name, WRONG))
    assert [r.status_code for r in answers] == [429, 429]
    assert answers[0].text == answers[1].text
    assert answers[0].headers["Retry-After"] == answers[1].headers["Retry-After"]


def test_the_window_slides_and_retry_after_counts_down(api: Api) -> None:
    api.user("clerk_a")
    for _ in range(4):
        _login(api, "clerk_a", WRONG)
    api.clock.advance(minutes=10)
    assert _login(api, "clerk_a", WRONG).status_code == 401  # the fifth, 10 minutes later
    locked = _login(api, "clerk_a")
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == str(5 * 60 + 1)
    api.clock.advance(minutes=5)  # the first four are now 15 minutes old
    assert _login(api, "clerk_a").status_code == 200


def test_locked_attempts_do_not_extend_the_lock(api: Api) -> None:
    api.user("clerk_a")
    for _ in range(5):
        _login(api, "clerk_a", WRONG)
    for _ in range(3):
        api.clock.advance(minutes=4)
        assert _login(api, "clerk_a", WRONG).status_code == 429
    api.clock.advance(minutes=3)
    assert _login(api, "clerk_a").status_code == 200


def test_the_lock_ignores_the_case_of_the_name(api: Api) -> None:
    api.user("clerk_a")
    for variant in ("CLERK_A", "Clerk_A", "clerk_A", " clerk_a", "cLeRk_a"):
        _login(api, variant, WRONG)
    assert _login(api, "clerk_a").status_code == 429


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

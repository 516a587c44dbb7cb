"""Limits on failed sign-ins (POST /api/auth/token), on SQLite and PostgreSQL: an attacker
neither guesses quickly nor locks the clerk at the counter out.

Each test signs in from several client addresses (a test client per address). The counter's
address is one the clerk signed in from before, so it is the account's known address."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from api_support import PASSWORD, Api
from cli_inproc import run_cli
from fastapi.testclient import TestClient

WRONG = "wrong-password-1"
COUNTER = "10.20.0.15"
ATTACKER = "203.0.113.7"


def _from(api: Api, address: str) -> TestClient:
    return TestClient(api.client.app, client=(address, 40000), raise_server_exceptions=False)


def _login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    return client.post("/api/auth/token", json={"username": name, "password": password})


def _kinds(api: Api, name: str | None = None) -> list[str]:
    return [e.kind for e in reversed(api.accounts.events(name))]


def test_a_remote_attacker_cannot_lock_the_clerk_out(api: Api) -> None:
    api.user("clerk_a")
    counter, attacker = _from(api, COUNTER), _from(api, ATTACKER)
    assert _login(counter, "clerk_a").status_code == 200  # the clerk's usual address
    answers = []
    for _ in range(12):  # as fast as the limits let them: one try a minute
        answers.append(_login(attacker, "clerk_a", WRONG).status_code)
        api.clock.advance(minutes=1)
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    # The clerk at the counter signs in at once, right after the attacker's last try.
    assert _login(counter, "clerk_a").status_code == 200
    # A clerk's own mistakes at the counter are counted on their own.
    for _ in range(2):
        assert _login(counter, "clerk_a", WRONG).status_code == 401
    assert _login(counter, "clerk_a").status_code == 200


def test_five_failures_pause_that_address_for_that_account_only(api: Api) -> None:
    api.user("clerk_a")
    api.user("clerk_b")
    counter, attacker = _from(api, COUNTER), _from(api, ATTACKER)
    _login(counter, "clerk_a")
    for _ in range(5):
        assert _login(attacker, "clerk_a", WRONG).status_code == 401
        api.clock.advance(minutes=1)
    paused = _login(attacker, "clerk_a")  # even the right password is not checked
    assert paused.status_code == 429
    assert paused.json()["error"]["code"] == "rate_limited"
    assert paused.headers["Retry-After"] == str(10 * 60 + 1)  # the first failure + 15 min
    assert "access_token" not in paused.text
    assert _login(attacker, "clerk_b", WRONG).status_code == 401  # another account
    assert _login(counter, "clerk_a").status_code == 200  # another address
    api.clock.advance(minutes=10)
    assert _login(attacker, "clerk_a").status_code == 200


def test_the_account_wide_wait_doubles_and_is_checked_before_the_password(api: Api) -> None:
    api.user("clerk_a")
    addresses = iter(f"198.51.100.{n}" for n in range(1, 60))
    for _ in range(3):  # three failures, each from a new address
        assert _login(_from(api, next(addresses)), "clerk_a", WRONG).status_code == 401
    waits = []
    for _ in range(8):
        held = _login(_from(api, next(addresses)), "clerk_a")  # right password, new address
        assert held.status_code == 429, held.text
        waits.append(int(held.headers["Retry-After"]))
        api.clock.advance(seconds=waits[-1])
        assert _login(_from(api, next(addresses)), "clerk_a", WRONG).status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]  # doubling, at most a minute
    api.clock.advance(seconds=60)
    assert _login(_from(api, next(addresses)), "clerk_a").status_code == 200


def test_one_address_trying_many_names_is_paused_but_its_own_staff_are_not(api: Api) -> None:
    api.user("clerk_a")
    office = _from(api, COUNTER)
    assert _login(office, "clerk_a").status_code == 200
    guesser, elsewhere = _from(api, ATTACKER), _from(api, "192.0.2.44")
    for n in range(20):  # one try each on 20 names
        assert _login(guesser, f"name_{n}", WRONG).status_code == 401
    assert _login(guesser, "name_20", WRONG).status_code == 429
    assert _login(guesser, "clerk_a").status_code == 429
    assert _login(elsewhere, "name_21", WRONG).status_code == 401
    # Behind one office address: after 20 failures there, a clerk who signed in from it
    # before still can.
    for n in range(20):
        _login(office, f"typo_{n}", WRONG)
    assert _login(office, "nobody_yet", WRONG).status_code == 429
    assert _login(office, "clerk_a").status_code == 200


@pytest.mark.parametrize("limit", ["pair", "account"])
def test_limits_answer_the_same_for_known_and_unknown_names(api: Api, limit: str) -> None:
    api.user("clerk_a")
    answers = []
    for name in ("clerk_a", "no_such_user"):
        client = _from(api, ATTACKER)
        for n in range(5 if limit == "pair" else 3):
            who = client if limit == "pair" else _from(api, f"198.51.100.{n}")
            _login(who, name, WRONG)
            if limit == "pair":
                api.clock.advance(minutes=1)
        answers.append(_login(client, name, WRONG))
        api.clock.advance(minutes=20)
    assert [r.status_code for r in answers] == [429, 429]
    assert answers[0].text == answers[1].text
    assert answers[0].headers["Retry-After"] == answers[1].headers["Retry-After"]


def test_paused_attempts_do_not_extend_the_pause(api: Api) -> None:
    api.user("clerk_a")
    attacker = _from(api, ATTACKER)
    for _ in range(5):
        _login(attacker, "clerk_a", WRONG)
        api.clock.advance(seconds=70)
    for _ in range(3):
        api.clock.advance(minutes=3)
        assert _login(attacker, "clerk_a", WRONG).status_code == 429
    api.clock.advance(minutes=2, seconds=20)  # the first failure is now 15 minutes old
    assert _login(attacker, "clerk_a").status_code == 200


def test_the_limits_ignore_the_case_of_the_name(api: Api) -> None:
    api.user("clerk_a")
    attacker = _from(api, ATTACKER)
    for variant in ("CLERK_A", "Clerk_A", "clerk_A", " clerk_a", "cLeRk_a"):
        _login(attacker, variant, WRONG)
        api.clock.advance(minutes=1)
    assert _login(attacker, "clerk_a").status_code == 429


def test_a_success_clears_that_address_failures(api: Api) -> None:
    api.user("clerk_a")
    counter = _from(api, COUNTER)
    for _ in range(3):
        for _ in range(4):
            assert _login(counter, "clerk_a", WRONG).status_code == 401
            api.clock.advance(minutes=1)
        assert _login(counter, "clerk_a").status_code == 200


def test_an_administrator_unlocks_and_every_lock_and_unlock_is_recorded(api: Api) -> None:
    api.user("clerk_a")
    attacker = _from(api, ATTACKER)
    for _ in range(5):
        _login(attacker, "clerk_a", WRONG)
        api.clock.advance(minutes=1)
    assert _login(attacker, "clerk_a").status_code == 429
    locks = api.accounts.login_locks(["clerk_a", "clerk_b"], api.clock())
    assert list(locks) == ["clerk_a"] and locks["clerk_a"].failures == 5
    assert [a for a, _ in locks["clerk_a"].paused] == [ATTACKER] and locks["clerk_a"].active
    assert _kinds(api, "clerk_a") == ["created", "slowed", "locked"]

    assert api.accounts.unlock("clerk_a", actor="admin", now=api.clock()) == 5
    assert api.accounts.login_locks(["clerk_a"], api.clock()) == {}
    assert _login(attacker, "clerk_a").status_code == 200
    last = api.accounts.events("clerk_a")[0]
    assert (last.kind, last.actor, last.label) == ("unlocked", "admin", "解除登录限制")
    assert "5" in last.detail

    for n in range(20):  # an address's pause is recorded without an account
        _login(attacker, f"name_{n}", WRONG)
    assert _kinds(api)[-1] == "client_locked"
    assert api.accounts.events()[0].username == ""


def test_the_client_address_comes_from_a_trusted_proxy_only(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jingban.server import create_app

    api.user("clerk_a")
    monkeypatch.setenv("JINGBAN_TRUSTED_PROXIES", "10.0.0.1")
    app = create_app(api.services, clock=api.clock)
    proxy = TestClient(app, client=("10.0.0.1", 40000))
    direct = TestClient(app, client=(ATTACKER, 40000))
    # A spoofed header from anyone but the proxy is ignored.
    spoof = {"X-Forwarded-For": "10.20.0.99"}
    for _ in range(5):
        direct.post(
            "/api/auth/token", json={"username": "clerk_a", "password": WRONG}, headers=spoof
        )
        api.clock.advance(minutes=1)
    behind = {"X-Forwarded-For": f"{ATTACKER}, 10.20.0.99"}  # the proxy appended the client
    ok = proxy.post(
        "/api/auth/token", json={"username": "clerk_a", "password": PASSWORD}, headers=behind
    )
    assert ok.status_code == 200
    paused = proxy.post(
        "/api/auth/token",
        json={"username": "clerk_a", "password": PASSWORD},
        headers={"X-Forwarded-For": ATTACKER},
    )
    assert paused.status_code == 429
    tokens = api.accounts.tokens("clerk_a", api.clock())
    assert [t.client for t in tokens] == ["10.20.0.99"]


def test_jingban_user_unlock_lifts_the_limits_of_an_account(api: Api) -> None:
    api.clock.now = dt.datetime.now(dt.UTC)  # the command's clock
    api.user("clerk_a")
    attacker = _from(api, ATTACKER)
    for _ in range(5):
        _login(attacker, "clerk_a", WRONG)
    assert _login(attacker, "clerk_a").status_code == 429
    code, out, err = run_cli(
        api.db.url, "user", "unlock", "clerk_a", "--address", ATTACKER, "--actor", "admin_li"
    )
    assert code == 0, err
    assert out.strip() == f"已解除 clerk_a 的登录限制 (地址 {ATTACKER})，清除登录失败 3 次"
    assert _login(attacker, "clerk_a").status_code == 200
    event = api.accounts.events("clerk_a")[0]
    assert (event.kind, event.actor) == ("unlocked", "admin_li")
    code, _, err = run_cli(api.db.url, "user", "unlock", "nobody")
    assert code != 0 and "没有用户 nobody" in err and "Traceback" not in err

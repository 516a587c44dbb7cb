"""The console's sign-in under attack, over HTTP on SQLite and PostgreSQL: failed attempts
from elsewhere do not keep the clerk at the counter out; an administrator sees the limits on
员工账号 and lifts them with one button, and both are in the account log."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from test_console_accounts import PASSWORD, Console, _field, console, login

__all__ = ["console"]

COUNTER = "10.20.0.15"
ATTACKER = "203.0.113.7"


def _client(console: Console, address: str) -> TestClient:
    client = TestClient(
        console.app, raise_server_exceptions=False, follow_redirects=False, client=(address, 1)
    )
    console.clients.append(client)
    return client.__enter__()


def test_an_attacker_elsewhere_cannot_keep_the_clerk_out(console: Console) -> None:
    console.add("clerk_a", "clerk")
    counter, attacker = _client(console, COUNTER), _client(console, ATTACKER)
    assert login(counter, "clerk_a").status_code == 303  # the clerk's usual address
    counter.post("/logout", data={"csrf": _field(counter.get("/work").text, "csrf")})
    answers = []
    for _ in range(10):
        answers.append(login(attacker, "clerk_a", "guess-guess-1").status_code)
        console.now += dt.timedelta(minutes=1)
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    paused = login(attacker, "clerk_a")
    assert paused.status_code == 429 and "暂停" in paused.text
    signed_in = login(counter, "clerk_a")
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/work")


def test_an_administrator_sees_and_lifts_the_limits(console: Console) -> None:
    console.services.accounts.add_user("admin", role="admin", password=PASSWORD, now=console.now)
    console.add("clerk_a", "clerk")
    attacker = _client(console, ATTACKER)
    for _ in range(5):
        login(attacker, "clerk_a", "guess-guess-1")
        console.now += dt.timedelta(minutes=1)
    assert login(attacker, "clerk_a").status_code == 429

    admin = console.client()
    login(admin, "admin")
    page = admin.get("/admin/users").text
    row = re.search(r'<tr data-username="clerk_a">(.*?)</tr>', page, re.S)
    assert row and "登录受限" in row.group(1) and ATTACKER in row.group(1)
    assert 'action="/admin/users/clerk_a/unlock"' in row.group(1)
    assert 'action="/admin/users/admin/unlock"' not in page  # no failures, no button
    token = _field(page, "csrf")
    assert admin.post("/admin/users/clerk_a/unlock", data={}).status_code == 403  # CSRF
    done = admin.post("/admin/users/clerk_a/unlock", data={"csrf": token})
    assert done.status_code == 303
    assert login(attacker, "clerk_a").status_code == 303
    log = admin.get("/admin/users").text
    assert "解除登录限制" in log and "登录暂停 (某地址)" in log
    kinds = [(e.kind, e.actor) for e in console.services.accounts.events("clerk_a")]
    assert kinds[:3] == [("unlocked", "admin"), ("locked", "system"), ("slowed", "system")]

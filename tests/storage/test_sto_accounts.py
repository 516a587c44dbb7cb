"""Accounts people manage, on SQLite and PostgreSQL: the password policy, changing one's own
password (the current one checked, the rate limit applied, the other tokens ended), an
administrator's reset, display names, and the account event log with who and when."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from jingban.errors import AuthenticationFailed, BadInput, NotFound, RateLimited
from jingban.storage import Database
from jingban.storage import accounts as accounts_module
from jingban.storage.accounts import AccountStore, check_password

NOW = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
FIRST = "Shawan-first-1"
NEW = "Shawan-second-2"


@pytest.fixture
def accounts(database: Database, monkeypatch: pytest.MonkeyPatch) -> AccountStore:
    monkeypatch.setattr(accounts_module, "_HASHER", PasswordHasher(time_cost=1, memory_cost=64))
    store = AccountStore(database)
    store.add_user(
        "shawan_clerk", role="clerk", password=FIRST, now=NOW, region="shawan",
        office="沙湾市医疗保障事业服务中心", display_name="马丽", must_change=True,
        actor="admin",
    )  # fmt: skip
    return store


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short7!", "至少 8 位"),
        ("x" * 129, "不能超过 128 位"),
        ("Shawan_Clerk", "不能与用户名相同"),
        ("jingban-demo", "演示密码"),
        ("12345678", "常见密码"),
    ],
)
def test_the_policy_refuses_weak_passwords_in_chinese(password: str, words: str) -> None:
    with pytest.raises(BadInput) as refused:
        check_password("shawan_clerk", password)
    assert words in refused.value.message


def test_an_added_account_is_flagged_and_recorded(accounts: AccountStore) -> None:
    user = accounts.user("shawan_clerk")
    assert user.must_change_password and user.display_name == "马丽"
    [event] = accounts.events("shawan_clerk")
    assert (event.kind, event.actor, event.at, event.label) == ("created", "admin", NOW, "创建账号")
    with pytest.raises(BadInput, match="演示密码"):
        accounts.add_user("x_demo", role="clerk", password="jingban-demo", now=NOW)
    assert "x_demo" not in {u.username for u in accounts.users()}


def test_changing_ones_password_checks_the_current_one(accounts: AccountStore) -> None:
    later = NOW + dt.timedelta(minutes=1)
    with pytest.raises(AuthenticationFailed, match="当前密码不正确"):
        accounts.change_password("shawan_clerk", "not-my-password", NEW, now=later)
    with pytest.raises(BadInput, match="不能与用户名相同"):
        accounts.change_password("shawan_clerk", FIRST, "shawan_clerk", now=later)
    with pytest.raises(BadInput, match="不能与当前密码相同"):
        accounts.change_password("shawan_clerk", FIRST, FIRST, now=later)
    assert accounts.user("shawan_clerk").must_change_password  # nothing changed
    accounts.authenticate("shawan_clerk", FIRST, now=later)

    accounts.change_password("shawan_clerk", FIRST, NEW, now=later)
    assert not accounts.user("shawan_clerk").must_change_password
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate("shawan_clerk", FIRST, now=later)
    accounts.authenticate("shawan_clerk", NEW, now=later)
    assert [(e.kind, e.actor) for e in accounts.events("shawan_clerk")] == [
        ("password_changed", "shawan_clerk"),
        ("created", "admin"),
    ]


def test_wrong_current_passwords_count_as_failed_logins(accounts: AccountStore) -> None:
    later = NOW
    for _ in range(5):
        later += dt.timedelta(minutes=1)
        with pytest.raises(AuthenticationFailed):
            accounts.change_password("shawan_clerk", "guess-guess", NEW, now=later)
    with pytest.raises(RateLimited):
        accounts.change_password("shawan_clerk", FIRST, NEW, now=later)
    with pytest.raises(RateLimited):
        accounts.authenticate("shawan_clerk", FIRST, now=later)


def test_a_change_keeps_only_the_session_that_made_it(accounts: AccountStore) -> None:
    _, kept, _ = accounts.authenticate("shawan_clerk", FIRST, now=NOW)
    _, other, _ = accounts.authenticate("shawan_clerk", FIRST, now=NOW)
    accounts.change_password("shawan_clerk", FIRST, NEW, now=NOW, keep_token=kept)
    assert accounts.user_for_token(kept, NOW).username == "shawan_clerk"
    with pytest.raises(AuthenticationFailed):
        accounts.user_for_token(other, NOW)


def test_reset_disable_enable_and_rename_are_recorded(accounts: AccountStore) -> None:
    accounts.change_password("shawan_clerk", FIRST, NEW, now=NOW)
    _, token, _ = accounts.authenticate("shawan_clerk", NEW, now=NOW)
    with pytest.raises(BadInput):
        accounts.reset_password("shawan_clerk", "short", actor="admin", now=NOW)
    with pytest.raises(NotFound):
        accounts.reset_password("nobody", "Reset-pass-99", actor="admin", now=NOW)
    accounts.reset_password("shawan_clerk", "Reset-pass-99", actor="admin", now=NOW)
    assert accounts.user("shawan_clerk").must_change_password
    with pytest.raises(AuthenticationFailed):
        accounts.user_for_token(token, NOW)
    accounts.set_disabled("shawan_clerk", True, actor="admin", now=NOW)
    accounts.set_disabled("shawan_clerk", False, actor="admin", now=NOW)
    with pytest.raises(BadInput, match="姓名不能为空"):
        accounts.set_display_name("shawan_clerk", "  ", actor="admin", now=NOW)
    assert (
        accounts.set_display_name("shawan_clerk", "马丽娜", actor="admin", now=NOW).display_name
        == "马丽娜"
    )
    assert [e.kind for e in accounts.events("shawan_clerk")] == [
        "display_name", "enabled", "disabled", "password_reset", "password_changed", "created",
    ]  # fmt: skip
    assert accounts.events("shawan_clerk")[0].detail == "马丽娜"


def test_has_password_answers_for_the_demo_hint(accounts: AccountStore) -> None:
    assert accounts.has_password(["shawan_clerk", "nobody"], FIRST)
    assert not accounts.has_password(["shawan_clerk"], NEW)
    accounts.change_password("shawan_clerk", FIRST, NEW, now=NOW)
    assert not accounts.has_password(["shawan_clerk"], FIRST)

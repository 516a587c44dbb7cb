"""Staff accounts: argon2 password hashes, expiring bearer tokens, login rate limits.

Failed sign-ins are limited per account and address, per account and per address
(`jingban.storage._login_limits`): an attacker can neither guess quickly nor lock the clerk
at the counter out, and an administrator can lift the limits (`unlock`). The limits answer
the same for a known and an unknown name, so they tell nobody which names exist. Tokens are
listed and revoked one by one or all together (`jingban.storage._tokens`). The counts, the
window and the token lifetime are `jingban.settings` values.

A password someone else set (an initial password, an administrator's reset, the demo's
published one) must be changed before the account does anything else: such an account is
flagged `must_change_password`; the API refuses it a token and the console lets it reach only
the password page. Changing a password ends the account's other sessions and tokens; a reset
ends all of them. Every change to an account is in the account event log, with who and when.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from jingban.calendar import region_profile
from jingban.engine.roles import ROLE_LABELS, Colleague, check_role
from jingban.errors import (
    AuthenticationFailed,
    BadInput,
    Conflict,
    NotFound,
    PasswordChangeRequired,
)
from jingban.storage import _account_events, _tokens
from jingban.storage._account_events import EVENT_LABELS, AccountEvent
from jingban.storage._login_limits import LoginLimits, LoginLock, login_key
from jingban.storage._tokens import TokenInfo, token_hash
from jingban.storage.database import Database
from jingban.storage.limits import stored_name, stored_text
from jingban.storage.models import TOKENS, USERS
from jingban.storage.passwords import MIN_PASSWORD, check_password

if TYPE_CHECKING:
    from argon2 import PasswordHasher

__all__ = [
    "EVENT_LABELS",
    "AccountEvent",
    "AccountStore",
    "LoginLock",
    "TokenInfo",
    "User",
    "check_password",
]


_HASHER: PasswordHasher | None = None  # argon2id, memory-hard; made by `_hasher`


def _hasher() -> PasswordHasher:
    """The argon2id hasher, made on first use: commands that never hash or check a password
    do not import argon2."""
    global _HASHER
    if _HASHER is None:
        from argon2 import PasswordHasher

        _HASHER = PasswordHasher()
    return _HASHER


_NAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    region: str | None
    office: str | None
    disabled: bool
    #: The password was set by someone else and must be changed before anything else.
    must_change_password: bool = False

    def sees(self, region: str, office: str | None) -> bool:
        """Whether this user may see a case of ``region`` and ``office``: staff of an office
        see its cases and the region's cases that belong to no office (registered by
        region-wide staff)."""
        if self.region is not None and region != self.region:
            return False
        return self.office is None or office is None or office == self.office


def _user(row: object) -> User:
    m = row._mapping  # type: ignore[attr-defined]
    return User(
        m["id"],
        m["username"],
        m["display_name"],
        m["role"],
        m["region"],
        m["office"],
        bool(m["disabled"]),
        bool(m["must_change_password"]),
    )


class AccountStore(LoginLimits, _tokens.TokenAdmin):
    """Users, tokens and failure counts in one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- users ----------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        *,
        role: str,
        password: str,
        now: dt.datetime,
        region: str | None = None,
        office: str | None = None,
        display_name: str | None = None,
        must_change: bool = False,
        actor: str = "system",
        demo: bool = False,
    ) -> User:
        """Create an account; with ``must_change`` its first sign-in must change the password
        (what a person adding an account gets: the CLI and the console pass it). ``demo``
        lets the demo seeding use its published password, which the policy refuses
        otherwise. Raises `BadInput` (bad name, role, region, a password the policy refuses)
        or `Conflict` (the name is taken)."""
        if not _NAME.match(username or ""):
            raise BadInput("用户名须为 2–64 位字母、数字或 _ . -")
        check_role(role)
        if region is not None:
            region_profile(region)
        if not demo:
            check_password(username, password)
        elif len(password or "") < MIN_PASSWORD:
            raise BadInput(f"密码至少 {MIN_PASSWORD} 位")
        name = (display_name or username).strip() or username
        stored_text(USERS.c.display_name, name, "姓名")
        stored_name(USERS.c.office, office, "经办机构")
        try:
            with self.db.write() as conn:
                new_id = conn.execute(
                    insert(USERS)
                    .values(
                        username=username,
                        display_name=name,
                        role=role,
                        region=region,
                        office=office,
                        password_hash=_hasher().hash(password),
                        disabled=False,
                        created_at=now,
                        must_change_password=must_change,
                    )
                    .returning(USERS.c.id)
                ).scalar_one()
                place = region_profile(region).name if region else "全部地区"
                detail = f"{ROLE_LABELS[role]} {place} {office or ''}".rstrip()
                _account_events.record(
                    conn, username, "created", actor=actor, now=now, detail=detail
                )
        except IntegrityError:
            raise Conflict(f"用户名 {username} 已存在") from None
        return User(new_id, username, name, role, region, office, False, must_change)

    def users(self, *, offset: int = 0, limit: int | None = None) -> list[User]:
        """Accounts in the order they were created (a page of them with ``limit``)."""
        query = select(USERS).order_by(USERS.c.id).offset(max(offset, 0))
        if limit is not None:
            query = query.limit(limit)
        with self.db.engine.connect() as conn:
            return [_user(r) for r in conn.execute(query)]

    def user(self, username: str) -> User:
        with self.db.engine.connect() as conn:
            row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
        if row is None:
            raise NotFound(f"没有用户 {username}")
        return _user(row)

    def colleague(self, username: str) -> Colleague | None:
        """What the engine checks of an account a case is handed to, or None for a name
        that is no account here."""
        with self.db.engine.connect() as conn:
            row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
        if row is None:
            return None
        u = _user(row)
        return Colleague(u.username, u.role, u.region, u.office, u.disabled)

    def set_disabled(
        self,
        username: str,
        disabled: bool = True,
        *,
        actor: str = "system",
        now: dt.datetime | None = None,
    ) -> None:
        """Disable (or enable) an account; a disabled account's tokens stop working. Raises
        `NotFound`."""
        now = now or dt.datetime.now(dt.UTC)
        with self.db.write() as conn:
            done = conn.execute(
                update(USERS).where(USERS.c.username == username).values(disabled=disabled)
            )
            if done.rowcount == 0:
                raise NotFound(f"没有用户 {username}")
            if disabled:
                ids = select(USERS.c.id).where(USERS.c.username == username).scalar_subquery()
                conn.execute(delete(TOKENS).where(TOKENS.c.user_id == ids))
            kind = "disabled" if disabled else "enabled"
            _account_events.record(conn, username, kind, actor=actor, now=now)

    def set_display_name(
        self, username: str, display_name: str, *, actor: str, now: dt.datetime
    ) -> User:
        """Change the name notices print as 经办人. Raises `BadInput` (empty or longer than
        100 characters) or `NotFound`."""
        name = (display_name or "").strip()
        if not name:
            raise BadInput("姓名不能为空")
        stored_text(USERS.c.display_name, name, "姓名")
        with self.db.write() as conn:
            done = conn.execute(
                update(USERS).where(USERS.c.username == username).values(display_name=name)
            )
            if done.rowcount == 0:
                raise NotFound(f"没有用户 {username}")
            _account_events.record(
                conn, username, "display_name", actor=actor, now=now, detail=name
            )
        return self.user(username)

    # -- passwords ------------------------------------------------------------------------

    def change_password(
        self,
        username: str,
        current: str,
        new: str,
        *,
        now: dt.datetime,
        keep_token: str | None = None,
        client: str | None = None,
    ) -> None:
        """The account holder changes their own password: ``current`` must be right (a wrong
        one counts as a failed login, so the rate limit applies), ``new`` must pass the
        policy and differ from ``current``. Clears the must-change flag and ends every other
        session and token of the account (all but ``keep_token``, the session doing it).
        Raises `RateLimited`, `AuthenticationFailed` (wrong current password, no such or a
        disabled account) or `BadInput` (the policy)."""
        key = login_key(username)
        with self.db.engine.connect() as conn:
            row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
        self.login_guard(key, None if row is None else row.id, client, now)
        if row is None or row.disabled or not _verify(row.password_hash, current):
            self.login_failed(key, None if row is None else row.username, client, now)
            raise AuthenticationFailed("当前密码不正确")
        check_password(username, new)
        if new == current:
            raise BadInput("新密码不能与当前密码相同")
        with self.db.write() as conn:
            conn.execute(
                update(USERS)
                .where(USERS.c.id == row.id)
                .values(password_hash=_hasher().hash(new), must_change_password=False)
            )
            others = delete(TOKENS).where(TOKENS.c.user_id == row.id)
            if keep_token:
                others = others.where(TOKENS.c.token_hash != token_hash(keep_token))
            conn.execute(others)
            _account_events.record(conn, username, "password_changed", actor=username, now=now)

    def reset_password(self, username: str, new: str, *, actor: str, now: dt.datetime) -> None:
        """An administrator sets a new initial password: the policy applies, the account
        must change it at its next sign-in, and every session and token of it ends. Raises
        `BadInput` or `NotFound`."""
        check_password(username, new)
        with self.db.write() as conn:
            row = conn.execute(select(USERS.c.id).where(USERS.c.username == username)).first()
            if row is None:
                raise NotFound(f"没有用户 {username}")
            conn.execute(
                update(USERS)
                .where(USERS.c.id == row.id)
                .values(password_hash=_hasher().hash(new), must_change_password=True)
            )
            conn.execute(delete(TOKENS).where(TOKENS.c.user_id == row.id))
            _account_events.record(conn, username, "password_reset", actor=actor, now=now)

    def has_password(self, usernames: Iterable[str], password: str) -> bool:
        """Whether any of ``usernames`` still signs in with ``password`` (the login page asks
        this of the demo accounts). Each stored hash is verified once per process: a changed
        password is a new hash."""
        with self.db.engine.connect() as conn:
            hashes = conn.execute(
                select(USERS.c.password_hash).where(
                    USERS.c.username.in_(list(usernames)), USERS.c.disabled.is_(False)
                )
            ).scalars()
            return any(_matches(stored, password) for stored in hashes)

    # -- the account event log ------------------------------------------------------------

    def events(self, username: str | None = None, *, limit: int = 200) -> list[AccountEvent]:
        """The newest account events (of ``username``), newest first."""
        with self.db.engine.connect() as conn:
            return _account_events.read(conn, username, limit)

    def count(self) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(USERS)).scalar_one())

    # -- logging in -----------------------------------------------------------------------

    def authenticate(
        self,
        username: str,
        password: str,
        *,
        now: dt.datetime,
        client: str | None = None,
        usable: bool = False,
        via: str = "api",
    ) -> tuple[User, str, dt.datetime]:
        """Check a password and issue a token: (user, token, expires_at). ``via`` says what
        the token is for (``api`` or ``console``, shown when tokens are listed). Raises
        `RateLimited` (a limit of `jingban.storage._login_limits`: the password is not even
        checked) or `AuthenticationFailed`; with ``usable`` (the API),
        `PasswordChangeRequired` for an account that must change its password first,
        issuing no token (the console's session may only change it)."""
        key = login_key(username)
        with self.db.engine.connect() as conn:
            row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
        self.login_guard(key, None if row is None else row.id, client, now)
        ok = False
        if row is not None:
            ok = _verify(row.password_hash, password)
        else:
            # Spend the same time as a real check, so timing tells nothing.
            from argon2.exceptions import VerificationError

            with contextlib.suppress(VerificationError):
                _hasher().verify(_dummy_hash(), password or "")
        if not ok or row is None or row.disabled:
            self.login_failed(key, None if row is None else row.username, client, now)
            raise AuthenticationFailed("用户名或密码错误，或账号已停用")
        self.login_succeeded(key, row.id, client, now)
        if usable and row.must_change_password:
            raise PasswordChangeRequired(
                "首次登录或密码被重置后须先修改密码: 请在控制台「修改密码」页面或用 "
                f"jingban user passwd {row.username} 设置新密码后再取令牌"
            )
        with self.db.write() as conn:
            token, expires = _tokens.issue(conn, row.id, now, via=via, client=client)
        return _user(row), token, expires

    def user_for_token(self, token: str, now: dt.datetime) -> User:
        """The user a live token belongs to; raises `AuthenticationFailed` otherwise. Reads
        the database every time: a revoked token fails at once, in every process."""
        live = _tokens.live_token(self.db, token, now)
        if live is None:
            raise AuthenticationFailed("登录已失效，请重新登录")
        return User(
            live.user_id,
            live.username,
            live.display_name,
            live.role,
            live.region,
            live.office,
            False,
            live.must_change_password,
        )

    def revoke(self, token: str) -> bool:
        """End one token (a sign-out); whether it was live."""
        return _tokens.revoke(self.db, token)


def _verify(stored: str, password: str | None) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored, password or ""))
    except (VerificationError, InvalidHashError):
        return False


@functools.lru_cache(maxsize=256)
def _matches(stored: str, password: str) -> bool:
    """`_verify`, remembered per (hash, password): for the login page's demo hint only."""
    return _verify(stored, password)


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown names (computed once, on first need)."""
    return _hasher().hash("jingban-no-such-user")

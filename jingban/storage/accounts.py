"""Staff accounts: argon2 password hashes, expiring bearer tokens, login rate limits.

A name that failed to log in 5 times within 15 minutes is locked until the oldest of those
failures is 15 minutes old, whatever password comes next; the lock answers the same for a
known and an unknown name, so it tells nobody which names exist. The counts, the window and
the token lifetime are `jingban.settings` values; those are their defaults.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from jingban.calendar import region_profile
from jingban.engine.roles import check_role
from jingban.errors import (
    AuthenticationFailed,
    BadInput,
    Conflict,
    NotFound,
    RateLimited,
)
from jingban.settings import settings
from jingban.storage.database import Database
from jingban.storage.models import FailureRow, TokenRow, UserRow

USERS = UserRow.__table__
TOKENS = TokenRow.__table__
FAILURES = FailureRow.__table__

_HASHER = PasswordHasher()  # argon2id, memory-hard
FAILURES_KEPT = dt.timedelta(hours=1)
"""Failures are kept at least this long: the longest window a limit counts in (the public
query's hourly cap per case number)."""
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
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "ignore")).hexdigest()


class AccountStore:
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
    ) -> User:
        """Create an account. Raises `BadInput` (bad name, role, region, weak password) or
        `Conflict` (the name is taken)."""
        if not _NAME.match(username or ""):
            raise BadInput("用户名须为 2–64 位字母、数字或 _ . -")
        check_role(role)
        if region is not None:
            region_profile(region)
        if len(password or "") < 8:
            raise BadInput("密码至少 8 位")
        try:
            with self.db.write() as conn:
                new_id = conn.execute(
                    insert(UserRow)
                    .values(
                        username=username,
                        display_name=(display_name or username).strip(),
                        role=role,
                        region=region,
                        office=office,
                        password_hash=_HASHER.hash(password),
                        disabled=False,
                        created_at=now,
                    )
                    .returning(USERS.c.id)
                ).scalar_one()
        except IntegrityError:
            raise Conflict(f"用户名 {username} 已存在") from None
        return User(new_id, username, display_name or username, role, region, office, False)

    def users(self) -> list[User]:
        with self.db.engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(USERS).order_by(USERS.c.id))]

    def user(self, username: str) -> User:
        with self.db.engine.connect() as conn:
            row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
        if row is None:
            raise NotFound(f"没有用户 {username}")
        return _user(row)

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        """Disable (or enable) an account; a disabled account's tokens stop working."""
        with self.db.write() as conn:
            done = conn.execute(
                update(UserRow).where(USERS.c.username == username).values(disabled=disabled)
            )
            if done.rowcount == 0:
                raise NotFound(f"没有用户 {username}")
            if disabled:
                ids = select(USERS.c.id).where(USERS.c.username == username).scalar_subquery()
                conn.execute(delete(TokenRow).where(TOKENS.c.user_id == ids))

    def count(self) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(USERS)).scalar_one())

    # -- logging in -----------------------------------------------------------------------

    def check_failures(
        self,
        scope: str,
        key: str,
        now: dt.datetime,
        limit: int | None = None,
        *,
        window: dt.timedelta | None = None,
        client: str | None = None,
    ) -> None:
        """Raise `RateLimited` when ``key`` failed ``limit`` times (default: the login
        limit of the settings) within ``window`` (default: the settings' failure window;
        at most `FAILURES_KEPT`), counting only the failures of ``client`` when given."""
        config = settings()
        limit = config.login_failures if limit is None else limit
        window = config.failure_window if window is None else window
        rows = self.failure_times(scope, key, now - window, client=client)
        if len(rows) >= limit:
            retry = int((rows[-limit] + window - now).total_seconds()) + 1
            raise RateLimited(f"失败次数过多，请 {max(retry // 60, 1)} 分钟后再试", max(retry, 1))

    def failure_times(
        self, scope: str, key: str, since: dt.datetime, *, client: str | None = None
    ) -> list[dt.datetime]:
        """When ``key`` failed after ``since`` (only ``client``'s failures when given), oldest
        first."""
        query = select(FAILURES.c.at).where(
            FAILURES.c.scope == scope, FAILURES.c.key == key, FAILURES.c.at > since
        )
        if client is not None:
            query = query.where(FAILURES.c.client == client[:64])
        with self.db.engine.connect() as conn:
            return list(conn.execute(query.order_by(FAILURES.c.at)).scalars().all())

    def record_failure(self, scope: str, key: str, client: str | None, now: dt.datetime) -> None:
        with self.db.write() as conn:
            conn.execute(
                insert(FailureRow).values(
                    scope=scope,
                    key=key[:64],
                    client=None if client is None else client[:64],
                    at=now,
                )
            )
            old = now - max(4 * settings().failure_window, FAILURES_KEPT)
            conn.execute(delete(FailureRow).where(FAILURES.c.at < old))

    def authenticate(
        self, username: str, password: str, *, now: dt.datetime, client: str | None = None
    ) -> tuple[User, str, dt.datetime]:
        """Check a password and issue a token: (user, token, expires_at). Raises
        `RateLimited` (by default 5 failures in 15 minutes) or `AuthenticationFailed`."""
        key = (username or "").strip().lower()[:64]
        self.check_failures("login", key, now)
        with self.db.engine.connect() as conn:
            row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
        ok = False
        if row is not None:
            try:
                ok = _HASHER.verify(row.password_hash, password or "")
            except (VerificationError, InvalidHashError):
                ok = False
        else:
            # Spend the same time as a real check, so timing tells nothing.
            with contextlib.suppress(VerificationError):
                _HASHER.verify(_dummy_hash(), password or "")
        if not ok or row is None or row.disabled:
            self.record_failure("login", key, client, now)
            raise AuthenticationFailed("用户名或密码错误，或账号已停用")
        token = secrets.token_urlsafe(32)
        expires = now + settings().token_lifetime  # one office day by default
        with self.db.write() as conn:
            conn.execute(
                insert(TokenRow).values(
                    token_hash=_token_hash(token), user_id=row.id, issued_at=now, expires_at=expires
                )
            )
            conn.execute(delete(TokenRow).where(TOKENS.c.expires_at < now))
        return _user(row), token, expires

    def user_for_token(self, token: str, now: dt.datetime) -> User:
        """The user a live token belongs to; raises `AuthenticationFailed` otherwise."""
        with self.db.engine.connect() as conn:
            row = conn.execute(
                select(USERS, TOKENS.c.expires_at)
                .join(TOKENS, TOKENS.c.user_id == USERS.c.id)
                .where(TOKENS.c.token_hash == _token_hash(token or ""))
            ).first()
        if row is None or row.expires_at <= now or row.disabled:
            raise AuthenticationFailed("登录已失效，请重新登录")
        return _user(row)

    def revoke(self, token: str) -> None:
        with self.db.write() as conn:
            conn.execute(delete(TokenRow).where(TOKENS.c.token_hash == _token_hash(token)))


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown names (computed once, on first need)."""
    return _HASHER.hash("jingban-no-such-user")

"""Bearer tokens (API tokens and console sessions), for `AccountStore`: issued, looked up on
every request, listed, revoked.

Promises: a token is stored only as its SHA-256 and the first `HINT` characters (enough to
tell a user's tokens apart, far too few to sign in with); every request reads the token's
row, so a revoked token stops working at once in every process, with no cache to wait
for; the time a token was last used is kept to the minute (written at most once a minute
per token, and never at the price of the request: a busy database skips it).

The per-request read (`live_token`) is one statement in the driver's own SQL on a pooled
connection (on PostgreSQL the action path's autocommit pool: one round trip, no ping), so
checking a token costs about what the database takes to find one row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.exc import OperationalError

from jingban.errors import NotFound
from jingban.settings import settings
from jingban.storage import _account_events
from jingban.storage._reconnect import checked_out
from jingban.storage.database import Database
from jingban.storage.driver_errors import typed_driver_errors
from jingban.storage.models import TOKENS, USERS
from jingban.storage.timecodec import aware

log = logging.getLogger("jingban.storage")

HINT = 6
"""Characters of a token kept in the clear, to tell tokens apart in a listing."""
TOUCH_EVERY = dt.timedelta(minutes=1)
"""How stale ``last_used_at`` may get before a request writes it again."""
VIA = ("api", "console")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "ignore")).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """One live token of a user, as `jingban user tokens` lists it."""

    id: int
    masked: str
    """The token's first characters and an ellipsis (``…`` alone for tokens issued before
    their hint was kept)."""
    via: str | None
    """``api`` (POST /api/auth/token) or ``console`` (a console session); None: not
    recorded."""
    client: str | None
    issued_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None


def issue(
    conn: Connection, user_id: int, now: dt.datetime, *, via: str, client: str | None
) -> tuple[str, dt.datetime]:
    """Store a new token of ``user_id`` (in the caller's transaction), dropping expired ones
    of everyone; returns (token, expires_at)."""
    token = secrets.token_urlsafe(32)
    expires = now + settings().token_lifetime  # one office day by default
    conn.execute(
        insert(TOKENS).values(
            token_hash=token_hash(token),
            user_id=user_id,
            issued_at=now,
            expires_at=expires,
            hint=token[:HINT],
            via=via if via in VIA else None,
            client=None if client is None else client[:64],
            last_used_at=now,
        )
    )
    conn.execute(delete(TOKENS).where(TOKENS.c.expires_at < now))
    return token, expires


@dataclass(frozen=True, slots=True)
class LiveToken:
    """A live token's account, as `live_token` reads it in one statement."""

    user_id: int
    username: str
    display_name: str
    role: str
    region: str | None
    office: str | None
    must_change_password: bool
    token_id: int
    expires_at: dt.datetime


_USER_COLUMNS = ("id", "username", "display_name", "role", "region", "office")
_LIVE_SQL = (
    "SELECT "
    + ", ".join(f"u.{name}" for name in _USER_COLUMNS)
    + ", u.must_change_password, u.disabled, t.id, t.expires_at, t.last_used_at"
    + f" FROM {TOKENS.name} t JOIN {USERS.name} u ON u.id = t.user_id"
    + " WHERE t.token_hash = {mark}"
)


def live_token(db: Database, token: str, now: dt.datetime) -> LiveToken | None:
    """The account of a live ``token`` (known, not expired, its user not disabled), or None;
    marks the token used (`TOUCH_EVERY`). Reads the database every time. A driver failure
    is raised as its typed error (`jingban.storage.driver_errors`)."""
    digest = token_hash(token or "")
    with typed_driver_errors():
        if db.engine.dialect.name == "sqlite":
            raw = db.engine.raw_connection()
            try:
                row = raw.cursor().execute(_LIVE_SQL.format(mark="?"), (digest,)).fetchone()
            finally:
                raw.close()
        else:
            raw, cur = checked_out(
                db.autocommit_engine(), _LIVE_SQL.format(mark="%s"), (digest,), writes=False
            )
            try:
                row = cur.fetchone()
            finally:
                raw.close()
    if row is None:
        return None
    user_id, username, name, role, region, office, must_change, disabled = row[:8]
    token_id, expires, last_used = row[8:]
    expires_at = aware(expires)
    if expires_at <= now or disabled:
        return None
    if last_used is None or now - aware(last_used) >= TOUCH_EVERY:
        _touch(db, token_id, now)
    return LiveToken(
        user_id, username, name, role, region, office, bool(must_change), token_id, expires_at
    )


def _touch(db: Database, token_id: int, now: dt.datetime) -> None:
    try:
        with db.write() as conn:
            conn.execute(
                update(TOKENS)
                .where(
                    TOKENS.c.id == token_id,
                    or_(TOKENS.c.last_used_at.is_(None), TOKENS.c.last_used_at < now),
                )
                .values(last_used_at=now)
            )
    except OperationalError as exc:  # busy: the request matters more than the minute
        log.info("token last-used time not written: %s", exc)


def listing(conn: Connection, user_id: int, now: dt.datetime) -> list[TokenInfo]:
    """The live tokens of ``user_id``, newest first."""
    rows = conn.execute(
        select(TOKENS)
        .where(TOKENS.c.user_id == user_id, TOKENS.c.expires_at > now)
        .order_by(TOKENS.c.issued_at.desc(), TOKENS.c.id.desc())
    )
    return [
        TokenInfo(
            r.id,
            f"{r.hint}…" if r.hint else "…",
            r.via,
            r.client,
            r.issued_at,
            r.expires_at,
            r.last_used_at,
        )
        for r in rows
    ]


def revoke(db: Database, token: str) -> bool:
    """Delete ``token``; whether it existed."""
    with db.write() as conn:
        done = conn.execute(delete(TOKENS).where(TOKENS.c.token_hash == token_hash(token or "")))
    return bool(done.rowcount)


class TokenAdmin:
    """Listing and revoking a user's tokens, for `AccountStore` (which provides ``db``)."""

    db: Database

    def tokens(self, username: str, now: dt.datetime) -> list[TokenInfo]:
        """The live tokens and console sessions of ``username``, newest first. Raises
        `NotFound`."""
        with self.db.engine.connect() as conn:
            return listing(conn, _user_id(conn, username), now)

    def revoke_all(self, username: str, *, actor: str, now: dt.datetime) -> int:
        """End every token and console session of ``username`` at once (recorded as a
        ``tokens_revoked`` event); how many there were. Raises `NotFound`."""
        with self.db.write() as conn:
            user_id = _user_id(conn, username)
            done = conn.execute(delete(TOKENS).where(TOKENS.c.user_id == user_id))
            count = int(done.rowcount or 0)
            _account_events.record(
                conn, username, "tokens_revoked", actor=actor, now=now, detail=f"{count} 个"
            )
        return count


def _user_id(conn: Connection, username: str) -> int:
    found = conn.execute(select(USERS.c.id).where(USERS.c.username == username)).first()
    if found is None:
        raise NotFound(f"没有用户 {username}")
    return int(found.id)

"""Bearer tokens (API tokens and console sessions), for `AccountStore`: issued, looked up on
every request, listed, revoked.

Promises: a token is stored only as its SHA-256 and the first `HINT` characters (enough to
tell a user's tokens apart, far too few to sign in with); every request reads the token's
row, so a revoked token stops working at once in every process, with no cache to wait
for; the time a token was last used is kept to the minute (written at most once a minute
per token, and never at the price of the request: a busy database skips it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.exc import OperationalError

from jingban.errors import NotFound
from jingban.settings import settings
from jingban.storage import _account_events
from jingban.storage.database import Database
from jingban.storage.models import TOKENS, USERS

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


def live_row(db: Database, token: str, now: dt.datetime) -> Any | None:
    """The user row (with the token's ``token_id``) of a live ``token``, or None; marks the
    token used."""
    with db.engine.connect() as conn:
        row = conn.execute(
            select(
                USERS,
                TOKENS.c.id.label("token_id"),
                TOKENS.c.expires_at,
                TOKENS.c.last_used_at,
            )
            .join(TOKENS, TOKENS.c.user_id == USERS.c.id)
            .where(TOKENS.c.token_hash == token_hash(token or ""))
        ).first()
    if row is None or row.expires_at <= now or row.disabled:
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        _touch(db, row.token_id, now)
    return row


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

"""What failed sign-ins hold back, for `AccountStore`: limits that stop password guessing
without letting anyone lock a clerk out of the counter.

Three limits, each counted within the failure window (`Settings.failure_window`):

- **the pair** — an account and one client address: after ``login_failures`` failures (5)
  that address may not try that account until the oldest of them leaves the window; other
  addresses are not affected, and a successful sign-in from the address clears its count;
- **the account** — all addresses together: after ``login_delay_after`` failures (3), each
  attempt must come a growing wait after the latest failure (1 s, 2 s, 4 s … at most
  ``login_delay_max_seconds``), refused before the password is even checked;
- **the address** — all names together: after ``login_client_failures`` failures (20) the
  address may not try any name.

An address the account signed in from within ``login_known_days`` is its *known* address:
the account-wide wait and the address limit do not apply to it, so an attacker elsewhere —
however many addresses they use — neither guesses quickly nor keeps the clerk out; the
pair limit still does. Every limit answers the same for a name that exists and one that
does not. Reaching a limit is an account event (``locked``, ``slowed``, ``client_locked``,
the last with an empty user name: it is an address's, not an account's); an administrator's
`unlock` clears an account's failures and is an event too (``unlocked``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from jingban.calendar import BEIJING
from jingban.errors import NotFound, RateLimited
from jingban.settings import settings
from jingban.storage import _account_events
from jingban.storage._login_failures import LoginFailures
from jingban.storage.models import FAILURES, LOGIN_CLIENTS, USERS

SCOPE = "login"
"""Failures of a name: ``key`` is the name as typed (folded), ``client`` the address."""
CLIENT_SCOPE = "login-client"
"""Failures from an address, whatever the name: ``key`` is the address."""
NO_ADDRESS = "unknown"


def login_key(username: str | None) -> str:
    """The key a name's failures are counted under: trimmed, case-folded, at most 64."""
    return (username or "").strip().lower()[:64]


def _address(client: str | None) -> str:
    return (client or NO_ADDRESS)[:64]


def _wait(seconds: float) -> int:
    return max(math.ceil(seconds), 1)


def _later(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 120 else f"{math.ceil(seconds / 60)} 分钟"


def _bj(at: dt.datetime) -> str:
    return at.astimezone(BEIJING).strftime("%H:%M:%S")


@dataclass(frozen=True, slots=True)
class LoginLock:
    """What holds back an account's sign-ins at one moment."""

    failures: int
    """Failures of the account within the window, from every address."""
    paused: tuple[tuple[str, dt.datetime], ...]
    """(address, until when) of each address paused for the account."""
    slowed_until: dt.datetime | None
    """Until when a new address must wait before its next attempt, if it must."""

    @property
    def active(self) -> bool:
        return bool(self.paused) or self.slowed_until is not None


def _slowed_until(times: list[dt.datetime]) -> dt.datetime | None:
    """When the next attempt on an account whose failures are ``times`` (oldest first, within
    the window) may come from a new address, if the account-wide wait applies."""
    config = settings()
    over = len(times) - config.login_delay_after
    if over < 0:
        return None
    delay = min(2.0 ** min(over, 30), float(config.login_delay_max_seconds))
    return times[-1] + dt.timedelta(seconds=delay)


def _pause_until(times: list[dt.datetime]) -> dt.datetime | None:
    """Until when a pair whose failures are ``times`` is paused, if it is."""
    config = settings()
    if len(times) < config.login_failures:
        return None
    return times[-config.login_failures] + config.failure_window


class LoginLimits(LoginFailures):
    """The sign-in half of `AccountStore` (which provides ``db``)."""

    def login_guard(
        self, key: str, user_id: int | None, client: str | None, now: dt.datetime
    ) -> None:
        """Raise `RateLimited` (with the seconds to wait) when an attempt on ``key`` (the
        account ``user_id``, None for a name that is no account) from ``client`` may not be
        checked now."""
        config = settings()
        address = _address(client)
        since = now - config.failure_window
        pair = self.failure_times(SCOPE, key, since, client=address)
        until = _pause_until(pair)
        if until is not None and until > now:
            wait = _wait((until - now).total_seconds()) + 1
            raise RateLimited(
                f"此账号在本机登录失败次数过多，已暂停，请 {_later(wait)}后再试"
                "，或请管理员解锁 (jingban user unlock)",
                wait,
            )
        if self._known(user_id, address, now):
            return
        mine = self.failure_times(CLIENT_SCOPE, address, since)
        if len(mine) >= config.login_client_failures:
            oldest = mine[-config.login_client_failures]
            wait = _wait((oldest + config.failure_window - now).total_seconds()) + 1
            raise RateLimited(f"本机登录失败次数过多，请 {_later(wait)}后再试", wait)
        slowed = _slowed_until(self.failure_times(SCOPE, key, since))
        if slowed is not None and slowed > now:
            wait = _wait((slowed - now).total_seconds())
            raise RateLimited(f"此账号近来登录失败较多，请 {_later(wait)}后再试", wait)

    def login_failed(
        self, key: str, username: str | None, client: str | None, now: dt.datetime
    ) -> None:
        """Count a failed attempt on ``key`` (``username``: the account it names, or None)
        from ``client``, and record the limits it makes reached."""
        config = settings()
        address = _address(client)
        since = now - config.failure_window
        with self.db.write() as conn:
            for scope, value in ((SCOPE, key), (CLIENT_SCOPE, address)):
                conn.execute(
                    insert(FAILURES).values(scope=scope, key=value[:64], client=address, at=now)
                )
            old = now - max(4 * config.failure_window, dt.timedelta(hours=1))
            conn.execute(delete(FAILURES).where(FAILURES.c.at < old))
            pair = _count(conn, SCOPE, key, since, address)
            everywhere = _count(conn, SCOPE, key, since)
            mine = _count(conn, CLIENT_SCOPE, address, since)
            until = _bj(now + config.failure_window)
            if username is not None and pair == config.login_failures:
                detail = f"来自 {address} 的登录失败 {pair} 次，该地址暂停登录此账号至 {until}"
                _account_events.record(
                    conn, username, "locked", actor="system", now=now, detail=detail
                )
            if username is not None and everywhere == config.login_delay_after:
                detail = (
                    f"登录失败 {everywhere} 次，未登录过的地址每次尝试须等待 (最长 "
                    f"{config.login_delay_max_seconds} 秒)"
                )
                _account_events.record(
                    conn, username, "slowed", actor="system", now=now, detail=detail
                )
            if mine == config.login_client_failures:
                detail = f"地址 {address} 登录失败 {mine} 次 (所有用户名)，暂停登录至 {until}"
                _account_events.record(
                    conn, "", "client_locked", actor="system", now=now, detail=detail
                )

    def login_succeeded(self, key: str, user_id: int, client: str | None, now: dt.datetime) -> None:
        """A right password from ``client``: its failures on ``key`` are cleared and it is
        (again) a known address of the account."""
        address = _address(client)
        with self.db.write() as conn:
            conn.execute(
                delete(FAILURES).where(
                    FAILURES.c.scope == SCOPE, FAILURES.c.key == key, FAILURES.c.client == address
                )
            )
            done = conn.execute(
                update(LOGIN_CLIENTS)
                .where(LOGIN_CLIENTS.c.user_id == user_id, LOGIN_CLIENTS.c.client == address)
                .values(last_success_at=now)
            )
            if done.rowcount:
                return
        try:
            with self.db.write() as conn:
                conn.execute(
                    insert(LOGIN_CLIENTS).values(
                        user_id=user_id, client=address, last_success_at=now
                    )
                )
        except IntegrityError:
            pass  # a concurrent sign-in from the same address recorded it

    def _known(self, user_id: int | None, address: str, now: dt.datetime) -> bool:
        config = settings()
        if user_id is None or config.login_known_days == 0:
            return False
        query = select(LOGIN_CLIENTS.c.id).where(
            LOGIN_CLIENTS.c.user_id == user_id,
            LOGIN_CLIENTS.c.client == address,
            LOGIN_CLIENTS.c.last_success_at > now - config.login_known_for,
        )
        with self.db.engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None

    def login_locks(self, usernames: list[str], now: dt.datetime) -> dict[str, LoginLock]:
        """What holds back the sign-ins of each of ``usernames`` that failed within the
        window (names without failures are left out)."""
        keys = {login_key(name): name for name in usernames}
        if not keys:
            return {}
        since = now - settings().failure_window
        query = (
            select(FAILURES.c.key, FAILURES.c.client, FAILURES.c.at)
            .where(FAILURES.c.scope == SCOPE, FAILURES.c.key.in_(list(keys)), FAILURES.c.at > since)
            .order_by(FAILURES.c.at)
        )
        times: dict[str, list[dt.datetime]] = {}
        pairs: dict[tuple[str, str], list[dt.datetime]] = {}
        with self.db.engine.connect() as conn:
            for key, client, at in conn.execute(query):
                times.setdefault(key, []).append(at)
                pairs.setdefault((key, client or NO_ADDRESS), []).append(at)
        found = {}
        for key, when in times.items():
            paused = []
            for (pair_key, client), pair_times in pairs.items():
                until = _pause_until(pair_times) if pair_key == key else None
                if until is not None and until > now:
                    paused.append((client, until))
            slowed = _slowed_until(when)
            found[keys[key]] = LoginLock(
                len(when), tuple(paused), slowed if slowed is not None and slowed > now else None
            )
        return found

    def unlock(
        self, username: str, *, actor: str, now: dt.datetime, client: str | None = None
    ) -> int:
        """Clear the failed sign-ins of the account ``username`` (only those from ``client``
        when given, and then that address's failures under every name too), lifting every
        limit they set; recorded as an ``unlocked`` event. Returns how many failures of the
        account were cleared. Raises `NotFound`."""
        key = login_key(username)
        with self.db.write() as conn:
            if conn.execute(select(USERS.c.id).where(USERS.c.username == username)).first() is None:
                raise NotFound(f"没有用户 {username}")
            query = delete(FAILURES).where(FAILURES.c.scope == SCOPE, FAILURES.c.key == key)
            if client is not None:
                query = query.where(FAILURES.c.client == client[:64])
            cleared = int(conn.execute(query).rowcount or 0)
            detail = f"清除登录失败 {cleared} 次"
            if client is not None:
                conn.execute(
                    delete(FAILURES).where(
                        FAILURES.c.scope == CLIENT_SCOPE, FAILURES.c.key == client[:64]
                    )
                )
                detail += f" (地址 {client[:64]}，含该地址的全部失败)"
            _account_events.record(conn, username, "unlocked", actor=actor, now=now, detail=detail)
        return cleared


def _count(
    conn: Connection, scope: str, key: str, since: dt.datetime, client: str | None = None
) -> int:
    where = and_(FAILURES.c.scope == scope, FAILURES.c.key == key[:64], FAILURES.c.at > since)
    if client is not None:
        where = and_(where, FAILURES.c.client == client)
    return int(conn.execute(select(func.count()).select_from(FAILURES).where(where)).scalar_one())

"""The action path's PostgreSQL connections: lost ones replaced without a ping per action.

A pool's pre-ping costs one round trip on every checkout. The action path's autocommit pool
does without it. `checked_out` first looks, locally and without a round trip, whether the
server has already closed the connection (a restart or a terminated backend sends its last
message and closes the socket, so the socket of an idle connection turns readable); if so,
that connection and the pool's older ones are invalidated and a fresh one is taken. Then
the unit's first statement runs; when it fails because the connection was lost (the
dialect's ``is_disconnect``), the connection and the pool's older ones are invalidated and
the statement runs once more on a fresh connection — only when that statement reads
(nothing can have been written on the lost connection). A first statement that writes runs
again only if it was never sent (the connection found closed before it); otherwise the
caller gets the typed `DatabaseUnavailable` (no case or audit row stored; at most an
autocommitted upsert, such as the day's case number, was used up).
"""

from __future__ import annotations

import select
from collections.abc import Sequence

from sqlalchemy import Engine
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.pool import PoolProxiedConnection


def closed_by_server(raw: PoolProxiedConnection) -> bool:
    """Whether the idle PostgreSQL connection ``raw`` is known lost without asking the
    server: closed on the client, or its socket readable (an idle connection in autocommit
    is sent nothing unasked except by a server that terminates it; a stray notice only
    costs a reconnect)."""
    driver = raw.driver_connection
    if driver is None or driver.closed:
        return True
    try:
        fd = driver.pgconn.socket
    except Exception:  # psycopg raises when libpq has no socket: the connection is gone
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def live_connection(engine: Engine) -> PoolProxiedConnection:
    """A connection from ``engine``'s pool that the server has not closed (`closed_by_server`).
    A lost one is invalidated with every connection the pool opened before it (a restart
    took them all; they reconnect when next checked out), and another taken: at most a few,
    the last one unchecked."""
    raw = engine.raw_connection()
    for _ in range(3):
        if not closed_by_server(raw):
            break
        engine.pool._invalidate(raw)
        raw.close()
        raw = engine.raw_connection()
    return raw


def _lost(engine: Engine, raw: PoolProxiedConnection, cur: DBAPICursor, exc: Exception) -> bool:
    return engine.dialect.is_disconnect(exc, raw.dbapi_connection, cur)  # type: ignore[arg-type]


def checked_out(
    engine: Engine, first: str, params: Sequence[object], *, writes: bool
) -> tuple[PoolProxiedConnection, DBAPICursor]:
    """A live connection of ``engine`` (PostgreSQL, autocommit) and its cursor, on which
    ``first`` has run with ``params`` (its result ready to fetch). Reconnects once as the
    module docstring says; raises the driver's error otherwise (the caller types it), with
    a lost connection invalidated and nothing returned to the pool but live connections.
    The caller closes the returned connection."""
    raw = live_connection(engine)
    for attempt in (1, 2):
        cur = raw.cursor()
        try:
            cur.execute(first, params)
        except Exception as exc:
            lost = _lost(engine, raw, cur, exc)
            if lost:
                # As SQLAlchemy does on a disconnect: this connection and every one the pool
                # opened before it are invalidated (the older ones reconnect on checkout).
                engine.pool._invalidate(raw, exc)
            raw.close()
            if not lost or writes or attempt == 2:
                raise
            raw = live_connection(engine)
        except BaseException:
            raw.close()
            raise
        else:
            return raw, cur
    raise AssertionError("unreachable")  # pragma: no cover

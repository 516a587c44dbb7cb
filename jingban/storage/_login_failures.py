"""Failed attempts and the limits they set, for `AccountStore`: a login name, a client
address, a case number of the public query — each a ``scope`` and ``key`` whose failures
within a window are counted; past the limit the next attempt is refused with
`RateLimited` (and the time to wait), whatever it would have been."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select

from jingban.errors import RateLimited
from jingban.settings import settings
from jingban.storage.database import Database
from jingban.storage.models import FAILURES

FAILURES_KEPT = dt.timedelta(hours=1)
"""Failures are kept at least this long: the longest window a limit counts in (the public
query's hourly cap per case number)."""


class LoginFailures:
    """The failure-counting half of `AccountStore` (which provides ``db``)."""

    db: Database

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
                insert(FAILURES).values(
                    scope=scope,
                    key=key[:64],
                    client=None if client is None else client[:64],
                    at=now,
                )
            )
            old = now - max(4 * settings().failure_window, FAILURES_KEPT)
            conn.execute(delete(FAILURES).where(FAILURES.c.at < old))

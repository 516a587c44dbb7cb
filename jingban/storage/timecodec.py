"""The one codec between aware datetimes and what the drivers store.

SQLite keeps no zone: SQLAlchemy stores a time as naive UTC text (``2026-11-23
02:30:00.000000``) and the driver hands that text back. PostgreSQL takes and returns aware
datetimes. The models' column type (`jingban.storage.types.UTCDateTime`) and every
statement written in driver SQL (the hot path, the scan) bind and read times through these
functions, so the stored form is decided here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["aware", "bind_time", "from_json_time", "naive_utc", "sqlite_time"]


def naive_utc(value: dt.datetime) -> dt.datetime:
    """An aware time as the naive UTC datetime SQLAlchemy writes to SQLite as text."""
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def sqlite_time(value: dt.datetime) -> str:
    """An aware time in SQLAlchemy's SQLite form: UTC, always with microseconds, so the
    strings sort as the times do."""
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.isoformat(" ", "microseconds")[:26]


def aware(value: dt.datetime | str) -> dt.datetime:
    """A time as the driver returned it (SQLite: naive UTC text; PostgreSQL: an aware
    datetime) as an aware UTC datetime."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value + "+00:00")
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def bind_time(conn: Connection, value: dt.datetime) -> dt.datetime | str:
    """A time as the connection's backend stores it (SQLite: `sqlite_time` text)."""
    return sqlite_time(value) if conn.dialect.name == "sqlite" else value


def from_json_time(value: str | None) -> dt.datetime | None:
    """A time kept in a JSON document (ISO 8601 with its offset), or None."""
    return None if value is None else dt.datetime.fromisoformat(value)

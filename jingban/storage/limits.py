"""Text checked against the columns it is stored in, before any statement runs.

PostgreSQL refuses a value longer than its ``VARCHAR(n)`` (``StringDataRightTruncation``)
and SQLite stores it whole; both must refuse it the same way, with a message naming the
field and its bound. The bounds are read from the tables (`jingban.storage.models`), so a
column widened by a migration widens the check with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, String

from jingban.engine import checked_characters, checked_text
from jingban.errors import BadInput


def column_length(column: Column[Any]) -> int | None:
    """The length bound of a text column, None for an unbounded one."""
    kind = column.type
    return kind.length if isinstance(kind, String) else None


def fits(column: Column[Any], value: str | None, field: str) -> str | None:
    """``value`` unchanged when it fits ``column``; raises `BadInput` naming ``field`` (a
    Chinese label) when it is longer than the column allows."""
    bound = column_length(column)
    if value is not None and bound is not None and len(value) > bound:
        raise BadInput(f"{field}过长: 最多 {bound} 个字符，实有 {len(value)} 个")
    return value


def stored_text(
    column: Column[Any], value: str | None, field: str, *, lines: bool = False
) -> str | None:
    """``value`` once it fits ``column`` and may be kept as free text (`checked_text`:
    no control character, no full identity or account number); None passes."""
    if value is None:
        return None
    fits(column, value, field)
    return checked_text(value, field, lines=lines)


def stored_name(column: Column[Any], value: str | None, field: str) -> str | None:
    """``value`` once it fits ``column`` and holds no control character: for identifiers
    and names of offices and staff (`checked_characters`); None passes."""
    if value is None:
        return None
    fits(column, value, field)
    return checked_characters(value, field)

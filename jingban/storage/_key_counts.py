"""How many stored tokens each server key encrypted (`jingban keys status`)."""

from __future__ import annotations

from sqlalchemy import Column, func, select

from jingban.storage.database import Database
from jingban.storage.idcrypt import token_key_id


def key_counts(db: Database, token: Column[str]) -> dict[str, int]:
    """The non-null tokens of column ``token`` counted by the key id each names
    (``unknown`` for a token of no known format)."""
    prefix = func.substr(token, 1, 11)
    counts: dict[str, int] = {}
    with db.engine.connect() as conn:
        for head, n in conn.execute(
            select(prefix, func.count()).where(token.is_not(None)).group_by(prefix)
        ):
            name = token_key_id(f"{head}:") or "unknown"
            counts[name] = counts.get(name, 0) + int(n)
    return counts

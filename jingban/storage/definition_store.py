"""Item definitions by version: recorded when the first case opens under one, read back
when a case pinned to it acts.

A definition is written once (insert-if-absent, in the transaction that opens the case), as
the canonical JSON of `jingban.workflows.definition`; the store remembers in-process which
versions are already written, so later openings under the same version cost nothing. Stored
definitions are read once per process and kept: a version names one definition forever.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy import func, select

from jingban.engine.model import TERMINAL_STATES
from jingban.storage.database import Database
from jingban.storage.models import CASES, ITEM_DEFINITIONS
from jingban.workflows import Item
from jingban.workflows.definition import canonical_json, from_json

DEFINITIONS = ITEM_DEFINITIONS
_Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class SeenVersion:
    """One version of an item the database knows: when it was first seen (None for a
    version only cases name, written before definitions were stored), its open cases."""

    version: str
    first_seen_at: dt.datetime | None
    open_cases: int
    stored: bool


class DefinitionStore:
    """The ``item_definitions`` table, with an in-process cache of what it holds."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.dialect = db.engine.dialect.name
        mark = "?" if self.dialect == "sqlite" else "%s"
        self.insert_sql = (
            "INSERT INTO item_definitions "
            "(region, item_key, version, definition, first_seen_at) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}) "
            "ON CONFLICT (region, item_key, version) DO NOTHING"
        )
        self._recorded: set[_Key] = set()
        self._items: dict[_Key, Item] = {}
        self._lock = threading.Lock()

    # -- recording ------------------------------------------------------------------------

    def is_recorded(self, item: Item, version: str) -> bool:
        """Whether this process already knows ``item`` at ``version`` is stored."""
        return (item.region, item.key, version) in self._recorded

    def insert_params(self, item: Item, version: str, now: dt.datetime) -> list[object]:
        """Parameters of `insert_sql` for ``item`` at ``version``, first seen ``now``."""
        utc = now.astimezone(dt.UTC)
        seen: object = utc.isoformat(" ", "microseconds")[:26] if self.dialect == "sqlite" else utc
        text = canonical_json(item).decode("utf-8")
        return [item.region, item.key, version, text, seen]

    def mark_recorded(self, item: Item, version: str) -> None:
        """Remember (after its transaction committed) that ``item`` at ``version`` is stored."""
        key = (item.region, item.key, version)
        with self._lock:
            self._recorded.add(key)
            self._items.setdefault(key, item)

    def record(self, item: Item, version: str, now: dt.datetime) -> None:
        """Store ``item`` at ``version`` unless it is stored already (its own transaction)."""
        if self.is_recorded(item, version):
            return
        with self.db.write() as conn:
            conn.exec_driver_sql(self.insert_sql, tuple(self.insert_params(item, version, now)))
        self.mark_recorded(item, version)

    # -- reading --------------------------------------------------------------------------

    def item(self, region: str, key: str, version: str) -> Item | None:
        """The stored definition of item ``key`` of ``region`` at ``version``, or None."""
        wanted = (region, key, version)
        found = self._items.get(wanted)
        if found is not None:
            return found
        with self.db.engine.connect() as conn:
            text = conn.execute(
                select(DEFINITIONS.c.definition).where(
                    DEFINITIONS.c.region == region,
                    DEFINITIONS.c.item_key == key,
                    DEFINITIONS.c.version == version,
                )
            ).scalar_one_or_none()
        if text is None:
            return None
        found = from_json(text)
        with self._lock:
            self._items[wanted] = found
            self._recorded.add(wanted)
        return found

    def first_seen(self, region: str, key: str, version: str) -> dt.datetime | None:
        """When the first case opened under ``version`` (None: not stored)."""
        with self.db.engine.connect() as conn:
            return conn.execute(
                select(DEFINITIONS.c.first_seen_at).where(
                    DEFINITIONS.c.region == region,
                    DEFINITIONS.c.item_key == key,
                    DEFINITIONS.c.version == version,
                )
            ).scalar_one_or_none()

    def versions(self, region: str, key: str) -> list[SeenVersion]:
        """Every version of the item the database knows, oldest first: the stored ones, then
        those only cases name (written before definitions were stored)."""
        with self.db.engine.connect() as conn:
            stored = conn.execute(
                select(DEFINITIONS.c.version, DEFINITIONS.c.first_seen_at)
                .where(DEFINITIONS.c.region == region, DEFINITIONS.c.item_key == key)
                .order_by(DEFINITIONS.c.first_seen_at, DEFINITIONS.c.id)
            ).all()
            counts = conn.execute(
                select(CASES.c.item_version, func.count())
                .where(
                    CASES.c.region == region,
                    CASES.c.item_key == key,
                    CASES.c.state.not_in(TERMINAL_STATES),
                )
                .group_by(CASES.c.item_version)
            ).all()
            named = conn.execute(
                select(CASES.c.item_version)
                .where(CASES.c.region == region, CASES.c.item_key == key)
                .group_by(CASES.c.item_version)
                .order_by(func.min(CASES.c.id))
            ).all()
        open_cases = {str(version): int(n) for version, n in counts}
        out = [SeenVersion(str(v), seen, open_cases.get(str(v), 0), True) for v, seen in stored]
        known = {s.version for s in out}
        out.extend(
            SeenVersion(str(v), None, open_cases.get(str(v), 0), False)
            for (v,) in named
            if str(v) not in known
        )
        return out

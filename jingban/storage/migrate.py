"""Alembic wiring: the migration scripts ship inside the package; no alembic.ini needed.

`ensure_current` is what opening a database runs: a cheap read of ``alembic_version``
against the packaged head revision, and Alembic (imported only then) when they differ.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine``, with the packaged migration scripts."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "jingban.storage:migrations")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine``'s database to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@functools.cache
def packaged_head() -> str | None:
    """The head revision of the packaged migration scripts, read from their ``revision`` and
    ``down_revision`` lines without importing Alembic; None when the scripts do not have
    exactly one head or a line is not a plain string (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    versions = resources.files("jingban.storage").joinpath("migrations", "versions")
    for script in versions.iterdir():
        if not script.name.endswith(".py"):
            continue
        for name, value in _REVISION.findall(script.read_text(encoding="utf-8")):
            value = value.strip()
            if value == "None":
                continue
            found = re.fullmatch(r"""(["'])([^"']+)\1""", value)
            if found is None:
                return None  # a tuple of parents, say: leave it to Alembic
            (revisions if name == "revision" else parents).add(found.group(2))
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def is_current(engine: Engine) -> bool:
    """Whether ``engine``'s database is at the packaged head (one ``alembic_version`` row
    naming it); False for an empty database or when it cannot be told cheaply."""
    head = packaged_head()
    if head is None:
        return False
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(rows) == [head]


def _at_script_heads(engine: Engine) -> bool:
    """Whether the database is at the heads of the packaged scripts, as Alembic reads them;
    only reads (no lock), for when `is_current` cannot tell."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def ensure_current(engine: Engine) -> None:
    """Apply every pending migration (idempotent); without Alembic when none is pending.
    A current database is only read, never locked: the write lock (SQLite) or the
    migration lock (PostgreSQL) is taken only when a migration is actually pending, so
    opening the database never waits for another process's write."""
    if is_current(engine) or (packaged_head() is None and _at_script_heads(engine)):
        return
    upgrade(engine)

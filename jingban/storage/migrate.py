"""Alembic wiring: the migration scripts ship inside the package; no alembic.ini needed.

`ensure_current` is what opening a database runs: a cheap read of ``alembic_version``
against the packaged head revision, and Alembic (imported only then) when they differ.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from jingban.storage.revisions import packaged_head

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine``, with the packaged migration scripts."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "jingban.storage:migrations")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine``'s database to ``revision``. A migration that replaced
    sensitive data (``attributes["scrub"]``) is followed, once committed, by a rewrite of a
    SQLite file (`jingban.storage.scrub`), so no overwritten copy stays in its free pages;
    a file busy with another process is left for ``jingban keys scrub``."""
    from alembic import command

    config = alembic_config(engine)
    command.upgrade(config, revision)
    if config.attributes.get("scrub") and engine.dialect.name == "sqlite":
        from sqlalchemy.exc import OperationalError

        from jingban.storage.scrub import scrub_sqlite

        with contextlib.suppress(OperationalError):
            scrub_sqlite(engine)


def current(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


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

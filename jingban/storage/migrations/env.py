"""Alembic environment: runs migrations on the engine passed in by `jingban.storage.migrate`.

Several processes may start at once on an empty database (server workers, schedulers): the
migration transaction takes a lock first — a transaction-level advisory lock on PostgreSQL,
the write lock (BEGIN IMMEDIATE) on SQLite — so one migrates and the others then find the
schema current. All pending migrations run in that one transaction on both backends: Alembic
would otherwise commit SQLite's after each migration (it does not count SQLite as having
transactional DDL, which it has), and a second process that read the version between two
of those commits would run a migration again ("table already exists").
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from jingban.storage.models import METADATA, declare_postgresql_where
from jingban.storage.models_attachments import CASE_FILES  # noqa: F401  (its tables on METADATA)

MIGRATION_LOCK = 0x6A696E6762616E02

declare_postgresql_where()  # autogenerate compares the partial indexes on either backend
config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        connection = connection.execution_options(jingban_write=True)
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        render_as_batch=is_sqlite,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        if not is_sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        context.run_migrations()
    connection.commit()

"""Overwritten data removed from the database's files: the whole identity numbers an upgrade
replaced by ciphertext (`jingban.storage.idcrypt`) stay on disk in free pages (SQLite) or
dead row versions (PostgreSQL) until the file is rewritten."""

from __future__ import annotations

from sqlalchemy import Engine

from jingban.storage.database import Database


def scrub(db: Database) -> None:
    """Rewrite the database so no overwritten row remains on disk: SQLite ``VACUUM`` (with
    secure deletion) and a truncating WAL checkpoint; PostgreSQL ``VACUUM FULL`` of the
    cases table. Takes the write lock (SQLite) or an exclusive lock on ``cases``
    (PostgreSQL) while it runs: run it in a quiet hour."""
    if db.engine.dialect.name == "sqlite":
        scrub_sqlite(db.engine)
        return
    # The main pool pings its connections: a scrub after a server restart runs on a live one.
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("VACUUM FULL cases")


def scrub_sqlite(engine: Engine) -> None:
    """``VACUUM`` a SQLite database with secure deletion, then truncate its WAL file."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA secure_delete = ON")
        cur.execute("VACUUM")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.execute("PRAGMA secure_delete = OFF")
    finally:
        raw.close()

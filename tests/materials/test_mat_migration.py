"""Migration 0019_attachments: adds ``case_files`` and ``file_views`` to a database that had
cases before it (nothing else changes), and takes them away again on downgrade; on SQLite
and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from materials_support import INVOICE, open_case, pdf
from sqlalchemy import inspect
from support import at

from jingban.engine import Engine
from jingban.storage import CaseStore, Database
from jingban.storage.attachments import AttachmentStore
from jingban.storage.migrate import alembic_config, current


def test_the_revision_adds_the_tables_and_downgrades_cleanly(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    db = Database(db_url)
    try:
        store = CaseStore(db, engine)
        before = open_case(store)
        head = current(db.engine)
        command.downgrade(alembic_config(db.engine), "0015_id_encryption")
        tables = set(inspect(db.engine).get_table_names())
        assert not {"case_files", "file_views"} & tables
        db.upgrade()
        assert current(db.engine) == head
        assert {"case_files", "file_views"} <= set(inspect(db.engine).get_table_names())
        files = AttachmentStore(db, store, tmp_path / "files")
        kept = files.attach(
            before, INVOICE, "a.pdf", pdf(), actor="c", role="clerk", now=at("2026-03-02 11:00")
        )
        assert kept.seq == 2 and store.verify(before) == (2, [])
    finally:
        db.dispose()

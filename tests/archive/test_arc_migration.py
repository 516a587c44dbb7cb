"""0022_archives on a SQLite file and on PostgreSQL: it adds the three archive tables to a
database that has cases, a downgrade removes them and leaves the cases, and an upgrade again
brings them back empty and usable."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from archive_support import completed_outpatient, export, services_on
from sqlalchemy import inspect, text
from support import parent_revision

from jingban.storage.migrate import alembic_config, is_current

TABLES = {"archive_packages", "archive_appraisals", "archive_destructions"}


def test_the_archive_tables_come_and_go_with_their_revision(db_url: str, tmp_path: Path) -> None:
    services = services_on(db_url)
    db = services.db
    try:
        assert is_current(db.engine)
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        case_no = completed_outpatient(services, "2026-10-09 10:00", "2026-10-09 16:00")
        export(services, case_no, tmp_path, "2026-10-12 09:00")
        command.downgrade(alembic_config(db.engine), parent_revision("0022_archives"))
        assert not TABLES & set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 1
        db.upgrade()
        assert is_current(db.engine)
        assert services.archives.find(case_no) is None  # the records went with the tables
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one() == 5
        export(services, case_no, tmp_path / "again", "2026-10-12 09:30")
        assert services.archives.get(case_no).term == "10年"
    finally:
        db.dispose()

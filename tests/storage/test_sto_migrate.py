"""Migrations: applied on first use, idempotent, and safe when several processes start at
once on an empty database (server workers and schedulers do)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import inspect

from jingban.storage import Database
from jingban.storage.migrate import current

_MIGRATE = "import sys; from jingban.storage import Database; Database(sys.argv[1]).dispose()"


def test_first_use_migrates_to_head_and_again_is_a_no_op(db_url: str) -> None:
    db = Database(db_url)
    try:
        head = current(db.engine)
        assert head is not None
        tables = set(inspect(db.engine).get_table_names())
        assert {"cases", "audit_events", "alerts", "users", "calendar_notices"} <= tables
        db.upgrade()
        assert current(db.engine) == head
    finally:
        db.dispose()


def test_four_processes_migrating_an_empty_database_at_once_all_succeed(db_url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE, db_url], stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            errors.append(err[-500:])
    assert errors == []
    db = Database(db_url, migrate=False)
    try:
        assert current(db.engine) is not None
    finally:
        db.dispose()

"""Opening a database checks its schema cheaply: ``alembic_version`` against the packaged
head, read from the migration scripts without Alembic; Alembic runs only when a migration is
pending (an empty database, or one at an older revision)."""

from __future__ import annotations

import subprocess
import sys

from alembic import command
from alembic.script import ScriptDirectory

from jingban.storage import Database
from jingban.storage.migrate import alembic_config, current, is_current, packaged_head

_OPEN = (
    "import sys; from jingban.storage import Database; Database(sys.argv[1]).dispose(); "
    "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic')[:1])"
)


def test_the_packaged_head_is_alembics_head(db_url: str) -> None:
    db = Database(db_url, migrate=False)
    try:
        assert (
            packaged_head()
            == ScriptDirectory.from_config(alembic_config(db.engine)).get_current_head()
        )
    finally:
        db.dispose()


def test_an_empty_database_is_not_current_and_is_migrated_on_open(db_url: str) -> None:
    bare = Database(db_url, migrate=False)
    try:
        assert not is_current(bare.engine)
        db = Database(db_url)
        assert is_current(db.engine) and current(db.engine) == packaged_head()
        db.dispose()
    finally:
        bare.dispose()


def test_a_database_one_revision_behind_is_upgraded_on_open(db_url: str) -> None:
    db = Database(db_url)
    try:
        command.downgrade(alembic_config(db.engine), "-1")
        assert current(db.engine) != packaged_head()
        assert not is_current(db.engine)
    finally:
        db.dispose()
    again = Database(db_url)
    try:
        assert current(again.engine) == packaged_head()
    finally:
        again.dispose()


def test_opening_a_current_database_does_not_import_alembic(db_url: str) -> None:
    Database(db_url).dispose()
    done = subprocess.run(
        [sys.executable, "-c", _OPEN, db_url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_opening_an_empty_database_in_a_fresh_process_migrates_it(db_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _OPEN, db_url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['alembic']"
    db = Database(db_url, migrate=False)
    try:
        assert current(db.engine) == packaged_head()
    finally:
        db.dispose()

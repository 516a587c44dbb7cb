"""`jingban db backup` / `restore`: a backup taken while four writers keep registering,
accepting and approving cases restores, into an empty database, to a state where every
case's row equals its last audit record, and `audit verify` finds nothing wrong; on a SQLite
file and on PostgreSQL. A restore refuses a database that is not empty, a file that is not a
backup, and a backup of the other kind, leaving the target as it was.

The writers act on the 调休 Saturday before 春节 2026 (14 February, a working day).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_support import OPEN, at
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from support import require_pg

from jingban.errors import BadInput, NotAllowed
from jingban.services import Services
from jingban.storage import Database
from jingban.storage.backup import backup, restore, table_counts
from jingban.storage.models import AUDIT, CASES

WRITERS = 4


@pytest.fixture
def target_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``db_url``, to restore into."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    parsed = make_url(require_pg())
    name = f"{parsed.database}_restore"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield parsed.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _writer(url: str, index: int, backed_up: threading.Event, progress: list[int]) -> None:
    """Register, accept and approve cases until the backup is done, then one more case:
    every writer writes both before and after the backup."""
    db = Database(url, migrate=False)
    services = Services(db)
    store = services.cases
    try:
        rounds = 0
        while not backed_up.is_set() or rounds == progress[index]:
            number = store.open(
                now=at("2026-02-14 09:30"),
                region="sichuan",
                item="inpatient_reimbursement",
                all_materials=True,
                **OPEN,
            ).case.case_no
            store.act(
                number, "accept", actor=f"clerk-{index}", role="clerk", now=at("2026-02-14 10:00")
            )
            store.act(
                number,
                "approve",
                actor=f"reviewer-{index}",
                role="reviewer",
                now=at("2026-02-14 11:00"),
            )
            rounds += 1
            if not backed_up.is_set():
                progress[index] = rounds
    finally:
        db.dispose()


def _audit_rows(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(AUDIT)).scalar_one())
    engine.dispose()
    return count


def test_a_backup_during_concurrent_actions_restores_consistent(
    db_url: str, target_url: str, tmp_path: Path
) -> None:
    Database(db_url).dispose()  # the schema, once
    backed_up = threading.Event()
    progress = [0] * WRITERS
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            _writer(db_url, i, backed_up, progress)
        except BaseException as exc:  # inspected below
            errors.append(exc)
            backed_up.set()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    # Wait (without a clock) until every writer has finished two cases, then back up.
    while not errors and min(progress) < 2:
        threading.Event().wait(0.05)
    before = _audit_rows(db_url)
    made = backup(tmp_path / "backup.bin", db_url)
    backed_up.set()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    after = _audit_rows(db_url)
    assert made.size > 0 and made.kind == make_url(db_url).get_backend_name()

    assert restore(made.path, target_url) == made.kind
    restored = Services(Database(target_url))
    try:
        counts = table_counts(restored.db.engine)
        # taken during the stream: more than before it started, less than at the end
        assert before <= counts["audit_events"] < after
        with restored.db.engine.connect() as conn:
            last = _last_audit(conn)
            cases = {
                row.case_no: (row.state, row.audit_seq)
                for row in conn.execute(select(CASES.c.case_no, CASES.c.state, CASES.c.audit_seq))
            }
        assert cases and cases == last
        assert counts["cases"] == len(cases)
        checked, breaks = restored.cases.verify(None)
        assert (checked, breaks) == (counts["audit_events"], [])
    finally:
        restored.db.dispose()


def _last_audit(conn) -> dict[str, tuple[str, int]]:  # type: ignore[no-untyped-def]
    """Each case number's last audit record: (to_state, seq)."""
    found: dict[str, tuple[str, int]] = {}
    rows = conn.execute(
        select(AUDIT.c.case_no, AUDIT.c.to_state, AUDIT.c.seq).order_by(AUDIT.c.seq)
    )
    for row in rows:
        found[row.case_no] = (row.to_state, row.seq)
    return found


def test_a_restore_refuses_a_database_that_is_not_empty(
    db_url: str, target_url: str, tmp_path: Path
) -> None:
    services = Services(Database(db_url))
    services.cases.open(
        now=at("2026-02-14 09:30"), region="sichuan", item="inpatient_reimbursement", **OPEN
    )
    made = backup(tmp_path / "one.bin", db_url)
    services.db.dispose()
    restore(made.path, target_url)
    before = _audit_rows(target_url)
    with pytest.raises(NotAllowed, match="不是空的"):
        restore(made.path, target_url)
    assert _audit_rows(target_url) == before == 1


def test_a_restore_refuses_what_is_not_a_backup_of_its_kind(
    db_url: str, target_url: str, tmp_path: Path
) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("这不是备份", encoding="utf-8")
    with pytest.raises(BadInput, match="不是 jingban 的备份文件"):
        restore(junk, target_url)
    other = tmp_path / "other.bin"
    other.write_bytes(b"PGDMP" if db_url.startswith("sqlite") else b"SQLite format 3\x00")
    with pytest.raises(BadInput, match="不能恢复到"):
        restore(other, target_url)
    with pytest.raises(BadInput, match="不存在"):
        restore(tmp_path / "missing.bin", target_url)


def test_a_backup_never_overwrites_a_file(db_url: str, tmp_path: Path) -> None:
    Database(db_url).dispose()
    kept = tmp_path / "kept.bin"
    kept.write_bytes(b"older backup")
    with pytest.raises(BadInput, match="已存在"):
        backup(kept, db_url)
    assert kept.read_bytes() == b"older backup"
    assert not list(tmp_path.glob(".*partial"))


def test_paths_with_spaces_and_marks_back_up_and_restore(tmp_path: Path) -> None:
    odd = tmp_path / "医保 backups #1 (copy)"
    odd.mkdir()
    url = f"sqlite:///{odd / 'jingban.db'}"
    services = Services(Database(url))
    services.cases.open(
        now=at("2026-02-14 09:30"), region="sichuan", item="inpatient_reimbursement", **OPEN
    )
    services.db.dispose()
    made = backup(odd / "copy #2.db", url)
    assert restore(made.path, f"sqlite:///{odd / 'restored.db'}") == "sqlite"
    assert _audit_rows(f"sqlite:///{odd / 'restored.db'}") == 1

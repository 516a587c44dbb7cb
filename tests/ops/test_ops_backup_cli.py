"""`jingban db backup FILE` and `jingban db restore FILE` as an administrator runs them (the
installed command, a SQLite file): the restore reports the counts and the audit check; it
exits 4 for a database that is not empty, 2 for a file that is not a backup or a missing
server key, 8 when the restored audit trail does not match its cases — one `错误:` line and
never a traceback."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from ops_support import OPEN, at

from jingban.services import Services
from jingban.storage import Database

JINGBAN = Path(sys.executable).with_name("jingban")


def _run(root: Path, db: str, *args: str, key: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINGBAN_")}
    env.update(
        JINGBAN_DATABASE_URL=f"sqlite:///{root / db}",
        JINGBAN_SECRET_KEY_FILE=str(key),
        PYTHONIOENCODING="utf-8",
    )
    return subprocess.run(
        [str(JINGBAN), "db", *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def test_backup_then_restore_reports_counts_and_a_clean_audit(tmp_path: Path) -> None:
    services = Services(Database(f"sqlite:///{tmp_path / 'live.db'}"))
    number = services.cases.open(
        now=at("2026-02-14 09:30"),
        region="sichuan",
        item="inpatient_reimbursement",
        all_materials=True,
        **OPEN,
    ).case.case_no
    services.cases.act(number, "accept", actor="clerk-li", role="clerk", now=at("2026-02-14 10:00"))
    services.db.dispose()
    key = Path(os.environ["JINGBAN_SECRET_KEY_FILE"])  # the session's, which the store used

    made = _run(tmp_path, "live.db", "backup", "copy.db", "--json", key=key)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["kind"] == "sqlite"
    again = _run(tmp_path, "live.db", "backup", "copy.db", key=key)
    assert (again.returncode, again.stderr.count("\n")) == (2, 1)
    assert again.stderr.startswith("错误: 备份文件")

    restored = _run(tmp_path, "new.db", "restore", "copy.db", "--json", key=key)
    assert restored.returncode == 0, restored.stderr
    report = json.loads(restored.stdout)
    assert report["ok"] is True and report["breaks"] == []
    assert report["counts"]["cases"] == 1 and report["counts"]["audit_events"] == report["records"]

    refused = _run(tmp_path, "new.db", "restore", "copy.db", key=key)
    assert refused.returncode == 4 and "不是空的" in refused.stderr
    assert "Traceback" not in refused.stderr

    junk = tmp_path / "notes.txt"
    junk.write_text("不是备份", encoding="utf-8")
    wrong = _run(tmp_path, "other.db", "restore", "notes.txt", key=key)
    assert wrong.returncode == 2 and "不是 jingban 的备份文件" in wrong.stderr
    assert not (tmp_path / "other.db").exists()

    keyless = _run(tmp_path, "third.db", "restore", "copy.db", key=tmp_path / "missing.key")
    assert keyless.returncode == 2 and "服务器密钥文件" in keyless.stderr
    assert not (tmp_path / "third.db").exists()


def test_a_restored_trail_that_does_not_match_its_cases_exits_8(tmp_path: Path) -> None:
    services = Services(Database(f"sqlite:///{tmp_path / 'live.db'}"))
    number = services.cases.open(
        now=at("2026-02-14 09:30"), region="sichuan", item="inpatient_reimbursement", **OPEN
    ).case.case_no
    services.db.dispose()
    key = Path(os.environ["JINGBAN_SECRET_KEY_FILE"])
    made = _run(tmp_path, "live.db", "backup", "copy.db", key=key)
    assert made.returncode == 0, made.stderr
    # Someone edits the backup: a case row no longer says what its audit trail does.
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        conn.execute("UPDATE cases SET state = 'completed' WHERE case_no = ?", (number,))
    restored = _run(tmp_path, "new.db", "restore", "copy.db", key=key)
    assert restored.returncode == 8, (restored.stdout, restored.stderr)
    assert number in restored.stdout and "Traceback" not in restored.stderr

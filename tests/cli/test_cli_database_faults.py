"""The command line while the database is busy or full: reads never wait for a writer, and
every failure is one `错误: …` line with its documented exit code (5 busy, 6 disk full),
never a traceback; a second `jingban serve` on one SQLite file refuses to start.

The lock is held by a real second process, past a busy timeout of a fifth of a second.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from db_faults import cap_sqlite_size, sqlite_write_lock
from test_cli_server import PASSWORD, Cli, _free_port, _one_error_line, _serving

from jingban.engine.identity import gb11643_check
from jingban.storage import Database, migrate
from jingban.storage.accounts import AccountStore


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    made = Cli(tmp_path)
    made.env["JINGBAN_SQLITE_BUSY_SECONDS"] = "0.2"
    return made


def _identity(n: int) -> str:
    body = f"51010419800101{n:03d}"
    return body + gb11643_check(body)


def _open(cli: Cli, n: int = 1) -> str:
    run = cli.inproc(
        "case", "open", "--region", "sichuan", "--item", "inpatient_reimbursement",
        "--applicant-name", "王秀英", "--applicant-id", _identity(n), "--actor", "clerk_li",
        "--role", "clerk", "--all-materials", "--json",
    )  # fmt: skip
    assert run.code == 0, run
    return str(json.loads(run.stdout)["case_no"])


def test_reads_answer_and_writes_exit_5_while_another_process_writes(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINGBAN_SQLITE_BUSY_SECONDS", "0.2")
    case_no = _open(cli)
    with sqlite_write_lock(cli.url):
        shown = cli("case", "show", case_no, "--json")
        listed = cli.inproc("case", "list", "--json")
        acted = cli("case", "act", case_no, "accept", "--actor", "clerk_li", "--role", "clerk")
        opened = cli.inproc(
            "case", "open", "--region", "sichuan", "--item", "inpatient_reimbursement",
            "--applicant-name", "王秀英", "--applicant-id", _identity(2), "--actor", "clerk_li",
            "--role", "clerk", "--all-materials",
        )  # fmt: skip
    assert shown.code == 0 and json.loads(shown.stdout)["state"] == "submitted", shown
    assert listed.code == 0, listed
    _one_error_line(acted, 5, "数据库繁忙")
    _one_error_line(opened, 5, "数据库繁忙")
    assert len(json.loads(cli.inproc("case", "list", "--json").stdout)) == 1


def test_opening_a_current_database_takes_no_lock_even_when_the_head_is_not_plain(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the packaged head cannot be read cheaply (a merge revision, say), Alembic reads
    the heads; a current database is still only read."""
    monkeypatch.setenv("JINGBAN_SQLITE_BUSY_SECONDS", "0.2")
    case_no = _open(cli)
    monkeypatch.setattr(migrate, "packaged_head", lambda: None)
    with sqlite_write_lock(cli.url):
        shown = cli.inproc("case", "show", case_no, "--json")
    assert shown.code == 0, shown


def test_a_migration_that_cannot_take_the_lock_exits_5(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINGBAN_SQLITE_BUSY_SECONDS", "0.2")
    Database(cli.url).dispose()
    with Database(cli.url, migrate=False).engine.connect() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0009_notice_numbers'")
        conn.commit()
    with sqlite_write_lock(cli.url):
        run = cli.inproc("case", "list")
    _one_error_line(run, 5, "数据库繁忙")


def test_a_full_disk_exits_6_saying_so(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from jingban.storage import database

    _open(cli)
    made = database.make_engine

    def capped(url: str | None = None):  # type: ignore[no-untyped-def]
        engine = made(url)
        cap_sqlite_size(engine)
        return engine

    monkeypatch.setattr(database, "make_engine", capped)
    for n in range(2, 400):
        run = cli.inproc(
            "case", "open", "--region", "sichuan", "--item", "inpatient_reimbursement",
            "--applicant-name", "王秀英", "--applicant-id", _identity(n), "--actor", "clerk_li",
            "--role", "clerk", "--all-materials",
        )  # fmt: skip
        if run.code != 0:
            break
    _one_error_line(run, 6, "磁盘已满")
    assert "繁忙" not in run.stderr


def test_a_second_server_on_one_sqlite_file_refuses_to_start(cli: Cli) -> None:
    now = dt.datetime.now(dt.UTC)
    AccountStore(Database(cli.url)).add_user("clerk_li", role="clerk", password=PASSWORD, now=now)
    port = _free_port()
    with _serving(cli, "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"):
        second = cli("serve", "--host", "127.0.0.1", "--port", str(_free_port()))
    _one_error_line(second, 4, "另一个 jingban serve")
    assert "PostgreSQL" in second.stderr

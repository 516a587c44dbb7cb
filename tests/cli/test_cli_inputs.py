"""Inputs the command line refuses with one `错误: …` line and a documented exit code, never a
traceback, and with the stored data unchanged: a year out of the calendar's range, text longer
than its column (PostgreSQL used to answer `StringDataRightTruncation`, SQLite stored it
whole), control characters and full account numbers in free text, an amount in any form but
plain decimal yuan, and a database file that is not a database.

Commands run through the console script's entry point in this process, on SQLite and on
PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import gb11643

from jingban.storage import Database
from jingban.storage.accounts import AccountStore

APPLICANT_ID = gb11643("65310119880214302")
LONG = "长" * 101
RECEIVED = "2025-06-04T10:00+08:00"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def run(url: str, root: Path, *args: str) -> Run:
    from jingban.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JINGBAN_DATABASE_URL", url)
        patch.chdir(root)
        patch.setattr(sys, "argv", ["jingban", *args])
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Run(code, out.getvalue(), err.getvalue())


def _one_line(result: Run, code: int, *words: str) -> None:
    assert result.code == code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def _open(url: str, root: Path, *extra: str, region: str = "kashgar") -> Run:
    return run(
        url,
        root,
        "case",
        "open",
        "--region",
        region,
        "--item",
        "inpatient_reimbursement",
        "--applicant-name",
        "古丽娜尔",
        "--applicant-id",
        APPLICANT_ID,
        "--received-at",
        RECEIVED,
        "--all-materials",
        "--json",
        *extra,
    )


def _count(url: str) -> int:
    from sqlalchemy import func, select

    from jingban.storage.models import CASES

    db = Database(url)
    try:
        with db.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(CASES)).scalar_one())
    finally:
        db.dispose()


def test_a_year_out_of_the_calendar_s_range_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jingban.db'}"
    for year in ("99999", "1", "0", "2100"):
        _one_line(run(url, tmp_path, "calendar", "show", year), 2, "超出日历范围")


def test_text_longer_than_its_column_is_refused_before_the_database(
    db_url: str, tmp_path: Path
) -> None:
    who = ("--actor", "clerk-li", "--role", "clerk")
    _one_line(_open(db_url, tmp_path, *who, "--office", LONG), 2, "经办机构过长", "100")
    _one_line(_open(db_url, tmp_path, "--actor", LONG, "--role", "clerk"), 2, "操作人过长")
    assert _count(db_url) == 0
    opened = _open(db_url, tmp_path, *who)
    assert opened.code == 0, opened.stderr

    add = ("user", "add", "clerk-wang", "--role", "clerk", "--password", "Counter-pass-42")
    _one_line(run(db_url, tmp_path, *add, "--display-name", LONG), 2, "姓名过长")
    _one_line(run(db_url, tmp_path, *add, "--office", LONG), 2, "经办机构过长")
    _one_line(run(db_url, tmp_path, *add, "--actor", "a" * 65), 2, "操作人过长")
    assert run(db_url, tmp_path, *add).code == 0
    edit = ("user", "edit", "clerk-wang")
    _one_line(run(db_url, tmp_path, *edit, "--display-name", LONG), 2, "姓名过长")
    _one_line(run(db_url, tmp_path, *edit, "--display-name", "王\x00五"), 2, "控制字符")
    db = Database(db_url)
    try:
        assert AccountStore(db).user("clerk-wang").display_name == "clerk-wang"
    finally:
        db.dispose()

    route = ("alerts", "route-add", "--region", "kashgar", "--kind", "email", "--target", "a@b.cn")
    _one_line(run(db_url, tmp_path, *route, "--name", LONG), 2, "接收人过长")
    _one_line(run(db_url, tmp_path, *route, "--name", "科长", "--office", LONG), 2, "经办机构过长")


def test_free_text_and_amounts_are_refused_with_one_line(db_url: str, tmp_path: Path) -> None:
    opened = _open(db_url, tmp_path, "--actor", "clerk-li", "--role", "clerk", region="sichuan")
    assert opened.code == 0, opened.stderr

    case_no = json.loads(opened.stdout)["case_no"]
    act = ("case", "act", case_no)
    at = ("--at", "2025-06-04T11:00+08:00")
    clerk = ("--actor", "clerk-li", "--role", "clerk", *at)
    account = "6217 0031 2345 6789"
    _one_line(
        run(db_url, tmp_path, *act, "not_accept", *clerk, "--reason", f"账号 {account} 有误"),
        2,
        "理由中不得填写完整银行账号",
        "6789",
    )
    _one_line(
        run(db_url, tmp_path, *act, "not_accept", *clerk, "--reason", f"证件 {APPLICANT_ID}"),
        2,
        "理由中不得填写完整证件号码",
    )
    _one_line(
        run(db_url, tmp_path, *act, "not_accept", *clerk, "--reason", "材料\x00不全"),
        2,
        "控制字符",
    )
    assert run(db_url, tmp_path, *act, "accept", *clerk).code == 0
    approve = ("--actor", "reviewer-wang", "--role", "reviewer", "--at", "2025-06-04T12:00+08:00")
    assert run(db_url, tmp_path, *act, "approve", *approve).code == 0
    payer = ("--actor", "payer-zhao", "--role", "payer", "--at", "2025-06-04T13:00+08:00")
    pay = (*act, "pay", *payer, "--account", "6217003123456789", "--voucher", "PZ-1")
    for amount in ("1e10", "1E3", "12,34", "1_000", "٣٤", "1000000.01"):
        _one_line(run(db_url, tmp_path, *pay, "--amount", amount), 2, "金额")
    shown = run(db_url, tmp_path, "case", "show", case_no, "--json")
    assert json.loads(shown.stdout)["state"] == "reviewed"


@pytest.mark.parametrize(
    "command",
    [
        ("audit", "verify"),
        ("case", "show", "KS-20250604-00001-U"),
        ("user", "list"),
        ("alerts", "scan"),
    ],
)
def test_a_file_that_is_not_a_database_is_one_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    path = tmp_path / "jingban.db"
    path.write_bytes(bytes(range(256)) * 16)
    before = path.read_bytes()
    _one_line(run(f"sqlite:///{path}", tmp_path, *command), 7, "数据库文件已损坏", "备份")
    assert path.read_bytes() == before

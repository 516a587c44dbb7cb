"""`jingban case open --phone`, `--sms-optout`, `case show` with the applicant messages, and
the opt-out as `jingban case act CASE_NO sms_optout`, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from support import gb11643

from jingban.storage import Database

APPLICANT_ID = gb11643("65310119880214302")
CLERK = ("--actor", "c1", "--role", "clerk")


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
        patch.delenv("JINGBAN_SMS_URL", raising=False)
        patch.chdir(root)
        patch.setattr(sys, "argv", ["jingban", *args])
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Run(code, out.getvalue(), err.getvalue())


def _open(url: str, root: Path, *extra: str) -> Run:
    return run(
        url,
        root,
        "case",
        "open",
        "--region",
        "sichuan",
        "--item",
        "inpatient_reimbursement",
        "--applicant-name",
        "张三",
        "--applicant-id",
        APPLICANT_ID,
        "--all-materials",
        *CLERK,
        "--json",
        *extra,
    )


def _cases(url: str) -> int:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
    finally:
        db.dispose()


def test_a_bad_number_exits_2_with_one_line_and_stores_nothing(db_url: str, tmp_path: Path) -> None:
    result = _open(db_url, tmp_path, "--phone", "12812345678")
    assert result.code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误: ") and "手机号码" in lines[0]
    assert "Traceback" not in result.stderr
    assert _cases(db_url) == 0


def test_the_number_is_masked_and_the_messages_shown(db_url: str, tmp_path: Path) -> None:
    opened = _open(db_url, tmp_path, "--phone", "13812345678")
    assert opened.code == 0, opened
    data = json.loads(opened.stdout)
    assert data["phone"] == "138****5678"
    case_no = data["case_no"]
    assert run(db_url, tmp_path, "case", "act", case_no, "accept", *CLERK).code == 0
    shown = run(db_url, tmp_path, "case", "show", case_no, "--json")
    assert shown.code == 0, shown
    detail = json.loads(shown.stdout)
    assert detail["phone"] == "138****5678" and "13812345678" not in shown.stdout
    assert [(m["kind"], m["status"]) for m in detail["messages"]] == [("accept", "not_sent")]
    human = run(db_url, tmp_path, "case", "show", case_no)
    assert "短信" in human.stdout and "受理 未发送 (未配置短信网关)" in human.stdout
    optout = run(db_url, tmp_path, "case", "act", case_no, "sms_optout", *CLERK)
    assert optout.code == 0, optout
    again = run(db_url, tmp_path, "case", "act", case_no, "sms_optout", *CLERK)
    assert again.code == 4 and "已退订" in again.stderr


def test_opted_out_at_registration(db_url: str, tmp_path: Path) -> None:
    opened = _open(db_url, tmp_path, "--phone", "13812345678", "--sms-optout")
    assert json.loads(opened.stdout)["sms_optout"] is True

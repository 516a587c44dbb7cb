"""`jingban report on-time --region R --from --to --xlsx FILE`: the report written as an
Excel workbook (opened again with openpyxl), and a file that cannot be written one line with
exit 2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cli_support import Cli, completed_cases, error_line
from openpyxl import load_workbook


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    made = Cli(tmp_path_factory.mktemp("cli"))
    completed_cases(made.env["JINGBAN_DATABASE_URL"], (12,))
    return made


def test_the_report_is_written_as_a_workbook(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "on-time.xlsx"
    done = cli.inproc("report", "on-time", "--region", "sichuan", "--from", "2026-10-01",
                      "--to", "2026-10-31", "--xlsx", str(out))  # fmt: skip
    assert done.code == 0, done.stderr
    ws = load_workbook(out).active
    assert ws["A1"].value == "四川省 按时办结情况表"
    assert ws["B2"].value == dt.datetime(2026, 10, 1)
    assert [c.value for c in ws[4]][1:3] == ["职工参保登记", 1]
    assert ws.freeze_panes == "A4"
    bad = cli.inproc("report", "on-time", "--xlsx", str(tmp_path / "missing" / "x.xlsx"))
    assert bad.code == 2 and "无法写入" in error_line(bad)

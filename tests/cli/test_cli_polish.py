"""The command line as a clerk reads it: Chinese labels instead of internal values, Beijing
times to the minute, one Chinese line for every usage error (exit 2, as click gives), dates
that do not exist named as such, case numbers typed in lower case or without hyphens, an item
list that fits 80 columns, and a start-up that loads only what the command needs."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from support import gb11643
from typer.testing import CliRunner

from jingban.cli._common import width
from jingban.cli._lazy import LazyGroup, load
from jingban.cli.main import ENTRIES

APPLICANT_ID = gb11643("65310119880214302")
SECONDS = re.compile(r"\d\d:\d\d:\d\d|\.\d{6}|T\d\d:")


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The console script's entry point, in this process, on ``root``'s database."""
    from jingban.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JINGBAN_DATABASE_URL", f"sqlite:///{root / 'jingban.db'}")
        for key, value in (env or {}).items():
            patch.setenv(key, value)
        patch.chdir(root)
        patch.setattr(sys, "argv", ["jingban", *args])
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()


def one_error(code: int, out: str, err: str) -> str:
    """The single Chinese error line of a refused command."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("错误: "), err
    assert out == "" and "Traceback" not in err and "╭" not in err
    assert not re.search(r"Invalid value|Missing|No such|Usage:", err), err
    return lines[0]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-polish")


@pytest.fixture(scope="module")
def number(root: Path) -> str:
    """A 喀什 case, opened and accepted."""
    code, out, err = run(
        root,
        *("case", "open", "--region", "kashgar", "--item", "inpatient_reimbursement"),
        *("--applicant-name", "古丽娜尔", "--applicant-id", APPLICANT_ID, "--all-materials"),
        *("--actor", "clerk-li", "--role", "clerk", "--received-at", "2025-06-04T10:00:30.5"),
        "--json",
    )
    assert code == 0, err
    case_no: str = json.loads(out)["case_no"]
    code, _, err = run(root, "case", "act", case_no, "accept", "--actor", "li", "--role", "clerk")
    assert code == 0, err
    return case_no


def sloppy(case_no: str) -> str:
    """The number as a person may type it: lower case, no hyphens."""
    return case_no.replace("-", "").lower()


def test_case_show_speaks_chinese_in_minutes(root: Path, number: str) -> None:
    code, out, err = run(root, "case", "show", number)
    assert code == 0, err
    assert "渠道: 窗口" in out and "window" not in out
    assert "(窗口受理人员)" in out and "(clerk)" not in out
    assert "登记" in out and "受理" in out
    assert "submitted" not in out and "accepted" not in out and "open " not in out
    assert "收件: 2025-06-04 10:00" in out
    assert not SECONDS.search(out), out  # no seconds, microseconds or ISO "T"


def test_case_list_and_act_print_minutes(root: Path, number: str) -> None:
    code, out, err = run(root, "case", "list")
    assert code == 0, err
    assert number in out and not SECONDS.search(out)
    code, out, err = run(root, "case", "act", sloppy(number), "approve", "--actor", "wang")
    one_error(code, out, err)  # --role is missing: a Chinese line, exit 2
    assert code == 2 and "缺少选项 --role" in err


def test_json_keeps_its_iso_times(root: Path, number: str) -> None:
    code, out, _ = run(root, "case", "show", number, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["received_at"] == "2025-06-04T10:00:30.500000+08:00"
    assert shown["channel"] == "window"


def test_a_case_number_is_accepted_in_lower_case_without_hyphens(root: Path, number: str) -> None:
    code, out, err = run(root, "case", "show", sloppy(number), "--json")
    assert code == 0, err
    assert json.loads(out)["case_no"] == number
    code, out, err = run(root, "audit", "verify", sloppy(number))
    assert code == 0, err
    code, out, err = run(
        root, "case", "act", sloppy(number), "approve", "--actor", "wang", "--role", "reviewer"
    )
    assert code == 0, err
    assert out.startswith(f"{number}: 已受理 → ")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("case", "list", "--limit", "abc"), "--limit: 应为整数，收到 'abc'"),
        (("calendar", "due", "2026-11-23", "five"), "时限数值 (N): 应为整数，收到 'five'"),
        (("case", "lst"), "没有命令 lst，是否想用 list"),
        (("case", "list", "--bogus"), "没有选项 --bogus"),
        (("case", "list", "--limit"), "选项 --limit 需要一个值"),
        (("case", "show"), "缺少参数 办件编号 (CASE_NO)"),
    ],
    ids=["integer", "argument", "command", "option", "no value", "missing"],
)
def test_a_usage_error_is_one_chinese_line_with_exit_2(
    root: Path, args: tuple[str, ...], expected: str
) -> None:
    code, out, err = run(root, *args)
    line = one_error(code, out, err)
    assert code == 2
    assert expected in line, line
    assert "--help 查看用法" in line


@pytest.mark.parametrize(
    "args",
    [
        ("calendar", "day", "2026-09-31"),
        ("calendar", "due", "2026-09-31", "5"),
        ("calendar", "due", "2026-09-31T10:00", "5"),
    ],
)
def test_a_date_that_does_not_exist_is_named(root: Path, args: tuple[str, ...]) -> None:
    code, out, err = run(root, *args)
    line = one_error(code, out, err)
    assert code == 2 and "2026-09-31 不是有效日期" in line and "应为 YYYY-MM-DD" not in line


def test_a_malformed_date_still_shows_the_format(root: Path) -> None:
    code, out, err = run(root, "calendar", "day", "23.11.2026")
    assert code == 2 and "应为 YYYY-MM-DD" in one_error(code, out, err)


@pytest.mark.parametrize("region", ["shawan", "tacheng", "kashgar", "sichuan", "bingtuan"])
def test_items_list_fits_80_columns(root: Path, region: str) -> None:
    code, out, err = run(root, "items", "list", "--region", region, env={"COLUMNS": "80"})
    assert code == 0, err
    lines = out.splitlines()
    assert max(width(line) for line in lines) <= 80
    # every item's name and key are on the page, names whole (wrapped, never cut)
    text = "".join(line.strip() for line in lines)
    code, out, _ = run(root, "items", "list", "--region", region, "--json")
    for item in json.loads(out):
        assert item["name"] in text and item["key"] in text


def test_width_counts_cjk_as_two_columns() -> None:
    assert width("abc") == 3 and width("门诊") == 4 and width("（1）") == 5


def test_the_help_lines_of_the_lazy_commands_are_the_sub_apps_own() -> None:
    for entry in ENTRIES:
        command = load(entry)
        assert (command.help or "").split("\n\n")[0].strip() == entry.help, entry.name


def test_help_lists_every_command_without_loading_any() -> None:
    code = (
        "import sys; sys.argv = ['jingban', '--help']\n"
        "from jingban.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in ('sqlalchemy', 'apscheduler', 'jingban.services',"
        " 'jingban.cli.cases', 'jingban.calendar') if m in sys.modules]\n"
        "print('LOADED', loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert done.returncode == 0, done.stderr
    for entry in ENTRIES:
        assert entry.name in done.stdout
    assert "LOADED []" in done.stdout


def test_importing_the_cli_loads_no_database_or_scheduler() -> None:
    code = (
        "import sys, jingban.cli.main\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'apscheduler')])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_command_registered_the_usual_way_runs_beside_the_lazy_ones() -> None:
    app = typer.Typer(cls=LazyGroup, add_completion=False)
    app.callback()(lambda: None)
    extra = typer.Typer(help="另一组命令")
    extra.command("x")(lambda: typer.echo("ran x"))
    app.add_typer(extra, name="extra")
    runner = CliRunner()
    assert runner.invoke(app, ["extra", "x"]).output == "ran x\n"
    listing = runner.invoke(app, ["--help"]).output
    assert "另一组命令" in listing and "办件: 登记" in listing

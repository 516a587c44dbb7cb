"""Start-up: `jingban case show` imports what showing a case needs and nothing of the
scheduler, the HTTP API, the migrations or the holiday library — on a current SQLite file
neither SQLAlchemy, pydantic nor the catalog; `jingban --help` draws its
page without rich; the storage package imports a store when it is used.

These check which modules a fresh process loads, not how long it takes (the timings are
`bench/bench_cli_start.py`'s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import gb11643

#: Modules `case show` must not load: the scheduler, the HTTP API, Alembic (the database is
#: current), the holiday library (showing a case computes no calendar), argon2 (no password).
NOT_FOR_CASE_SHOW = ("apscheduler", "fastapi", "alembic", "holidays", "argon2")

_RUN = (
    "import sys\n"
    "sys.argv = ['jingban', *sys.argv[1:]]\n"
    "from jingban.cli.main import main\n"
    "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
    "print('LOADED', sorted(sys.modules), 'EXIT', code)\n"
)


def loaded(root: Path, *args: str) -> tuple[set[str], str]:
    """The top-level packages a fresh `jingban *args` process loaded, and its output."""
    modules, out = loaded_modules(root, *args)
    return {name.split(".")[0] for name in modules}, out


def loaded_modules(root: Path, *args: str) -> tuple[set[str], str]:
    """Every module a fresh `jingban *args` process loaded, and its output."""
    env = {**os.environ, "JINGBAN_DATABASE_URL": f"sqlite:///{root / 'jingban.db'}"}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    head, _, tail = done.stdout.rpartition("LOADED ")
    packages, _, code = tail.partition(" EXIT ")
    assert code.strip() in ("0", "None"), done.stdout + done.stderr
    return set(json.loads(packages.replace("'", '"'))), head


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-startup")


@pytest.fixture(scope="module")
def number(root: Path) -> str:
    _, out = loaded(
        root,
        *("case", "open", "--region", "kashgar", "--item", "inpatient_reimbursement"),
        *("--applicant-name", "古丽娜尔", "--applicant-id", gb11643("65310119880214302")),
        *("--all-materials", "--actor", "clerk-li", "--role", "clerk", "--json"),
    )
    case_no: str = json.loads(out)["case_no"]
    return case_no


def test_case_show_loads_no_scheduler_api_migrations_or_holidays(root: Path, number: str) -> None:
    packages, out = loaded(root, "case", "show", number)
    assert number in out and "住院费用报销" in out
    assert packages.isdisjoint(NOT_FOR_CASE_SHOW), packages & set(NOT_FOR_CASE_SHOW)


def test_case_show_json_loads_none_of_them_either(root: Path, number: str) -> None:
    packages, out = loaded(root, "case", "show", number, "--json")
    assert json.loads(out)["case_no"] == number
    assert packages.isdisjoint(NOT_FOR_CASE_SHOW), packages & set(NOT_FOR_CASE_SHOW)


#: What a `case show` on a current SQLite file reads without: SQLAlchemy (the bare reader of
#: `jingban.storage.case_reader`), pydantic (no catalog, no calendar data file, no Typer
#: coercion of its text arguments) and the state machines.
NOT_FOR_A_SHOWN_CASE = ("sqlalchemy", "pydantic", "pydantic_core", "transitions")
#: The catalog, its schema and the data-file reader.
CATALOG_MODULES = ("jingban.workflows.loader", "jingban.workflows._schema", "jingban.datafile")


@pytest.mark.parametrize("json_flag", [(), ("--json",)], ids=["text", "json"])
def test_case_show_imports_no_sqlalchemy_pydantic_or_catalog(
    root: Path, number: str, json_flag: tuple
) -> None:
    modules, out = loaded_modules(root, "case", "show", number.lower(), *json_flag)
    assert number in out and "住院费用报销" in out
    packages = {m.split(".")[0] for m in modules}
    assert packages.isdisjoint(NOT_FOR_A_SHOWN_CASE), packages & set(NOT_FOR_A_SHOWN_CASE)
    assert modules.isdisjoint(CATALOG_MODULES), modules & set(CATALOG_MODULES)
    assert "jingban.services" not in modules and "jingban.calendar.regions" not in modules


def test_case_show_of_no_such_case_says_so_without_sqlalchemy(root: Path, number: str) -> None:
    from jingban.engine.case_number import check_character

    body = number[:2] + number[3:11] + "99999"
    missing = f"{number[:11]}-99999-{check_character(body)}"
    env = {**os.environ, "JINGBAN_DATABASE_URL": f"sqlite:///{root / 'jingban.db'}"}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "case", "show", missing],
        capture_output=True, text=True, timeout=120, env=env, cwd=root,
    )  # fmt: skip
    assert f"没有编号为 {missing} 的办件" in done.stderr
    assert "'sqlalchemy'" not in done.stdout


def test_reading_through_the_stores_uses_sqlalchemy_core_only(root: Path, number: str) -> None:
    # The tables are Core `Table` objects: a command reading through the stores needs no
    # ORM, and on SQLite no PostgreSQL dialect.
    modules, out = loaded_modules(root, "audit", "verify", number)
    assert "审计记录完整" in out
    assert "sqlalchemy.engine" in modules
    assert not {m for m in modules if m.startswith("sqlalchemy.orm")}
    assert not {m for m in modules if m.startswith("sqlalchemy.dialects.postgresql")}


def test_help_is_drawn_without_rich(root: Path) -> None:
    packages, out = loaded(root, "--help")
    assert packages.isdisjoint({"rich", "markdown_it", "pygments"}), packages
    assert "Usage: jingban [OPTIONS] COMMAND [ARGS]..." in out
    assert "╭─ Commands" in out and "case       办件: 登记、受理、审核、拨付、办结。" in out


def test_the_help_page_fits_80_columns_counting_cjk_as_two(root: Path) -> None:
    from jingban.cli._common import width

    _, out = loaded(root, "--help")
    lines = out.rstrip("\n").splitlines()
    assert max(width(line) for line in lines) <= 80
    boxed = [line for line in lines if line.startswith(("│", "╭", "╰"))]
    assert boxed and {width(line) for line in boxed} == {80}
    # the long help line of `serve` wraps under its help column instead of being cut
    assert any("(多进程时选出一个主" in line or "主调度器" in line for line in boxed)


def test_importing_the_storage_package_imports_no_store() -> None:
    code = (
        "import sys, jingban.storage as s\n"
        "print(sorted(m for m in sys.modules if m.startswith('jingban.storage.')))\n"
        "print(s.CaseStore.__module__, s.Database.__module__)\n"
        "try:\n    s.NoSuchStore\nexcept AttributeError as exc:\n    print('AttributeError', exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    first, second, third = done.stdout.splitlines()
    assert first == "[]"
    assert second == "jingban.storage.case_store jingban.storage.database"
    assert third.startswith("AttributeError") and "NoSuchStore" in third

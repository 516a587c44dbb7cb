"""`jingban case list --page/--page-size/--sort` prints the total and the page; `jingban case
find` finds by part of a name, a whole identity number, part of a case number, dates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import gb11643

JINGBAN = Path(sys.executable).with_name("jingban")
RECEIVED = "2025-06-04T10:00+08:00"


class Cli:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**os.environ, "JINGBAN_DATABASE_URL": f"sqlite:///{root / 'jingban.db'}"}

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        exe = str(JINGBAN) if JINGBAN.exists() else shutil.which("jingban") or "jingban"
        return subprocess.run(
            [exe, *args], cwd=self.root, env=self.env, capture_output=True, text=True, timeout=120
        )

    def open(self, name: str, number: str) -> str:
        done = self(
            "case", "open", "--region", "kashgar", "--item", "inpatient_reimbursement",
            "--applicant-name", name, "--applicant-id", number, "--actor", "clerk-li",
            "--role", "clerk", "--received-at", RECEIVED, "--json",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return str(json.loads(done.stdout)["case_no"])


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, list[str]]:
    runner = Cli(tmp_path_factory.mktemp("find"))
    numbers = [
        runner.open(name, gb11643(f"65310119880214{n:03d}"))
        for n, name in enumerate(["阿不都热依木", "古丽娜尔", "阿依努尔"], start=1)
    ]
    return runner, numbers


def test_case_list_pages_with_the_total(cli: tuple[Cli, list[str]]) -> None:
    run, numbers = cli
    first = run("case", "list", "--page", "1", "--page-size", "2")
    assert first.returncode == 0, first.stderr
    assert "共 3 件，第 1/2 页" in first.stdout and numbers[2] in first.stdout  # newest first
    second = run("case", "list", "--page", "2", "--page-size", "2", "--json")
    assert [c["case_no"] for c in json.loads(second.stdout)] == [numbers[0]]
    by_no = run("case", "list", "--sort", "case_no", "--json")
    assert [c["case_no"] for c in json.loads(by_no.stdout)] == numbers
    bad = run("case", "list", "--sort", "nope")
    assert bad.returncode == 2 and "未知的排序" in bad.stderr and "Traceback" not in bad.stderr


def test_case_find_by_name_id_number_and_dates(cli: tuple[Cli, list[str]]) -> None:
    run, numbers = cli
    found = json.loads(run("case", "find", "阿不都", "--json").stdout)
    assert found["total"] == 1 and [c["case_no"] for c in found["cases"]] == [numbers[0]]
    by_name = json.loads(run("case", "find", "--name", "阿", "--json").stdout)
    assert {c["case_no"] for c in by_name["cases"]} == {numbers[0], numbers[2]}
    whole = gb11643("65310119880214002")
    by_id = json.loads(run("case", "find", "--id-number", whole, "--json").stdout)
    assert [c["case_no"] for c in by_id["cases"]] == [numbers[1]]
    assert whole not in json.dumps(by_id, ensure_ascii=False)  # masked as everywhere
    partial = run("case", "find", "--id-number", whole[:10])
    assert partial.returncode == 2 and "完整" in partial.stderr
    dated = json.loads(
        run("case", "find", "--from", "2025-06-04", "--to", "2025-06-04", "--json").stdout
    )
    assert dated["total"] == 3
    assert json.loads(run("case", "find", "--from", "2025-06-05", "--json").stdout)["total"] == 0
    bad = run("case", "find", "--from", "2025-09-31")
    assert bad.returncode == 2 and "2025-09-31 不是有效日期" in bad.stderr
    human = run("case", "find", "阿不都")
    assert "共 1 件，第 1/1 页" in human.stdout and "阿****木" in human.stdout
    assert "阿不都热依木" not in human.stdout

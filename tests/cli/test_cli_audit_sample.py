"""`jingban audit sample --region R --month M --rate 0.05`, `audit samples` and `audit
sample-show` as an auditor types them: the sample with its seed, drawn once per month; a bad
month exits 2 in one line; findings entered with `case act … audit_check` show in the
report."""

from __future__ import annotations

import json

import pytest
from cli_support import Cli, completed_cases, error_line
from openpyxl import load_workbook


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    made = Cli(tmp_path_factory.mktemp("cli"))
    completed_cases(made.env["JINGBAN_DATABASE_URL"], (9, 12, 13, 14))
    return made


def test_a_sample_is_drawn_listed_and_shown(cli: Cli) -> None:
    drawn = cli("audit", "sample", "--region", "sichuan", "--month", "2026-10", "--rate", "0.5",
                "--seed", "99", "--actor", "chen", "--json")  # fmt: skip
    sample = drawn.json()
    assert (sample["population"], sample["drawn"], sample["seed"]) == (4, 2, 99)
    number = sample["cases"][0]
    checked = cli.inproc(
        "case", "act", number, "audit_check", "--outcome", "problem", "--reason", "缺少审核意见",
        "--actor", "chen", "--role", "supervisor",
    )  # fmt: skip
    assert checked.code == 0, checked.stderr
    shown = json.loads(cli.inproc("audit", "sample-show", str(sample["id"]), "--json").stdout)
    assert shown["figures"] == {
        "drawn": 2, "checked": 1, "compliant": 0, "problems": 1, "rectified": 0,
    }  # fmt: skip
    book = cli.root / "稽核.xlsx"
    exported = cli.inproc("audit", "sample-show", str(sample["id"]), "--xlsx", str(book))
    assert exported.code == 0, exported.stderr
    ws = load_workbook(book).active
    assert ws["A1"].value == f"四川省 第 {sample['id']} 号稽核抽查 (2026-10)"
    assert (ws["B2"].value.day, ws["D2"].value.day) == (1, 31)
    found = {r[0]: r for r in ws.iter_rows(min_row=4, max_row=5, values_only=True)}
    assert found[number][2:4] == ("问题", "缺少审核意见")
    listed = cli.inproc("audit", "samples")
    assert f"第 {sample['id']} 号  sichuan 2026-10  抽取 2/4 件" in listed.stdout
    again = cli.inproc("audit", "sample", "--region", "sichuan", "--month", "2026-10",
                       "--rate", "0.2")  # fmt: skip
    assert again.code == 3 and "同一月份只抽查一次" in error_line(again)
    bad = cli.inproc("audit", "sample", "--region", "sichuan", "--month", "2026-1")
    assert bad.code == 2 and "YYYY-MM" in error_line(bad)

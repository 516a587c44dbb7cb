"""`jingban case batch approve NO… --actor --role` and `case batch pay --file payments.csv`:
one line per case, the count, exit 0 when all went through and the refusal's exit code when
one did not (that case unchanged, the others done)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import Cli

REVIEWER = ("--actor", "wang", "--role", "reviewer")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(tmp_path_factory.mktemp("cli"))


def _accepted(cli: Cli) -> str:
    number = cli.open("--all-materials", region="sichuan", subprocess=False)["case_no"]
    done = cli.inproc("case", "act", number, "accept", "--actor", "li", "--role", "clerk")
    assert done.code == 0, done.stderr
    return number


def test_batch_approve_and_pay(cli: Cli, tmp_path: Path) -> None:
    first, second = _accepted(cli), _accepted(cli)
    waiting = cli.open("--all-materials", region="sichuan", subprocess=False)["case_no"]
    approved = cli("case", "batch", "approve", first, second, waiting, *REVIEWER)
    assert approved.code == 4, approved.stderr  # the waiting case may not be reviewed yet
    assert f"{first}: 完成 → reviewed" in approved.stdout
    assert f"{waiting}: 未办理" in approved.stdout
    assert "完成 2 件，未办理 1 件" in approved.stdout
    payments = tmp_path / "payments.csv"
    payments.write_text(
        "case_no,amount,account,voucher\n"
        f"{first},1200.50,6217003123456789,PZ-1\n"
        f"{second},99,6217003123456780,PZ-2\n",
        encoding="utf-8",
    )
    paid = cli.inproc("case", "batch", "pay", "--file", str(payments), "--actor", "zhao",
                      "--role", "payer", "--json")  # fmt: skip
    assert paid.code == 0, paid.stderr
    assert [r["state"] for r in json.loads(paid.stdout)] == ["paid", "paid"]
    shown = json.loads(cli.inproc("case", "show", first, "--json").stdout)
    assert shown["payment"]["amount"] == "1200.50"

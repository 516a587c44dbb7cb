"""`jingban case act … deliver` and the registration's channel rules on the command line:
JSON on stdout, one `错误: …` line on stderr, exit 2 for bad input and 4 for an action not
allowed now, nothing stored by a refused command. The first delivery runs the installed
command in a subprocess; the rest call its entry point in this process."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import gb11643

JINGBAN = Path(sys.executable).with_name("jingban")
APPLICANT_ID = gb11643("65310119880214302")
CLERK = ("--actor", "clerk-li", "--role", "clerk")
REVIEWER = ("--actor", "reviewer-wang", "--role", "reviewer")


class Cli:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = f"sqlite:///{root / 'jingban.db'}"

    def run(self, *args: str) -> tuple[int, str, str]:
        env = {**os.environ, "JINGBAN_DATABASE_URL": self.url}
        env.pop("JINGBAN_TEST_PG_URL", None)
        done = subprocess.run(
            [str(JINGBAN), *args], cwd=self.root, env=env, capture_output=True, text=True
        )
        return done.returncode, done.stdout, done.stderr

    def __call__(self, *args: str) -> tuple[int, str, str]:
        from jingban.cli.main import main

        out, err = io.StringIO(), io.StringIO()
        code = 0
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("JINGBAN_DATABASE_URL", self.url)
            patch.chdir(self.root)
            patch.setattr(sys, "argv", ["jingban", *args])
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 0
        return code, out.getvalue(), err.getvalue()

    def open(self, region: str, item: str, *extra: str) -> tuple[int, str, str]:
        return self(
            "case",
            "open",
            "--region",
            region,
            "--item",
            item,
            "--applicant-name",
            "古丽娜尔",
            "--applicant-id",
            APPLICANT_ID,
            "--all-materials",
            "--json",
            *CLERK,
            *extra,
        )


def _error(result: tuple[int, str, str], code: int) -> str:
    got, out, err = result
    assert got == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误: ") and out == "", err
    return lines[0]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_a_result_is_delivered_once_decided(cli: Cli) -> None:
    code, out, err = cli.open("kashgar", "relocated_retiree_filing")
    assert code == 0, err
    number = json.loads(out)["case_no"]
    early = _error(cli("case", "act", number, "deliver", "--method", "window", *CLERK), 4)
    assert "不能「送达」" in early
    assert cli("case", "act", number, "accept", *CLERK)[0] == 0
    assert cli("case", "act", number, "advance", *CLERK)[0] == 0
    shown = json.loads(cli("case", "show", number, "--json")[1])
    assert shown["state"] == "completed" and shown["delivery"]["delivered"] is False
    bad = _error(cli("case", "act", number, "deliver", "--method", "mail", *CLERK), 2)
    assert "未知的送达方式 'mail'" in bad
    assert json.loads(cli("case", "show", number, "--json")[1]) == shown  # nothing stored
    code, out, err = cli.run(
        "case", "act", number, "deliver", "--method", "post",
        "--tracking", "顺丰速运 SF1234567890123", "--json", *CLERK,
    )  # fmt: skip
    assert code == 0, err
    delivery = json.loads(out)["delivery"]
    assert (delivery["carrier"], delivery["tracking_no"]) == ("顺丰速运", "SF1234567890123")
    assert json.loads(out)["delivery_due"] is None
    code, out, err = cli("case", "show", number)
    assert "送达  已办结 → 已办结" in out
    assert cli("audit", "verify")[0] == 0


def test_channels_at_registration(cli: Cli) -> None:
    window = _error(cli.open("shawan", "hospital_designation"), 2)
    assert "只能网上办理" in window
    assert cli.open("shawan", "hospital_designation", "--channel", "online")[0] == 0
    online = _error(cli.open("kashgar", "prenatal_exam_payment", "--channel", "online"), 2)
    assert "网上办理仅支持跨省办理" in online and "--cross-province" in online
    code, out, err = cli.open(
        "kashgar", "prenatal_exam_payment", "--channel", "online", "--cross-province"
    )
    assert code == 0, err
    number = json.loads(out)["case_no"]
    shown = json.loads(cli("case", "show", number, "--json")[1])
    assert shown["cross_province"] is True
    assert shown["history"][0]["payload"]["scope"] == "跨省办理"

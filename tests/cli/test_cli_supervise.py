"""`jingban case supervise CASE_NO --to USER --days N --reason TEXT` and `jingban case reply
CASE_NO --text TEXT` as a supervisor and a reviewer would type them: the order and its reply
in the case's JSON and its audit trail; a reply by anyone but the recipient exits 4 and an
order to an unknown account exits 2, each one line, changing nothing."""

from __future__ import annotations

import json

import pytest
from cli_support import Cli, error_line

SUPERVISOR = ("--actor", "chen", "--role", "supervisor")
REVIEWER = ("--actor", "reviewer_ma", "--role", "reviewer")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    made = Cli(tmp_path_factory.mktemp("cli"))
    for name, role in (("chen", "supervisor"), ("reviewer_ma", "reviewer")):
        added = made.inproc(
            "user", "add", name, "--role", role, "--region", "kashgar",
            "--password", "correct-horse-9",
        )  # fmt: skip
        assert added.code == 0, added
    return made


def test_an_order_and_its_reply(cli: Cli) -> None:
    number = cli.open("--all-materials", subprocess=False)["case_no"]
    issued = cli(
        "case", "supervise", number, "--to", "reviewer_ma", "--days", "2",
        "--reason", "群众反映办理缓慢", *SUPERVISOR,
    )  # fmt: skip
    assert issued.code == 0, issued.stderr
    assert f"{number}: 督办单第 1 号已发给 reviewer_ma，须于 " in issued.stdout
    replied = cli.inproc(
        "case", "reply", number, "--text", "材料已核对，今日审核", *REVIEWER, "--json"
    )  # fmt: skip
    shown = json.loads(replied.stdout)
    (order,) = shown["supervisions"]
    assert order["to"] == "reviewer_ma" and order["reply"] == "材料已核对，今日审核"
    assert order["open"] is False and order["replied_late"] is False
    actions = [e["action"] for e in shown["history"]]
    assert actions[-2:] == ["supervise", "reply"]


def test_refusals_are_one_line_and_change_nothing(cli: Cli) -> None:
    number = cli.open("--all-materials", subprocess=False)["case_no"]
    unknown = cli.inproc(
        "case", "supervise", number, "--to", "nobody", "--days", "2", "--reason", "x",
        *SUPERVISOR,
    )  # fmt: skip
    assert unknown.code == 2
    assert "没有用户名为 nobody 的工作人员" in error_line(unknown)
    cli.inproc(
        "case", "supervise", number, "--to", "reviewer_ma", "--days", "2", "--reason", "x",
        *SUPERVISOR,
    )  # fmt: skip
    stranger = cli.inproc("case", "reply", number, "--text", "代回", *SUPERVISOR)
    assert stranger.code == 4
    assert "须由接收人本人回复" in error_line(stranger)
    too_long = cli.inproc(
        "case", "supervise", number, "--to", "reviewer_ma", "--days", "31", "--reason", "x",
        *SUPERVISOR,
    )  # fmt: skip
    assert too_long.code == 2
    shown = json.loads(cli.inproc("case", "show", number, "--json").stdout)
    assert len(shown["supervisions"]) == 1 and shown["supervisions"][0]["open"] is True

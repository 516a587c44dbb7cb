"""`jingban user contact NAME [--email] [--mobile] [--wecom-id] [--dingtalk-id]` as an
administrator types it: shown, set, a bad value one line with exit 2."""

from __future__ import annotations

import json

import pytest
from cli_support import Cli, error_line


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(tmp_path_factory.mktemp("cli"))


def test_user_contact_shows_and_sets(cli: Cli) -> None:
    added = cli.inproc("user", "add", "kezhang", "--role", "supervisor", "--region", "sichuan",
                       "--password", "correct-horse-9")  # fmt: skip
    assert added.code == 0, added.stderr
    done = cli.inproc("user", "contact", "kezhang", "--email", "kz@ybj.example.cn",
                      "--mobile", "13912345678", "--json")  # fmt: skip
    assert json.loads(done.stdout)["mobile"] == "13912345678"
    shown = cli.inproc("user", "contact", "kezhang")
    assert "邮箱 kz@ybj.example.cn" in shown.stdout and "钉钉 —" in shown.stdout
    bad = cli.inproc("user", "contact", "kezhang", "--email", "not-an-address")
    assert bad.code == 2 and "格式不正确" in error_line(bad)
    unknown = cli.inproc("user", "contact", "nobody")
    assert unknown.code != 0 and "nobody" in unknown.stderr

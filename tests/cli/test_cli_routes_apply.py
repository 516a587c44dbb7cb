"""`jingban alerts routes-apply FILE`: a region's escalation policy from a routes file — the
example in docs validates and applies; applying again changes nothing; a changed file edits,
replaces and disables what differs (the region's other routes disabled, other regions'
untouched); bad files refused with their line and field, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Cli, error_line

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "escalation.toml"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def _routes(cli: Cli) -> list[dict[str, object]]:
    return cli.inproc("alerts", "routes", "--json").json()


def test_the_example_policy_applies_once(cli: Cli) -> None:
    old = cli.inproc("alerts", "route-add", "--region", "kashgar", "--kind", "email",
                     "--target", "old@example.cn", "--name", "旧邮箱", "--option",
                     "host=smtp.example.cn", "--option", "sender=jb@example.cn")  # fmt: skip
    assert old.code == 0, old.stderr
    other = cli.inproc("alerts", "route-add", "--region", "sichuan", "--kind", "email",
                       "--target", "sc@example.cn", "--option", "host=smtp.example.cn",
                       "--option", "sender=jb@example.cn")  # fmt: skip
    assert other.code == 0, other.stderr
    dry = cli.inproc("alerts", "routes-apply", str(EXAMPLE), "--dry-run")
    assert dry.code == 0, dry.stderr
    assert "将新增 kashgar 承办人本人" in dry.stdout and "将停用 kashgar 旧邮箱" in dry.stdout
    assert len(_routes(cli)) == 2  # nothing written by a dry run
    run = cli.inproc("alerts", "routes-apply", str(EXAMPLE))
    assert run.code == 0, run.stderr
    assert "共 4 处改动，3 条路由" in run.stdout
    routes = {r["name"]: r for r in _routes(cli)}
    assert (
        routes["承办人本人"]["levels"] == ["yellow"] and routes["承办人本人"]["role"] == "assignee"
    )
    assert routes["科长"]["levels"] == ["orange", "red"]
    assert routes["分管领导"]["kind"] == "wecom" and routes["分管领导"]["role"] == "leader"
    assert routes["旧邮箱"]["enabled"] is False
    assert [r["enabled"] for r in _routes(cli) if r["region"] == "sichuan"] == [True]
    again = cli.inproc("alerts", "routes-apply", str(EXAMPLE))
    assert again.stdout.strip() == "共 0 处改动，3 条路由"


def test_a_changed_policy_edits_replaces_and_disables(cli: Cli, tmp_path: Path) -> None:
    assert cli.inproc("alerts", "routes-apply", str(EXAMPLE)).code == 0
    changed = tmp_path / "changed.toml"
    mail = 'options = { host = "smtp.kashgar.example.cn", sender = "jingban@kashgar.example.cn" }'
    changed.write_text(
        "\n".join((
            '[[route]]', 'region = "kashgar"', 'name = "承办人本人"', 'kind = "dingtalk"',
            'target = "https://oapi.dingtalk.com/robot/send?access_token=x"',
            'levels = ["yellow"]', 'role = "assignee"',
            '[[route]]', 'region = "kashgar"', 'name = "科长"', 'kind = "email"',
            'levels = ["orange"]', 'role = "supervisor"', mail,
        )),
        encoding="utf-8",
    )  # fmt: skip
    run = cli.inproc("alerts", "routes-apply", str(changed))
    assert run.code == 0, run.stderr
    assert "更换渠道 kashgar 承办人本人" in run.stdout
    assert "修改 kashgar 科长" in run.stdout and "停用 kashgar 分管领导" in run.stdout
    routes = _routes(cli)
    enabled = {(r["name"], r["kind"]) for r in routes if r["enabled"]}
    assert enabled == {("承办人本人", "dingtalk"), ("科长", "email")}
    assert next(r for r in routes if r["name"] == "科长")["levels"] == ["orange"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[[route]]\nregion = "atlantis"\nname = "x"\nkind = "email"\n', "region"),
        ('[[route]]\nregion = "kashgar"\nname = "x"\nkind = "email"\nlevels = ["pink"]\n',
         "levels"),
        ('[[route]]\nregion = "kashgar"\nname = "x"\nkind = "email"\ncolour = 1\n', "colour"),
        ('[[route]]\nregion = "kashgar"\nname = "x"\nkind = "email"\ntarget = "not-mail"\n'
         'options = { host = "h" }\n', "第 1 条路由"),
        ('[[route]]\nregion = "kashgar"\nname = "x"\nkind = "wecom"\ntarget = "https://a/b"\n'
         '[[route]]\nregion = "kashgar"\nname = "x"\nkind = "wecom"\ntarget = "https://a/b"\n',
         "重复"),
        ("[[route]\n", "routes.toml"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_and_nothing_is_written(
    cli: Cli, tmp_path: Path, text: str, says: str
) -> None:
    bad = tmp_path / "routes.toml"
    bad.write_text(text, encoding="utf-8")
    run = cli.inproc("alerts", "routes-apply", str(bad))
    assert run.code == 2
    assert says in error_line(run)
    assert _routes(cli) == []

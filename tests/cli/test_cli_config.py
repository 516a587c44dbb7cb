"""`jingban config show` as an operator runs it: the installed command in a subprocess with
environment variables set; the values it prints are the ones in force, and no password, key
or token it was given ever appears in its output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jingban.cli.config import mask, mask_url

JINGBAN = Path(sys.executable).with_name("jingban")
PASSWORD = "Pg-s3cret-7731"
ROBOT_KEY = "robot-key-5521"


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JINGBAN_")}
    exe = str(JINGBAN) if JINGBAN.exists() else shutil.which("jingban") or "jingban"
    return subprocess.run(
        [exe, "config", "show", *args],
        cwd=tmp_path,
        env={**clean, "PYTHONIOENCODING": "utf-8", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """The JSON and the table of one environment with a secret in three places."""
    env = {
        "JINGBAN_DATABASE_URL": f"postgresql+psycopg://jingban:{PASSWORD}@db.internal:5432/jb",
        "JINGBAN_SERVE_PORT": "8443",
        "JINGBAN_DIGEST_AT": "09:15",
        "JINGBAN_SERVE_SCHEDULER": "0",
        "JINGBAN_WECOM_KEY": ROBOT_KEY,
        "JINGBAN_PUBLIC_URL": f"https://ops:{PASSWORD}@jb.example.cn",
    }
    root = tmp_path_factory.mktemp("config")
    as_json, as_table = run(root, "--json", **env), run(root, **env)
    assert as_json.returncode == 0, as_json.stderr
    assert as_table.returncode == 0, as_table.stderr
    for out in (as_json, as_table):
        assert PASSWORD not in out.stdout + out.stderr
        assert ROBOT_KEY not in out.stdout + out.stderr
    return json.loads(as_json.stdout), as_table.stdout


def test_json_gives_the_values_in_force(shown: tuple[dict, str]) -> None:
    data, _ = shown
    values = {name: entry["value"] for name, entry in data["settings"].items()}
    assert values["database_url"] == "postgresql+psycopg://jingban:***@db.internal:5432/jb"
    assert values["public_url"] == "https://ops:***@jb.example.cn"
    assert values["serve_port"] == 8443
    assert values["digest_at"] == "09:15"
    assert values["serve_scheduler"] is False
    assert values["scan_seconds"] == 60
    assert data["settings"]["serve_port"] == {
        "value": 8443,
        "env": "JINGBAN_SERVE_PORT",
        "unit": "端口",
        "source": "env",
    }
    assert data["settings"]["scan_seconds"]["source"] == "default"
    assert data["unknown_env"] == {"JINGBAN_WECOM_KEY": "***"}


def test_the_table_shows_each_variable_once(shown: tuple[dict, str]) -> None:
    _, table = shown
    lines = table.splitlines()
    assert lines[0].split()[:4] == ["环境变量", "值", "单位", "来源"]
    port = next(line for line in lines if line.startswith("JINGBAN_SERVE_PORT "))
    assert port.split()[1:4] == ["8443", "端口", "环境变量"]
    scan = next(line for line in lines if line.startswith("JINGBAN_SCAN_SECONDS "))
    assert scan.split()[1:4] == ["60", "秒", "默认"]
    assert "db.internal:5432/jb" in table
    assert "JINGBAN_WECOM_KEY=***" in table


def test_defaults_without_any_variable(tmp_path: Path) -> None:
    done = run(tmp_path, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["settings"]["database_url"]["value"] == "sqlite:///jingban.db"
    assert {entry["source"] for entry in data["settings"].values()} == {"default"}
    assert data["unknown_env"] == {}
    assert not (tmp_path / "jingban.db").exists()  # showing settings opens no database


def test_a_bad_value_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = run(tmp_path, JINGBAN_TOKEN_HOURS="十")
    assert done.returncode == 2
    assert done.stderr.strip() == "错误: 环境变量 JINGBAN_TOKEN_HOURS 应为数字: '十'"
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("JINGBAN_SMTP_PASSWORD", "hunter2", "***"),
        ("JINGBAN_DINGTALK_SECRET", "SECabc", "***"),
        ("JINGBAN_API_TOKEN", "t0k", "***"),
        ("JINGBAN_SERVE_HOST", "10.0.0.5", "10.0.0.5"),
        ("JINGBAN_DATABASE_URL", "sqlite:///var/jingban.db", "sqlite:///var/jingban.db"),
        ("JINGBAN_DATABASE_URL", "postgresql://u:p%40ss@h/db", "postgresql://u:***@h/db"),
        (
            "JINGBAN_DATABASE_URL",
            "postgresql://u@h/db?password=pw",
            "postgresql://u@h/db?password=***",
        ),
    ],
)
def test_mask(name: str, value: str, shown: str) -> None:
    assert mask(name, value) == shown


def test_mask_url_leaves_plain_text_alone() -> None:
    assert mask_url("FULL") == "FULL"
    assert mask_url("https://jb.example.cn/progress?case=1") == (
        "https://jb.example.cn/progress?case=1"
    )

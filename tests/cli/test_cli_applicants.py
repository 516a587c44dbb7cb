"""`jingban case open` for units and agents, as a clerk's script runs it: the installed
command, a SQLite file, JSON on stdout; a unit with a bad credit-code check character exits 2
with one `错误: …` line and stores nothing; `case show --json` shows who applies and who acts
(the agent's number masked) and `audit verify` passes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support import gb11643

JINGBAN = Path(sys.executable).with_name("jingban")
CODE = "914403001922038216"
HANDLER_ID = gb11643("65422319850612001")
AGENT_ID = gb11643("65422319800101123")
APPLICANT_ID = gb11643("65422319750308212")
RECEIVED = "2025-06-06T10:00+08:00"  # 古尔邦节 2025 in Xinjiang: the office is closed


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JINGBAN_DATABASE_URL": f"sqlite:///{root / 'jingban.db'}"}
    env.pop("JINGBAN_TEST_PG_URL", None)
    return subprocess.run(
        [str(JINGBAN), *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


UNIT = (
    "case",
    "open",
    "--region",
    "tacheng",
    "--item",
    "unit_registration",
    "--applicant-kind",
    "unit",
    "--applicant-name",
    "额敏县某某牧业合作社",
    "--agent-name",
    "努尔兰",
    "--agent-id",
    HANDLER_ID,
    "--actor",
    "clerk-gu",
    "--role",
    "clerk",
    "--received-at",
    RECEIVED,
    "--json",
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-applicants")


def _count(root: Path, table: str) -> int:
    with sqlite3.connect(root / "jingban.db") as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_unit_with_a_bad_check_character_is_refused_and_nothing_is_stored(root: Path) -> None:
    first = _run(root, *UNIT, "--credit-code", CODE).stdout  # creates the database
    assert json.loads(first)["credit_code"] == CODE
    before = (_count(root, "cases"), _count(root, "audit_events"), _count(root, "case_agents"))
    done = _run(root, *UNIT, "--credit-code", CODE[:17] + "7")
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "错误: 统一社会信用代码校验位不符 (第 18 位应为 6，输入的是 7)，请对照证照核对是否输错"
    ]
    after = (_count(root, "cases"), _count(root, "audit_events"), _count(root, "case_agents"))
    assert after == before


def test_a_unit_and_an_agent_are_shown_by_case_show_and_the_audit_verifies(root: Path) -> None:
    unit = json.loads(_run(root, *UNIT, "--credit-code", CODE.lower()).stdout)
    # received during 古尔邦节 (6–10 June 2025, closed in Xinjiang): counted from the next
    # working day, Wednesday 11 June; the 一次性告知 window ends five working days later
    assert unit["received_at"].startswith("2025-06-06")
    assert unit["accept_due"].startswith("2025-06-18")
    person = _run(
        root,
        "case",
        "open",
        "--region",
        "tacheng",
        "--item",
        "employee_info_change",
        "--applicant-name",
        "古丽",
        "--applicant-id",
        APPLICANT_ID,
        "--agent-name",
        "阿依",
        "--agent-id",
        AGENT_ID,
        "--agent-id-type",
        "social_security_card",
        "--all-materials",
        "--actor",
        "clerk-gu",
        "--role",
        "clerk",
        "--received-at",
        RECEIVED,
        "--json",
    )
    assert person.returncode == 0, person.stderr
    opened = json.loads(person.stdout)
    # 塔城 5: "委托他人办理的应提供委托人的社会保障卡…、被委托人社会保障卡…" now brought
    assert "委托人的社会保障卡（身份证、银行卡）复印件" in opened["materials"]
    shown = json.loads(_run(root, "case", "show", opened["case_no"], "--json").stdout)
    assert shown["applicant_kind"] == "person"
    assert shown["agent"]["role"] == "agent"
    assert shown["agent"]["id_type_label"] == "社会保障卡"
    assert shown["agent"]["id_number"] == AGENT_ID[:6] + "********" + AGENT_ID[-4:]
    unit_shown = json.loads(_run(root, "case", "show", unit["case_no"], "--json").stdout)
    assert unit_shown["credit_code"] == CODE and unit_shown["agent"]["name"] == "努尔兰"
    verified = _run(root, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    raw = b"".join(p.read_bytes() for p in root.iterdir() if p.name.startswith("jingban.db"))
    assert AGENT_ID.encode() not in raw and HANDLER_ID.encode() not in raw

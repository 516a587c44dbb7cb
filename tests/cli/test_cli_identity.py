"""`jingban identity` and `jingban keys`: a whole number only for a supervisor or an
administrator with a reason (recorded), one error line otherwise; status and rotation."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import APPLICANT_ID, Cli
from cli_support import error_line as _error_line


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    found = Cli(tmp_path)
    key = str(tmp_path / "jingban.key")
    found.env["JINGBAN_SECRET_KEY_FILE"] = key
    monkeypatch.setenv("JINGBAN_SECRET_KEY_FILE", key)  # in-process runs read it too
    return found


def test_identity_show_records_the_access_and_refuses_a_clerk(cli: Cli) -> None:
    number = cli.open("--all-materials")["case_no"]
    assert APPLICANT_ID not in str(cli.inproc("case", "show", number, "--json").json())
    refused = cli.inproc(
        "identity", "show", number, "--actor", "li", "--role", "clerk", "--reason", "核对"
    )
    assert refused.code == 4 and "无权查看完整证件号码" in _error_line(refused)
    no_reason = cli.inproc(
        "identity", "show", number, "--actor", "zhao", "--role", "supervisor", "--reason", " "
    )
    assert no_reason.code == 2 and "须填写事由" in _error_line(no_reason)
    shown = cli.inproc(
        "identity",
        "show",
        number,
        "--actor",
        "zhao",
        "--role",
        "supervisor",
        "--reason",
        "申请人现场核对",
        "--json",
    ).json()
    assert shown == [{"case_no": number, "id_type": "resident_id", "id_number": APPLICANT_ID}]
    log = cli.inproc("identity", "log", "--json").json()
    assert [(a["case_no"], a["actor"], a["reason"]) for a in log] == [
        (number, "zhao", "申请人现场核对")
    ]


def test_keys_rotate_then_status_shows_every_row_under_the_new_key(cli: Cli) -> None:
    cli.open("--all-materials")
    before = cli.inproc("keys", "status", "--json").json()
    assert before["rows"] == {before["current"]: 1} and before["pending"] is None
    rotated = cli("keys", "rotate", "--json").json()
    assert rotated["old"] == before["current"] and rotated["moved"] == 1
    after = cli("keys", "status", "--json").json()
    assert after["current"] == rotated["new"] and after["rows"] == {rotated["new"]: 1}
    assert after["retired"] == [before["current"]] and after["stale"] == 0
    assert cli("keys", "scrub").code == 0


def test_checkpoints_signed_before_a_rotation_still_verify_after_it(cli: Cli) -> None:
    cli.open("--all-materials")
    assert cli.inproc("audit", "checkpoint").code == 0
    assert cli("keys", "rotate").code == 0
    verified = cli("audit", "verify", "--json")
    assert verified.code == 0, verified
    assert verified.json()["ok"] is True and verified.json()["checkpoints"] == 1
    assert cli.inproc("audit", "checkpoint").code == 0  # signed with the new key
    assert cli("audit", "verify", "--json").json()["checkpoints"] == 2

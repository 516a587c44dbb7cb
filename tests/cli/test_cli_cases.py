"""`jingban case …` and `jingban audit verify` as a clerk's script would run them: the installed
command in a subprocess, a SQLite file in a temporary directory, JSON on stdout, one `错误: …`
line on stderr and an exit code (0 ok, 2 bad input, 3 conflict, 4 not allowed, 5 audit
broken, 6 a damaged database file).

The command line reads the wall clock, so receipts are dated in the past (2025-06-04, the week
of 古尔邦节 in Xinjiang) and back-dated actions stay before "now".

Each subprocess costs about two seconds of start-up, so the main path (open, act, show, audit
verify) and one error of each exit code run as real subprocesses; the rest of the exit-code
matrix calls the same entry point, `jingban.cli.main.main`, in-process.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from cli_support import APPLICANT_ID, MASKED, Cli
from cli_support import error_line as _error_line
from support import gb11643

ISO_BEIJING = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(tmp_path_factory.mktemp("cli"))


@pytest.fixture(scope="module")
def flow(cli: Cli) -> dict[str, dict]:
    """One case opened, accepted back-dated and shown; the JSON of each step."""
    opened = cli.open("--all-materials")
    number = opened["case_no"]
    accepted = cli(
        "case",
        "act",
        number,
        "accept",
        "--actor",
        "clerk-li",
        "--role",
        "clerk",
        "--at",
        "2025-06-04T11:30+08:00",
        "--json",
    ).json()
    shown = cli("case", "show", number.lower(), "--json").json()
    return {"open": opened, "act": accepted, "show": shown}


def test_open_prints_number_query_code_and_state(flow) -> None:
    opened = flow["open"]
    assert re.fullmatch(r"KS-20250604-00001-[0-9A-Z]", opened["case_no"])
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{12}", opened["query_code"])
    assert opened["state"] == "submitted"
    # 喀什, received Wed 2025-06-04 10:00: 06-05 1, (古尔邦节 06-06 … 06-10) 06-11 2, 06-12 3,
    # 06-13 4, 06-16 5.
    assert opened["accept_due"] == "2025-06-16T20:00:00+08:00"
    assert opened["received_at"] == "2025-06-04T10:00:00+08:00"
    assert opened["applicant_id"] == MASKED
    assert opened["backdated"] is True  # received long before the wall clock's now


def test_act_and_show_json(flow) -> None:
    accepted, shown = flow["act"], flow["show"]
    assert accepted["state"] == shown["state"] == "accepted"
    assert accepted["version"] == shown["version"] == 2
    for key in (
        "case_no",
        "region",
        "item_key",
        "item_name",
        "state",
        "state_label",
        "outcome",
        "version",
        "channel",
        "applicant_name",
        "applicant_id",
        "applicant_id_type",
        "assignee",
        "received_at",
        "accepted_at",
        "completed_at",
        "accept_due",
        "promised_due",
        "statutory_due",
        "stage_due",
        "provisional",
        "suspended",
        "extension_days",
        "materials",
        "missing",
        "payment",
        "history",
    ):
        assert key in shown, key
    assert shown["applicant_id"] == MASKED
    times = [
        shown[k]
        for k in ("received_at", "accepted_at", "accept_due", "promised_due", "statutory_due")
        if shown[k] is not None
    ]
    assert len(times) == 5 and all(ISO_BEIJING.match(t) for t in times), times
    assert shown["accepted_at"] == "2025-06-04T11:30:00+08:00"
    history = shown["history"]
    assert [h["action"] for h in history] == ["open", "accept"]
    for entry in history:
        assert {
            "seq",
            "at",
            "actor",
            "role",
            "action",
            "from_state",
            "to_state",
            "reason",
            "refused",
        } <= set(entry)
        assert ISO_BEIJING.match(entry["at"]) and ISO_BEIJING.match(entry["recorded_at"])
    assert [(h["seq"], h["from_state"], h["to_state"], h["refused"]) for h in history] == [
        (1, None, "submitted", False),
        (2, "submitted", "accepted", False),
    ]
    assert history[1]["backdated"] is True and history[1]["at"] == "2025-06-04T11:30:00+08:00"
    assert (history[1]["actor"], history[1]["role"]) == ("clerk-li", "clerk")


def test_no_output_shows_the_whole_identity_number(cli: Cli, flow) -> None:
    number = flow["open"]["case_no"]
    outputs = [json.dumps(flow, ensure_ascii=False)]
    shown = cli("case", "show", number)  # the table people read
    assert shown.code == 0, shown.stderr
    outputs.append(shown.stdout)
    for args in (("case", "list", "--json"), ("case", "list")):
        run = cli.inproc(*args)
        assert run.code == 0, run.stderr
        outputs.append(run.stdout)
    for text in outputs:
        assert APPLICANT_ID not in text
        assert APPLICANT_ID[6:14] not in text  # the birth date hidden by the mask
    assert MASKED in outputs[1]


@pytest.fixture(scope="module")
def cases(cli: Cli, flow) -> dict[str, str]:
    """A kashgar case at version 2 (accepted), a sichuan payment case accepted by clerk-li,
    and a case opened without its materials."""
    sichuan = cli.open("--all-materials", region="sichuan", subprocess=False)["case_no"]
    bare = cli.open("--material", "住院发票", subprocess=False)["case_no"]
    run = cli.inproc("case", "act", sichuan, "accept", "--actor", "clerk-li", "--role", "clerk")
    assert run.code == 0, run.stderr
    return {"accepted": flow["open"]["case_no"], "sichuan": sichuan, "bare": bare}


OPEN_ARGS = (
    "case",
    "open",
    "--region",
    "kashgar",
    "--applicant-name",
    "古丽娜尔",
    "--actor",
    "clerk-li",
    "--role",
    "clerk",
)


def test_exit_codes_and_one_line_errors(cli: Cli, cases: dict[str, str]) -> None:
    accepted, sichuan, bare = cases["accepted"], cases["sichuan"], cases["bare"]
    typo = accepted[:-1] + ("0" if accepted[-1] != "0" else "1")
    commands = {
        # 2: bad input
        "unknown item": (
            2,
            (*OPEN_ARGS, "--item", "moon_landing", "--applicant-id", APPLICANT_ID),
            "moon_landing",
        ),
        "malformed number": (2, ("case", "show", "KS-2025-0001"), "格式"),
        "check character": (2, ("case", "show", typo), "校验位"),
        "bad identity": (
            2,
            (
                *OPEN_ARGS,
                "--item",
                "inpatient_reimbursement",
                "--applicant-id",
                APPLICANT_ID[:-1] + ("0" if APPLICANT_ID[-1] != "0" else "1"),
            ),
            "校验位",
        ),
        "bad date": (
            2,
            (
                *OPEN_ARGS,
                "--item",
                "inpatient_reimbursement",
                "--applicant-id",
                APPLICANT_ID,
                "--received-at",
                "2025-13-45T10:00",
            ),
            "--received-at",
        ),
        "date without time": (
            2,
            (
                "case",
                "act",
                accepted,
                "approve",
                "--actor",
                "r",
                "--role",
                "reviewer",
                "--at",
                "2025-06-05",
            ),
            "--at",
        ),
        "unknown action": (
            2,
            ("case", "act", accepted, "launch", "--actor", "s", "--role", "supervisor"),
            "launch",
        ),
        # 3: conflict
        "stale version": (
            3,
            (
                "case",
                "act",
                accepted,
                "approve",
                "--actor",
                "reviewer-wang",
                "--role",
                "reviewer",
                "--expected-version",
                "1",
            ),
            "版本",
        ),
        # 4: not allowed
        "illegal action": (
            4,
            ("case", "act", accepted, "complete", "--actor", "s", "--role", "supervisor"),
            "已受理",
        ),
        "resume unsuspended": (
            4,
            ("case", "act", accepted, "resume", "--actor", "r", "--role", "reviewer"),
            "恢复",
        ),
        "wrong role": (
            4,
            ("case", "act", accepted, "approve", "--actor", "clerk-li", "--role", "clerk"),
            "无权",
        ),
        "missing materials": (
            4,
            ("case", "act", bare, "accept", "--actor", "clerk-li", "--role", "clerk"),
            "住院医疗费用清单",
        ),
        "separation of duties": (
            4,
            ("case", "act", sichuan, "approve", "--actor", "clerk-li", "--role", "supervisor"),
            "受理人",
        ),
    }
    # One of each exit code through the installed command, the rest in-process.
    real = {"malformed number", "stale version", "separation of duties"}
    runs = dict(zip(sorted(real), cli.many([commands[n][1] for n in sorted(real)]), strict=True))
    runs.update(
        {name: cli.inproc(*args) for name, (_, args, _) in commands.items() if name not in real}
    )
    for name, (code, _, words) in commands.items():
        run = runs[name]
        assert run.code == code, (name, run)
        assert words in _error_line(run), (name, run.stderr)
    # Nothing changed; the refused attempts (exit 4) are on the record, the others are not.
    shown = cli.inproc("case", "show", accepted, "--json").json()
    assert (shown["state"], shown["version"]) == ("accepted", 2)
    history = [(h["action"], h["refused"]) for h in shown["history"]]
    assert history[:2] == [("open", False), ("accept", False)]
    assert sorted(history[2:]) == [("approve", True), ("complete", True), ("resume", True)]


def test_audit_verify_names_the_tampered_record(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    first = cli.open("--all-materials", subprocess=False)["case_no"]
    second = cli.open("--all-materials", subprocess=False)["case_no"]
    run = cli.inproc("case", "act", second, "accept", "--actor", "clerk-li", "--role", "clerk")
    assert run.code == 0, run.stderr
    clean = cli.inproc("audit", "verify")
    assert clean.code == 0 and "3" in clean.stdout, clean

    db = sqlite3.connect(tmp_path / "jingban.db")
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE audit_events SET actor = 'x'")
        db.execute("DROP TRIGGER audit_events_no_update")
        db.execute(
            "UPDATE audit_events SET actor = 'clerk-wu' WHERE case_no = ? AND seq = 2", (second,)
        )
        db.commit()
    finally:
        db.close()
    broken = cli("audit", "verify")
    one = cli.inproc("audit", "verify", second, "--json")
    other = cli.inproc("audit", "verify", first, "--json")
    assert broken.code == 8, broken
    assert second in broken.stdout and "第 2 条" in broken.stdout
    assert first not in broken.stdout
    assert "Traceback" not in broken.stderr
    assert one.code == 8
    report = json.loads(one.stdout)
    assert report["ok"] is False
    assert [(b["case_no"], b["seq"]) for b in report["breaks"]] == [(second, 2)]
    assert other.code == 0
    assert json.loads(other.stdout) == {
        "ok": True,
        "records": 1,
        "checkpoints": 0,
        "files": 0,
        "breaks": [],
    }


def test_audit_checkpoint_export_and_verify_against_the_file(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    number = cli.open("--all-materials", subprocess=False)["case_no"]
    made = cli.inproc("audit", "checkpoint", "--export", "checkpoints.json", "--json")
    assert made.code == 0, made.stderr
    assert json.loads(made.stdout)["entries"] == 1
    assert json.loads(made.stdout)["exported"] == 1
    ok = cli.inproc("audit", "verify", "--against", "checkpoints.json")
    assert ok.code == 0 and "1 个检查点" in ok.stdout, ok
    db = sqlite3.connect(tmp_path / "jingban.db")
    try:  # behind the application's back: the case row says 已办结, its chain does not
        db.execute("UPDATE cases SET state = 'completed' WHERE case_no = ?", (number,))
        db.commit()
    finally:
        db.close()
    broken = cli.inproc("audit", "verify", "--against", "checkpoints.json")
    assert broken.code == 8
    assert "办件状态为「已办结」" in broken.stdout and number in broken.stdout
    missing = cli.inproc("audit", "verify", "--against", "nowhere.json")
    assert missing.code == 2 and "无法读取检查点文件" in _error_line(missing)


def test_a_damaged_database_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    (tmp_path / "jingban.db").write_bytes(b"not a database at all " * 400)
    run = cli("audit", "verify")
    assert run.code == 7, run
    assert "数据库文件已损坏" in _error_line(run)


# -- the auditor's rules: exit 4 for withdrawing paid money and for handing a case to a reviewer


def test_withdrawing_a_paid_case_and_reassigning_to_a_reviewer_exit_4(cli: Cli) -> None:
    paid = cli.open("--all-materials", region="sichuan", subprocess=False)["case_no"]
    steps = [
        ("accept", "clerk-li", "clerk", ()),
        ("approve", "reviewer-wang", "reviewer", ()),
        (
            "pay",
            "payer-zhao",
            "payer",
            ("--amount", "1234.50", "--account", "6222020200112233", "--voucher", "PZ-1"),
        ),
    ]
    for action, actor, role, extra in steps:
        done = cli.inproc("case", "act", paid, action, "--actor", actor, "--role", role, *extra)
        assert done.code == 0, done
    refused = cli(
        "case", "act", paid, "withdraw", "--actor", "chen", "--role", "supervisor",
        "--reason", "申请人撤回",
    )  # fmt: skip
    assert refused.code == 4
    assert "已拨付的款项不能撤回" in _error_line(refused) and "冲正" in refused.stderr
    shown = cli.inproc("case", "show", paid, "--json")
    assert json.loads(shown.stdout)["state"] == "paid"

    waiting = cli.open("--all-materials", subprocess=False)["case_no"]  # 待受理: a clerk's
    added = cli.inproc(
        "user", "add", "reviewer_ma", "--role", "reviewer", "--region", "kashgar",
        "--password", "correct-horse-9",
    )  # fmt: skip
    assert added.code == 0, added
    handed = cli.inproc(
        "case", "act", waiting, "reassign", "--actor", "chen", "--role", "supervisor",
        "--assignee", "reviewer_ma",
    )  # fmt: skip
    assert handed.code == 4
    assert "reviewer_ma" in _error_line(handed) and "受理人员" in handed.stderr


def test_reissue_code_prints_the_new_code_once(cli: Cli) -> None:
    """`case act NO reissue_code --id-number …`: the whole number typed again; the new code
    is printed once and works, the old one does not; a wrong number exits 4, changing
    nothing, and is named in no output."""
    from jingban.engine import query_code_matches
    from jingban.services import Services
    from jingban.storage import Database

    opened = cli.open("--all-materials", subprocess=False)
    number, old = opened["case_no"], opened["query_code"]
    clerk = ("--actor", "clerk-li", "--role", "clerk")
    done = cli("case", "act", number, "reissue_code", "--id-number", APPLICANT_ID, *clerk)
    assert done.code == 0, done.stderr
    printed = re.findall(r"已补发查询码 ([2-9A-HJKMNP-Z]{12}) ", done.stdout)
    assert len(printed) == 1 and printed[0] != old
    assert done.stdout.count(printed[0]) == 1 and APPLICANT_ID not in done.stdout
    db = Database(cli.env["JINGBAN_DATABASE_URL"])
    try:
        _, stored = Services(db).cases.get_with_query_hash(number)
        assert query_code_matches(printed[0], stored) and not query_code_matches(old, stored)
        wrong = gb11643("65310119880214303")
        refused = cli.inproc("case", "act", number, "reissue_code", "--id-number", wrong, *clerk)
        assert refused.code == 4
        assert "证件号码与本办件登记的不一致" in _error_line(refused)
        assert wrong not in refused.stderr
        assert Services(db).cases.get_with_query_hash(number)[1] == stored
        again = cli.inproc(
            "case", "act", number, "reissue_code", "--id-number", APPLICANT_ID, *clerk, "--json"
        ).json()
        assert query_code_matches(
            again["query_code"], Services(db).cases.get_with_query_hash(number)[1]
        )
        assert [e["action"] for e in again["history"]][-3:] == ["reissue_code"] * 3
        assert [e["refused"] for e in again["history"]][-3:] == [False, True, False]
    finally:
        db.dispose()

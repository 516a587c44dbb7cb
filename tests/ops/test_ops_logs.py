"""Logs: one line per request and per case action with the request id (``X-Request-ID`` in
and out), JSON with ``JINGBAN_LOG_FORMAT=json``, and never a whole identity number, bank
account, telephone number or query code. The scan runs over everything a real
`jingban serve` printed during a clerk's, a reviewer's, a payer's and an applicant's session
that handles all four (and a client typing them into addresses)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from pathlib import Path

import httpx
from ops_support import free_port, serving
from support import gb11643

from jingban.logs import JsonFormatter, TextFormatter, redact, request_id_from
from jingban.services import Services
from jingban.storage import Database

ID_1 = gb11643("51010719750308212")
ID_2 = gb11643("65310119880214302")
ACCOUNT = "6217003123456789"
PHONE = "13912345678"
PASSWORD = "counter-pass-7"


def test_redact_masks_what_identifies_a_person_and_keeps_the_rest() -> None:
    line = (
        f"id={ID_1} acct 6217 0031 2345 6789 tel {PHONE} / 0991-1234567 code 7K3M-ZQ2W-R9XD"
        " passport E12345678 case SC-20260214-00001-Q at 2026-02-14 09:30 took 12.5ms port 54329"
    )
    masked = redact(line)
    for whole in (
        ID_1,
        "6217 0031 2345 6789",
        PHONE,
        "0991-1234567",
        "7K3M-ZQ2W-R9XD",
        "E12345678",
    ):
        assert whole not in masked
    assert ID_1[-4:] in masked and "6789" in masked  # enough to tell two apart
    for kept in ("SC-20260214-00001-Q", "2026-02-14 09:30", "12.5ms", "54329", "transparency"):
        assert kept in redact(f"{masked} transparency")
    assert redact("nothing personal here") == "nothing personal here"


def test_request_ids_are_taken_when_plain_and_drawn_otherwise() -> None:
    assert request_id_from("ops-test-0001") == "ops-test-0001"
    for bad in (None, "", "x" * 65, "a b", "<script>", ID_1):
        drawn = request_id_from(bad)
        assert drawn != bad and len(drawn) == 16 and int(drawn, 16) >= 0


def test_both_formats_mask_the_finished_line() -> None:
    record = logging.LogRecord(
        "jingban.test",
        logging.WARNING,
        __file__,
        1,
        "driver said %s",
        (f"row ({ID_1}, {ACCOUNT})",),
        None,
    )
    record.case_no = "SC-20260214-00001-Q"
    for formatter in (TextFormatter(), JsonFormatter()):
        out = formatter.format(record)
        assert ID_1 not in out and ACCOUNT not in out
        assert "SC-20260214-00001-Q" in out
    body = json.loads(JsonFormatter().format(record))
    assert (body["level"], body["logger"], body["case_no"]) == (
        "WARNING",
        "jingban.test",
        "SC-20260214-00001-Q",
    )


def _staff(root: Path) -> str:
    url = f"sqlite:///{root / 'jingban.db'}"
    services = Services(Database(url))
    now = dt.datetime(2026, 2, 14, 1, 0, tzinfo=dt.UTC)
    for name, role in (
        ("clerk_li", "clerk"),
        ("reviewer_wang", "reviewer"),
        ("payer_zhao", "payer"),
    ):
        services.accounts.add_user(name, role=role, password=PASSWORD, now=now, region="sichuan")
    services.db.dispose()
    return url


def test_a_served_session_logs_each_request_and_action_once_without_personal_data(
    tmp_path: Path,
) -> None:
    url = _staff(tmp_path)
    port = free_port()
    env = {"JINGBAN_DATABASE_URL": url, "JINGBAN_LOG_FORMAT": "json"}
    env["JINGBAN_SECRET_KEY_FILE"] = str(tmp_path / "jingban.key")
    requests = 0
    with (
        serving(tmp_path, "--port", str(port), "--no-scheduler", env=env) as lines,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=30) as http,
    ):

        def call(method: str, path: str, who: str | None = None, **kw):  # type: ignore[no-untyped-def]
            nonlocal requests
            requests += 1
            headers = dict(kw.pop("headers", {}))
            if who:
                headers["Authorization"] = f"Bearer {tokens[who]}"
            return http.request(method, path, headers=headers, **kw)

        tokens: dict[str, str] = {}
        for who in ("clerk_li", "reviewer_wang", "payer_zhao"):
            got = call("POST", "/api/auth/token", json={"username": who, "password": PASSWORD})
            assert got.status_code == 200, got.text
            tokens[who] = got.json()["access_token"]
        body = {
            "region": "sichuan",
            "item": "inpatient_reimbursement",
            "applicant_name": "王小红",
            "applicant_id": ID_1,
            "all_materials": True,
        }
        opened = call(
            "POST",
            "/api/cases",
            "clerk_li",
            json=body,
            headers={"X-Request-ID": "ops-test-0001"},
        )
        assert opened.status_code == 201, opened.text
        assert opened.headers["X-Request-ID"] == "ops-test-0001"
        case_no, code = opened.json()["case_no"], opened.json()["query_code"]
        for who, action, extra in (
            ("clerk_li", "accept", {}),
            ("reviewer_wang", "approve", {}),
            (
                "payer_zhao",
                "pay",
                {"amount": "3456.70", "account": ACCOUNT, "voucher": "PZ-01"},
            ),
        ):
            done = call("POST", f"/api/cases/{case_no}/actions/{action}", who, json=extra)
            assert done.status_code == 200, done.text
        second = call("POST", "/api/cases", "clerk_li", json={**body, "applicant_id": ID_2})
        refused = call(
            "POST",
            f"/api/cases/{second.json()['case_no']}/actions/not_accept",
            "clerk_li",
            json={"reason": f"材料不全，已电话告知 {PHONE}"},
        )
        assert refused.status_code == 200, refused.text
        assert call("GET", "/api/cases", "clerk_li", params={"id_number": ID_1}).status_code == 200
        assert call("GET", "/api/cases", "clerk_li", params={"q": PHONE}).status_code == 200
        progress = call("POST", "/api/public/progress", json={"case_no": case_no, "code": code})
        assert progress.status_code == 200
        assert (
            call(
                "GET", "/api/public/progress", params={"case_no": case_no, "code": code}
            ).status_code
            == 200
        )
        assert call("GET", f"/api/cases/{ID_1}", "clerk_li").status_code in (400, 404)
        lost = call("GET", f"/no/such/{ID_2}/{ACCOUNT}/{PHONE}/{code}")
        assert lost.status_code == 404
        drawn = lost.headers["X-Request-ID"]
        assert len(drawn) == 16
        bad = call("POST", "/api/cases", "clerk_li", json={**body, "applicant_id": ID_1[:-1] + "0"})
        assert bad.status_code in (400, 422)
    output = "\n".join(lines)
    for secret in (ID_1, ID_2, ACCOUNT, PHONE, code, code.replace("-", "")):
        assert secret not in output, secret
    records = [json.loads(x) for x in lines if x.startswith("{")]
    assert len(records) >= requests
    http_lines = [r for r in records if r["logger"] == "jingban.http"]
    assert len(http_lines) == requests  # one line per request, none from uvicorn's access log
    assert all(r["request_id"] and r["status"] and r["route"] for r in http_lines)
    assert len({r["request_id"] for r in http_lines}) == requests
    actions = [r for r in records if r["logger"] == "jingban.actions"]
    assert [a["action"] for a in actions] == [
        "open",
        "accept",
        "approve",
        "pay",
        "open",
        "not_accept",
    ]
    assert actions[0]["request_id"] == "ops-test-0001"
    assert actions[0]["case_no"] == case_no
    by_id = {r["request_id"]: r for r in http_lines}
    assert by_id["ops-test-0001"]["route"] == "/api/cases"
    assert by_id[drawn]["route"] == "unmatched" and by_id[drawn]["status"] == 404
    assert all(r["request_id"] in by_id for r in actions)  # each action inside its request
    assert any(r["logger"].startswith("uvicorn") for r in records)  # uvicorn's lines are JSON too


def test_text_lines_carry_the_request_id(tmp_path: Path) -> None:
    from jingban.logs import configure

    stream = io.StringIO()
    handler = configure(stream)
    try:
        from jingban.logs import REQUEST_ID

        token = REQUEST_ID.set("ops-test-0002")
        logging.getLogger("jingban.actions").info("action %s by %s", "accept", f"clerk {PHONE}")
        REQUEST_ID.reset(token)
    finally:
        logging.getLogger().removeHandler(handler)
    line = stream.getvalue()
    assert "[ops-test-0002]" in line and "jingban.actions" in line and PHONE not in line


def test_commands_log_their_actions_when_a_format_is_set(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    jingban = str(Path(sys.executable).with_name("jingban"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINGBAN_TEST_PG")}
    env.update(
        JINGBAN_DATABASE_URL=f"sqlite:///{tmp_path / 'jingban.db'}",
        JINGBAN_LOG_FORMAT="json",
        PYTHONIOENCODING="utf-8",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [jingban, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done

    opened = run(
        "case", "open", "--region", "sichuan", "--item", "inpatient_reimbursement",
        "--applicant-name", "王小红", "--applicant-id", ID_1, "--all-materials",
        "--actor", "c1", "--role", "clerk", "--json",
    )  # fmt: skip
    case_no, code = (json.loads(opened.stdout)[k] for k in ("case_no", "query_code"))
    run("case", "act", case_no, "accept", "--actor", "c1", "--role", "clerk")
    run("case", "act", case_no, "approve", "--actor", "r1", "--role", "reviewer")
    paid = run(
        "case", "act", case_no, "pay", "--amount", "1234.50", "--account", ACCOUNT,
        "--voucher", "PZ001", "--actor", "p1", "--role", "payer",
    )  # fmt: skip
    stderr = opened.stderr + paid.stderr
    assert ID_1 not in stderr and ACCOUNT not in stderr and code not in stderr
    lines = [json.loads(x) for x in paid.stderr.splitlines() if x.startswith("{")]
    acted = [x for x in lines if x["logger"] == "jingban.actions"]
    assert [(x["action"], x["case_no"]) for x in acted] == [("pay", case_no)]
    assert acted[0]["request_id"].startswith("cli-")
    quiet = dict(env, JINGBAN_LOG_FORMAT="")
    shown = subprocess.run(
        [jingban, "case", "show", case_no], cwd=tmp_path, env=quiet, capture_output=True, text=True
    )
    assert shown.returncode == 0 and shown.stderr == ""  # unset: commands stay quiet

"""The supplement deadline, 容缺受理 and 告知承诺 through the front ends: the API actions
and ``GET /api/cases/{no}`` fields, the printed notices (一次性告知书 with its deadline, the
容缺受理通知书), the public progress query, and ``jingban case act``/``show --json`` with
their exit codes."""

from __future__ import annotations

import json
import re

from api_support import INPATIENT_MATERIALS, PAYMENT, Api
from cli_inproc import run_cli

DEFERRED = ["住院费用清单", "参保人银行账户信息"]
KEPT = [m for m in INPATIENT_MATERIALS if m not in DEFERRED]


def _page(api: Api, who: str, path: str) -> str:
    api.login(who)
    api.client.cookies.set("jingban_session", api.tokens[who])
    r = api.client.get(path)
    assert r.status_code == 200, r.text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))


def test_the_one_time_notice_prints_its_deadline_and_the_public_page_shows_it(
    sqlite_api: Api,
) -> None:
    api = sqlite_api
    opened = api.open_case(all_materials=False, materials=KEPT)
    case_no, code = opened["case_no"], opened["query_code"]
    r = api.post("clerk_a", f"/api/cases/{case_no}/actions/request_supplement", {"days": 3})
    assert r.status_code in (400, 422) and "理由" in r.json()["error"]["message"]
    body = api.act("clerk_a", case_no, "request_supplement", days=3, reason="申请人在外地")
    # Monday 23 Nov 2026 + 3 working days: Thursday 26 Nov, office close 17:30.
    assert body["supplement_due"] == "2026-11-26T17:30:00+08:00"
    assert api.get("clerk_a", f"/api/cases/{case_no}").json()["supplement_due"] == (
        "2026-11-26T17:30:00+08:00"
    )
    text = _page(api, "supervisor_a", f"/cases/{case_no}/notices/supplement")
    assert "请于 2026年11月26日 前（3个工作日内）补齐" in text
    assert "逾期未补正的，视为撤回申请" in text  # 四川's rule
    progress = api.client.post("/api/public/progress", json={"case_no": case_no, "code": code})
    assert progress.status_code == 200
    assert progress.json()["supplement_due_date"] == "2026-11-26"


def test_deferred_acceptance_through_the_api_and_its_notice(sqlite_api: Api) -> None:
    api = sqlite_api
    case_no = api.open_case(all_materials=False, materials=KEPT)["case_no"]
    body = api.act("clerk_a", case_no, "accept_deferred", deferred=DEFERRED, due_days=5)
    assert body["state"] == "accepted"
    assert [d["name"] for d in body["deferred"]] == DEFERRED
    assert {d["due_at"][:10] for d in body["deferred"]} == {"2026-11-30"}
    text = _page(api, "supervisor_a", f"/cases/{case_no}/notices/deferred")
    assert "容缺受理通知书" in text and "请于 2026年11月30日 前（5个工作日内）补齐" in text
    assert all(name in text for name in DEFERRED)
    assert "《社会保险经办条例》" in text and "不予拨付" in text
    api.act("reviewer_a", case_no, "approve")
    refused = api.post("payer_a", f"/api/cases/{case_no}/actions/pay", PAYMENT)
    assert refused.status_code == 409, refused.text
    assert "容缺受理的材料尚未补齐" in refused.json()["error"]["message"]
    api.act("clerk_a", case_no, "receive_deferred", materials=DEFERRED)
    assert api.act("payer_a", case_no, "pay", **PAYMENT)["state"] == "paid"


def test_the_command_line_takes_the_new_options_and_answers_with_exit_codes(
    sqlite_api: Api,
) -> None:
    api = sqlite_api
    url = str(api.db.engine.url)
    case_no = api.open_case(all_materials=False, materials=KEPT)["case_no"]
    code, out, err = run_cli(
        url,
        "case", "act", case_no, "accept_deferred", "--deferred", DEFERRED[0],
        "--deferred", DEFERRED[1], "--due-days", "61", "--actor", "c1", "--role", "clerk",
    )  # fmt: skip
    assert code == 2 and "错误" in err and "Traceback" not in err
    code, out, err = run_cli(
        url,
        "case", "act", case_no, "accept_deferred", "--deferred", DEFERRED[0],
        "--deferred", DEFERRED[1], "--due-days", "5", "--actor", "c1", "--role", "clerk", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert [d["name"] for d in json.loads(out)["deferred"]] == DEFERRED
    api.act("reviewer_a", case_no, "approve")
    code, out, err = run_cli(
        url,
        "case", "act", case_no, "pay", "--amount", "10.00", "--account", "6217003123456789",
        "--voucher", "PZ1", "--actor", "p1", "--role", "payer",
    )  # fmt: skip
    assert code == 4 and "容缺" in err
    code, out, err = run_cli(url, "case", "show", case_no, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["state"] == "reviewed"
    assert shown["supplement_due"] is None and shown["undertakings"] == []
    assert [d["outstanding"] for d in shown["deferred"]] == [True, True]


def test_an_undertaking_through_the_api_carries_the_flag_until_checked(sqlite_api: Api) -> None:
    api = sqlite_api
    case_no = api.open_case(item="maternity_allowance")["case_no"]
    body = api.act("clerk_a", case_no, "undertake", proofs=["生育服务证"])
    assert body["undertaking_flag"] == "承诺"
    assert body["undertakings"][0]["outcome_label"] == "待核查"
    bad = api.post(
        "reviewer_a", f"/api/cases/{case_no}/actions/verify_undertaking", {"outcome": "ok"}
    )
    assert bad.status_code in (400, 422)
    api.login("reviewer_a")
    api.client.cookies.set("jingban_session", api.tokens["reviewer_a"])
    html = api.client.get(f"/cases/{case_no}").text
    flag = re.search(r'data-testid="undertaking-flag"[^>]*>([^<]+)<', html)
    assert flag is not None and flag.group(1) == "承诺"
    assert "生育服务证 · 待核查" in html and "承诺核查" in html
    body = api.act("reviewer_a", case_no, "verify_undertaking", outcome="pass")
    assert body["undertaking_flag"] is None
    assert body["undertakings"][0]["outcome"] == "passed"
    assert 'data-testid="undertaking-flag"' not in api.client.get(f"/cases/{case_no}").text


def test_the_board_lists_an_overdue_supplement_for_the_supervisor(sqlite_api: Api) -> None:
    from jingban.scheduler.followups import run_followups

    api = sqlite_api
    case_no = api.open_case(
        "clerk_k", region="kashgar", item="inpatient_reimbursement", all_materials=False
    )["case_no"]
    api.act("clerk_k", case_no, "request_supplement", days=3, reason="申请人在外地")
    api.clock.advance(days=8)
    report = run_followups(api.services, api.clock(), remind_days=0)
    assert report.raised == {"supplement_overdue": [case_no]}
    api.login("supervisor_k")
    api.client.cookies.set("jingban_session", api.tokens["supervisor_k"])
    html = api.client.get("/board").text
    assert 'data-testid="followup-cards"' in html and case_no in html
    assert "补正期限已过，申请人未补正" in html
    api.login("supervisor_a")  # another region's supervisor does not see it
    api.client.cookies.set("jingban_session", api.tokens["supervisor_a"])
    assert case_no not in api.client.get("/board").text

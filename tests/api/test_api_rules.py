"""The auditor's rules over HTTP, on SQLite and PostgreSQL: paid money is not withdrawn (409)
and 冲正 is the supervisor's; extensions are refused late, twice or too long, and a case
completed inside its extension is 延期办结 in the report; a case is handed only to staff
who can act on it (403)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from api_support import OFFICE_A, PAYMENT, Api

from jingban.console.web import SESSION_COOKIE


def _error(r: Any, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == code, error
    return str(error["message"])


def _paid(api: Api) -> str:
    case_no = api.open_case("clerk_a")["case_no"]
    api.act("clerk_a", case_no, "accept")
    api.act("reviewer_a", case_no, "approve")
    api.act("payer_a", case_no, "pay", **PAYMENT)
    return str(case_no)


def test_withdrawing_a_paid_case_is_409_and_changes_nothing(api: Api) -> None:
    case_no = _paid(api)
    before = api.get("supervisor_a", f"/api/cases/{case_no}").json()
    r = api.post("supervisor_a", f"/api/cases/{case_no}/actions/withdraw", {"reason": "撤回"})
    message = _error(r, 409, "not_allowed")
    assert "已拨付的款项不能撤回" in message and "冲正" in message
    after = api.get("supervisor_a", f"/api/cases/{case_no}").json()
    assert after["state"] == "paid" and after["version"] == before["version"]
    assert after["payment"] == before["payment"]
    assert after["history"][-1]["refused"] is True
    assert "withdraw" not in after["available_actions"]
    assert "reverse_payment" in after["available_actions"]


def test_reverse_payment_is_the_supervisor_s_with_reason_and_voucher(api: Api) -> None:
    case_no = _paid(api)
    path = f"/api/cases/{case_no}/actions/reverse_payment"
    body = {"reason": "收款账号有误", "voucher": "CZ-20261125-01"}
    _error(api.post("payer_a", path, body), 403, "forbidden")
    _error(api.post("supervisor_a", path, {"reason": "收款账号有误"}), 400, "bad_input")
    done = api.act("supervisor_a", case_no, "reverse_payment", **body)
    assert done["state"] == "reviewed" and done["payment"] is None
    last = done["event"]
    assert last["action"] == "reverse_payment" and last["reason"] == "收款账号有误"
    assert last["payload"]["reversed_amount_fen"] == 345670
    assert last["payload"]["reversed_voucher"] == PAYMENT["voucher"]
    repaid = api.act("payer_a", case_no, "pay", **{**PAYMENT, "voucher": "PZ-20261125-02"})
    assert repaid["state"] == "paid" and repaid["payment"]["voucher"] == "PZ-20261125-02"


def test_extensions_are_decided_in_time_once_and_within_the_cap(api: Api) -> None:
    case_no = api.open_case("clerk_a")["case_no"]
    api.act("clerk_a", case_no, "accept")
    path = f"/api/cases/{case_no}/actions/extend"
    message = _error(
        api.post("supervisor_a", path, {"reason": "专家评审", "days": 11}), 400, "bad_input"
    )
    assert "最多延长 10 个工作日" in message
    extended = api.act("supervisor_a", case_no, "extend", reason="专家评审", days=10)
    assert extended["extensions"] == 1
    message = _error(
        api.post("supervisor_a", path, {"reason": "再评审", "days": 1}), 409, "not_allowed"
    )
    assert "最多延期 1 次" in message

    late_no = api.open_case("clerk_a", n=2)["case_no"]
    late = api.act("clerk_a", late_no, "accept")
    due = dt.datetime.fromisoformat(late["statutory_due"])
    api.clock.now = due.astimezone(dt.UTC) + dt.timedelta(hours=1)
    api.tokens.clear()
    path = f"/api/cases/{late_no}/actions/extend"
    message = _error(
        api.post("supervisor_a", path, {"reason": "专家评审", "days": 5}), 409, "not_allowed"
    )
    assert f"法定时限已于 {due:%Y-%m-%d %H:%M} 届满" in message


def _complete_at(api: Api, case_no: str, when: dt.datetime) -> None:
    api.clock.now = when.astimezone(dt.UTC)
    api.tokens.clear()
    api.act("reviewer_a", case_no, "approve")
    api.act("payer_a", case_no, "pay", **PAYMENT)
    api.act("payer_a", case_no, "complete")


def test_a_case_completed_inside_its_extension_is_extended_not_on_time(api: Api) -> None:
    start = api.clock.now
    extended_no = api.open_case("clerk_a")["case_no"]
    accepted = api.act("clerk_a", extended_no, "accept")
    due = dt.datetime.fromisoformat(accepted["statutory_due"])
    api.act("supervisor_a", extended_no, "extend", reason="专家评审", days=10)
    _complete_at(api, extended_no, due + dt.timedelta(days=2))  # past the original limit

    api.clock.now = start
    api.tokens.clear()
    early_no = api.open_case("clerk_a", n=2)["case_no"]
    api.act("clerk_a", early_no, "accept")
    api.act("supervisor_a", early_no, "extend", reason="专家评审", days=10)
    _complete_at(api, early_no, start + dt.timedelta(days=1))  # within the original limit

    [row] = api.get("supervisor_a", "/api/reports/on-time").json()
    assert row["completed"] == 2
    assert (row["within_promised"], row["within_statutory"], row["late"]) == (1, 0, 0)
    assert row["extended"] == 1 and row["extended_rate"] == 0.5
    assert row["on_time_rate"] == 0.5


def test_reassign_refuses_staff_who_cannot_act_with_403(api: Api) -> None:
    case_no = api.open_case("clerk_a")["case_no"]  # 待受理: the clerk's
    path = f"/api/cases/{case_no}/actions/reassign"
    for who in ("reviewer_a", "clerk_b"):
        api.user(who)
        message = _error(api.post("supervisor_a", path, {"assignee": who}), 403, "forbidden")
        assert who in message
    api.user("clerk_a")
    api.accounts.add_user(
        "clerk_off",
        role="clerk",
        password="x-correct-horse-1",
        now=api.clock(),
        region="sichuan",
        office=OFFICE_A,
    )
    api.accounts.set_disabled("clerk_off")
    message = _error(api.post("supervisor_a", path, {"assignee": "clerk_off"}), 403, "forbidden")
    assert "停用" in message
    shown = api.get("supervisor_a", f"/api/cases/{case_no}").json()
    assert shown["assignee"] == "clerk_a"
    assert api.act("supervisor_a", case_no, "reassign", assignee="clerk_a")["assignee"] == "clerk_a"


# -- what the console and the public query show (pages over HTTP, on the same app) --------


def _page(api: Api, who: str, path: str) -> str:
    api.login(who)
    r = api.client.get(path, cookies={SESSION_COOKIE: api.tokens[who]})
    assert r.status_code == 200, r.text
    return r.text


def _chain_box(html: str, state: str) -> str:
    """The <li> of ``state`` in the case page's main chain."""
    found = re.search(rf'<li class="([^"]*)"[^>]*data-state="{state}">(.*?)</li>', html, re.S)
    assert found is not None, state
    return f"{found.group(1)}|{found.group(2)}"


def test_a_denied_case_s_chain_shows_the_path_it_took(api: Api) -> None:
    case_no = api.open_case("clerk_a")["case_no"]
    api.act("clerk_a", case_no, "accept")
    api.act("reviewer_a", case_no, "deny", reason="不属于报销范围")
    html = _page(api, "supervisor_a", f"/cases/{case_no}")
    chain = html[html.index('id="h-chain"') : html.index('aria-label="其他状态"')]
    assert _chain_box(chain, "accepted").startswith("done|")
    for state in ("reviewed", "paid"):
        box = _chain_box(chain, state)
        assert box.startswith("skipped|") and "未经过" in box, box
    ended = _chain_box(chain, "completed")
    assert ended.startswith("current|") and "已办结 (审核不通过)" in ended
    assert "审核不通过" in ended.split('<span class="box">')[0]  # entered by 审核不通过


def test_a_case_waiting_for_a_supplement_shows_a_stopped_clock_not_a_countdown(
    api: Api,
) -> None:
    opened = api.open_case("clerk_a")
    case_no = opened["case_no"]
    api.act("clerk_a", case_no, "accept")
    api.clock.advance(days=3)  # Monday → Thursday: three working days used
    api.tokens.clear()
    api.act("reviewer_a", case_no, "request_supplement", missing=["出院记录"])
    api.clock.advance(days=4)  # the clock stands still meanwhile
    api.tokens.clear()

    html = _page(api, "supervisor_a", f"/cases/{case_no}")
    dues = html[html.index('id="h-dues"') : html.index('id="h-app"')]
    assert "计时暂停，已用 3 个工作日" in dues
    assert "剩余工作日" not in dues

    queue = _page(api, "clerk_a", "/work?scope=all")
    row = queue[queue.index(f"/cases/{case_no}") :]
    row = row[: row.index("</tr>")]
    assert "计时暂停" in row and "已用 3" in row

    r = api.client.get(
        "/api/public/progress", params={"case_no": case_no, "code": opened["query_code"]}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["promised_date"] is None
    assert body["clock_stopped"] is True and body["working_days_used"] == 3
    assert body["clock_text"] == "计时暂停，已用 3 个工作日"


def _offered(api: Api, case_no: str) -> tuple[list[str], str]:
    html = _page(api, "supervisor_a", f"/cases/{case_no}")
    form = html[html.index('aria-label="改派"') :]
    select = form[form.index("<select") : form.index("</select>")]
    return re.findall(r'<option value="([^"]+)"', select), select


def test_the_reassign_choices_are_the_staff_who_can_act_with_none_selected(api: Api) -> None:
    for name in ("clerk_a", "reviewer_a", "payer_a", "clerk_b", "reviewer_b", "supervisor_sc"):
        api.user(name)
    waiting = api.open_case("clerk_a")["case_no"]  # 待受理, held by clerk_a: the clerk's
    offered, select = _offered(api, waiting)
    assert sorted(offered) == ["supervisor_a", "supervisor_sc"]  # no reviewer, no payer
    assert re.search(r'<option value="" selected disabled>', select)
    accepted = api.open_case("clerk_a", n=2)["case_no"]
    api.act("clerk_a", accepted, "accept")  # now the reviewer's (of this office)
    offered, _ = _offered(api, accepted)
    assert offered[0] == "reviewer_a" and sorted(offered[1:]) == ["supervisor_a", "supervisor_sc"]

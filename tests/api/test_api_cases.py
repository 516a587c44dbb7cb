"""Cases over HTTP: register, list, show, act, and every error an action can meet, each with
its status and error code, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from api_support import INPATIENT_MATERIALS, OFFICE_A, PAYMENT, Api, identity_number

CASE_NO = re.compile(r"^SC-20261123-\d{5}-[0-9A-Z]$")


def _error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    return error


def _mistyped(number: str) -> str:
    """``number`` with a check digit that does not match."""
    return number[:-1] + ("1" if number[-1] != "1" else "2")


# -- registering ---------------------------------------------------------------------------


def test_open_answers_201_with_the_query_code_once(api: Api) -> None:
    opened = api.open_case(n=7, applicant_name="欧阳小三")
    assert CASE_NO.match(opened["case_no"])
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{12}", opened["query_code"])
    assert opened["state"] == "submitted" and opened["version"] == 1
    assert opened["office"] == OFFICE_A and opened["region"] == "sichuan"
    assert opened["item_name"] == "住院费用报销"
    assert opened["applicant_id"] == identity_number(7)[:6] + "********" + identity_number(7)[-4:]
    assert opened["materials"] == INPATIENT_MATERIALS
    assert opened["received_at"].endswith("+08:00")

    shown = api.get("clerk_a", f"/api/cases/{opened['case_no']}")
    listed = api.get("clerk_a", "/api/cases")
    for r in (shown, listed):
        assert r.status_code == 200
        assert opened["query_code"] not in r.text
        assert "query_code" not in r.text and "query_hash" not in r.text
        assert identity_number(7) not in r.text


def test_numbers_follow_each_other_within_the_day(api: Api) -> None:
    numbers = [api.open_case(n=i)["case_no"] for i in range(3)]
    assert [n[12:17] for n in numbers] == ["00001", "00002", "00003"]


OPEN_422 = [
    ({"applicant_name": None}, "applicant_name"),
    ({"applicant_name": ""}, "applicant_name"),
    ({"applicant_name": "王" * 101}, "applicant_name"),
    ({"region": None}, "region"),
    ({"materials": "出院记录"}, "materials"),
    ({"materials": ["x"] * 101}, "materials"),
    ({"received_at": "yesterday"}, "received_at"),
    ({"all_materials": "maybe"}, "all_materials"),
    ({"applicant_phone": "13800000000"}, "applicant_phone"),
    ({"applicant_id_type": "driving_licence"}, "applicant_id_type"),
    ({"channel": "fax"}, "channel"),
]


def test_open_validation_is_422_naming_the_field(api: Api) -> None:
    for change, field in OPEN_422:
        body = {
            "region": "sichuan",
            "item": "inpatient_reimbursement",
            "applicant_name": "王秀英",
            "applicant_id": identity_number(),
            **change,
        }
        body = {k: v for k, v in body.items() if v is not None}
        error = _error(api.post("clerk_a", "/api/cases", body), 422, "invalid")
        assert error["field"] == field, change
        assert error["message"].startswith(f"{field}: "), change
    assert api.services.cases.count() == 0


OPEN_400 = [
    ({"applicant_id": _mistyped(identity_number())}, "校验位"),
    ({"applicant_id": "12345"}, "格式"),
    ({"applicant_type": "martian"}, "martian"),
    ({"materials": ["不存在的材料"]}, "不存在的材料"),
    ({"received_at": "2026-11-23T09:00:00"}, "received_at"),
    ({"received_at": "2026-11-24T10:00:00+08:00"}, "收件时间"),
    ({"region": "atlantis"}, "atlantis"),
]


def test_open_bad_input_is_400_with_a_message_naming_what_is_wrong(api: Api) -> None:
    for change, words in OPEN_400:
        # A regional clerk is refused another region (403) before the region is looked up.
        who = "supervisor_all" if "region" in change else "clerk_a"
        body = {
            "region": "sichuan",
            "item": "inpatient_reimbursement",
            "applicant_name": "王秀英",
            "applicant_id": identity_number(),
            **change,
        }
        error = _error(api.post(who, "/api/cases", body), 400, "bad_input")
        assert words in error["message"], (change, error)
    assert api.services.cases.count() == 0


def test_roles_that_may_not_register_get_403(api: Api) -> None:
    for who in ("reviewer_a", "payer_a", "admin"):
        r = api.post(
            who,
            "/api/cases",
            {
                "region": "sichuan",
                "item": "inpatient_reimbursement",
                "applicant_name": "王秀英",
                "applicant_id": identity_number(),
            },
        )
        _error(r, 403, "forbidden")
    assert api.services.cases.count() == 0


def test_a_regional_clerk_may_not_register_in_another_region(api: Api) -> None:
    error = _error(
        api.post(
            "clerk_a",
            "/api/cases",
            {
                "region": "kashgar",
                "item": "inpatient_reimbursement",
                "applicant_name": "阿依努尔",
                "applicant_id": identity_number(area="653101"),
            },
        ),
        403,
        "forbidden",
    )
    assert "sichuan" in error["message"]
    assert api.services.cases.count() == 0


# -- listing and showing --------------------------------------------------------------------


def test_list_filters_by_state_and_item_and_pages_newest_first(api: Api) -> None:
    numbers = [api.open_case(n=i)["case_no"] for i in range(4)]
    other = api.open_case(n=9, item="employee_registration", all_materials=True)["case_no"]
    api.act("clerk_a", numbers[1], "accept")

    everything = api.get("clerk_a", "/api/cases").json()
    assert [c["case_no"] for c in everything["cases"]] == [other, *reversed(numbers)]
    assert everything["page"] == 1 and everything["has_more"] is False

    accepted = api.get("clerk_a", "/api/cases", state="accepted").json()["cases"]
    assert [c["case_no"] for c in accepted] == [numbers[1]]
    items = api.get("clerk_a", "/api/cases", item="employee_registration").json()["cases"]
    assert [c["case_no"] for c in items] == [other]

    pages = [api.get("clerk_a", "/api/cases", page=p, page_size=2).json() for p in (1, 2, 3)]
    assert [[c["case_no"] for c in p["cases"]] for p in pages] == [
        [other, numbers[3]],
        [numbers[2], numbers[1]],
        [numbers[0]],
    ]
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert api.get("clerk_a", "/api/cases", page=4, page_size=2).json()["cases"] == []


LIST_ERRORS = [
    ({"state": "flying"}, 400, "state"),
    ({"level": "purple"}, 400, "level"),
    ({"page": 0}, 422, "page"),
    ({"page": "two"}, 422, "page"),
    ({"page_size": 201}, 422, "page_size"),
]


def test_list_rejects_bad_filters(api: Api) -> None:
    for params, status, field in LIST_ERRORS:
        r = api.get("clerk_a", "/api/cases", **params)
        error = _error(r, status, "bad_input" if status == 400 else "invalid")
        assert error["message"].startswith(f"{field}: "), (params, error)
        if status == 422:
            assert error["field"] == field


def test_show_gives_the_history_and_the_actions_open_to_the_user(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    api.clock.advance(minutes=30)
    api.act("clerk_a", case_no, "accept", reason="材料齐全")
    shown = api.get("reviewer_a", f"/api/cases/{case_no}").json()
    assert shown["state"] == "accepted" and shown["version"] == 2
    assert [(e["seq"], e["action"], e["from_state"], e["to_state"]) for e in shown["history"]] == [
        (1, "open", None, "submitted"),
        (2, "accept", "submitted", "accepted"),
    ]
    assert shown["history"][1]["actor"] == "clerk_a"
    assert shown["history"][1]["reason"] == "材料齐全"
    assert shown["history"][1]["at"] == "2026-11-23T10:30:00+08:00"
    assert "approve" in shown["available_actions"]
    assert "accept" not in shown["available_actions"]
    as_clerk = api.get("clerk_a", f"/api/cases/{case_no}").json()
    assert "approve" not in as_clerk["available_actions"]


def test_show_accepts_the_number_as_people_type_it(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    typed = case_no.replace("-", "").lower()
    r = api.get("clerk_a", f"/api/cases/{typed}")
    assert r.status_code == 200 and r.json()["case_no"] == case_no


def test_show_of_a_malformed_number_is_400_and_of_a_mistyped_or_unknown_one_404(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    wrong_check = case_no[:-1] + ("A" if case_no[-1] != "A" else "B")
    # The documented shape, but no case can have it: not found, saying why.
    error = _error(api.get("clerk_a", f"/api/cases/{wrong_check}"), 404, "not_found")
    assert "校验位" in error["message"]
    _error(api.get("clerk_a", "/api/cases/not-a-number"), 400, "bad_input")
    _error(
        api.get("clerk_a", "/api/cases/SC-20261123-00099-" + _check("SC2026112300099")),
        404,
        "not_found",
    )


def _check(body: str) -> str:
    from jingban.engine.case_number import check_character

    return check_character(body)


# -- acting: the full flow and each error ------------------------------------------------------


def test_full_payment_flow_with_separate_clerk_reviewer_and_payer(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    steps = [
        ("clerk_a", "accept", {}),
        ("reviewer_a", "approve", {"reason": "符合报销范围"}),
        ("payer_a", "pay", PAYMENT),
        ("payer_a", "complete", {}),
    ]
    states = []
    for version, (who, action, body) in enumerate(steps, start=1):
        api.clock.advance(hours=2)
        done = api.act(who, case_no, action, expected_version=version, **body)
        states.append((done["state"], done["version"]))
    assert states == [("accepted", 2), ("reviewed", 3), ("paid", 4), ("completed", 5)]
    final = api.get("supervisor_a", f"/api/cases/{case_no}").json()
    assert final["outcome"] == "approved"
    assert final["payment"] == {
        "amount": "3456.70",
        "amount_fen": 345670,
        "account": "************6789",
        "voucher": "PZ-20261125-01",
    }
    assert PAYMENT["account"] not in api.get("supervisor_a", f"/api/cases/{case_no}").text
    assert [e["actor"] for e in final["history"]] == [
        "clerk_a",
        "clerk_a",
        "reviewer_a",
        "payer_a",
        "payer_a",
    ]
    # All an ended case still takes: a new query code, the delivery of its result, 督办.
    assert final["available_actions"] == ["reissue_code", "deliver", "supervise"]
    assert api.services.cases.verify(case_no) == (5, [])


def test_an_action_answers_with_its_record_and_in_full_when_asked(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    lean = api.act("clerk_a", case_no, "accept", reason="材料齐全")
    shown = api.get("clerk_a", f"/api/cases/{case_no}").json()
    # The record the action wrote, as the case's history shows it; no history read back.
    assert lean["event"] == shown["history"][-1]
    assert lean["event"]["action"] == "accept" and lean["event"]["seq"] == 2
    assert "history" not in lean and "messages" not in lean
    assert lean["available_actions"] == shown["available_actions"]
    summary_keys = set(lean) - {"event", "available_actions"}
    assert {k: lean[k] for k in summary_keys} == {k: shown[k] for k in summary_keys}
    # full=true: the case as GET shows it, after the action.
    full = api.act("reviewer_a", case_no, "approve", full=True, reason="符合报销范围")
    shown = api.get("reviewer_a", f"/api/cases/{case_no}").json()
    assert "event" not in full
    assert full == {k: v for k, v in shown.items() if k != "platform_case_no"}
    r = api.post("clerk_a", f"/api/cases/{case_no}/actions/pay?full=maybe", PAYMENT)
    assert r.status_code == 422 and r.json()["error"]["field"] == "full"


def test_missing_materials_is_409_and_recorded_as_a_refused_attempt(api: Api) -> None:
    case_no = api.open_case(all_materials=False, materials=["出院记录"])["case_no"]
    error = _error(
        api.post("clerk_a", f"/api/cases/{case_no}/actions/accept", {}), 409, "not_allowed"
    )
    assert "医院收费票据" in error["message"]
    shown = api.get("clerk_a", f"/api/cases/{case_no}").json()
    assert shown["state"] == "submitted" and shown["version"] == 1
    assert shown["history"][-1]["refused"] is True
    assert shown["history"][-1]["payload"]["missing"][0] == "医保电子凭证或有效身份证件或社保卡"
    # The one-time notice, then the materials, then acceptance.
    api.act("clerk_a", case_no, "request_supplement")
    api.act("clerk_a", case_no, "supplement")
    assert api.act("clerk_a", case_no, "accept")["state"] == "accepted"


def test_wrong_role_is_403_and_changes_nothing(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    error = _error(
        api.post("clerk_a", f"/api/cases/{case_no}/actions/approve", {}), 403, "forbidden"
    )
    assert "审核" in error["message"]
    _error(api.post("admin", f"/api/cases/{case_no}/actions/accept", {}), 403, "forbidden")
    assert api.services.cases.get(case_no).version == 1


def test_an_action_illegal_in_the_state_is_409(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    for who, action in (("reviewer_a", "approve"), ("clerk_a", "complete")):
        r = api.post(who, f"/api/cases/{case_no}/actions/{action}", {})
        error = _error(r, 409, "not_allowed")
        assert "当前状态" in error["message"], error
    assert api.services.cases.get(case_no).state == "submitted"


def test_an_action_on_a_completed_case_is_409(api: Api) -> None:
    case_no = api.complete_payment_case()["case_no"]
    _error(api.post("clerk_a", f"/api/cases/{case_no}/actions/withdraw", {}), 409, "not_allowed")


def test_a_stale_expected_version_is_409_conflict(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    api.act("clerk_a", case_no, "accept", expected_version=1)
    error = _error(
        api.post("reviewer_a", f"/api/cases/{case_no}/actions/approve", {"expected_version": 1}),
        409,
        "conflict",
    )
    assert "版本" in error["message"]
    case = api.services.cases.get(case_no)
    assert (case.state, case.version) == ("accepted", 2)
    assert len(api.services.cases.history(case_no)) == 2  # a conflict leaves no record


# Refused by the request's schema (422): not plain decimal yuan, or not a JSON string.
MALFORMED_AMOUNTS: list[object] = [
    "abc",
    "-5",
    "0.001",
    "1e30",
    "1e10",
    "1E3",
    "NaN",
    "12,34",
    "1_000",
    "٣٤",
    "１２",
    "12元",
    1e10,
    1234,
    12.5,
    True,
]
# Plain decimals the engine refuses (400), and a missing amount.
BAD_AMOUNTS = [("0", "大于 0"), ("1000000.01", "单笔拨付上限"), (None, "amount")]


def test_a_bad_amount_is_refused_with_one_line(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    api.act("clerk_a", case_no, "accept")
    api.act("reviewer_a", case_no, "approve")
    for amount in MALFORMED_AMOUNTS:
        body = {**PAYMENT, "amount": amount}
        r = api.post("payer_a", f"/api/cases/{case_no}/actions/pay", body)
        error = _error(r, 422, "invalid")
        assert error["field"] == "amount" and "阿拉伯数字" in error["message"], (amount, error)
    for amount, words in BAD_AMOUNTS:
        body = {**PAYMENT, "amount": amount}
        r = api.post("payer_a", f"/api/cases/{case_no}/actions/pay", body)
        error = _error(r, 400, "bad_input")
        assert words in error["message"], (amount, error)
    assert api.services.cases.get(case_no).state == "reviewed"
    api.act("payer_a", case_no, "pay", **{**PAYMENT, "amount": "1000000.00"})


def test_an_unknown_action_is_400_listing_the_known_ones(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    error = _error(
        api.post("clerk_a", f"/api/cases/{case_no}/actions/launch", {}), 400, "bad_input"
    )
    assert "launch" in error["message"] and "accept" in error["message"]


ACTION_422 = [
    ({"days": 0}, "days"),
    ({"days": 251}, "days"),
    ({"expected_version": "two"}, "expected_version"),
    ({"expected_version": 0}, "expected_version"),
    ({"at": "tomorrow-ish"}, "at"),
    ({"missing": "出院记录"}, "missing"),
    ({"reason": "很" * 2001}, "reason"),
    ({"color": "red"}, "color"),
]


def test_action_validation_is_422_with_error_field(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    for body, field in ACTION_422:
        r = api.post("clerk_a", f"/api/cases/{case_no}/actions/accept", body)
        error = _error(r, 422, "invalid")
        assert error["field"] == field, (body, error)
        assert error["message"].startswith(f"{field}: ")
    assert api.services.cases.get(case_no).version == 1


def test_a_body_that_is_not_json_is_422(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    r = api.client.post(
        f"/api/cases/{case_no}/actions/accept",
        content=b"{not json",
        headers={**api.login("clerk_a"), "Content-Type": "application/json"},
    )
    _error(r, 422, "invalid")


def test_backdated_action_time_must_carry_a_zone_and_not_be_in_the_future(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    url = f"/api/cases/{case_no}/actions/accept"
    assert (
        "at"
        in _error(api.post("clerk_a", url, {"at": "2026-11-23T10:05:00"}), 400, "bad_input")[
            "message"
        ]
    )
    _error(api.post("clerk_a", url, {"at": "2026-11-23T12:00:00+08:00"}), 400, "bad_input")
    _error(api.post("clerk_a", url, {"at": "2026-11-22T12:00:00+08:00"}), 400, "bad_input")
    api.clock.advance(hours=3)
    done = api.act("clerk_a", case_no, "accept", at="2026-11-23T11:00:00+08:00")
    assert done["event"]["at"] == "2026-11-23T11:00:00+08:00"
    assert done["event"]["backdated"] is True


def test_the_same_person_may_not_accept_and_approve_a_payment_item(api: Api) -> None:
    case_no = api.open_case("supervisor_a")["case_no"]
    api.act("supervisor_a", case_no, "accept")
    r = api.post("supervisor_a", f"/api/cases/{case_no}/actions/approve", {})
    assert r.status_code in (403, 409), r.text
    assert "受理人不能审核" in r.json()["error"]["message"]
    assert api.services.cases.get(case_no).state == "accepted"


def test_separation_of_duties_is_403(sqlite_api: Api) -> None:
    api = sqlite_api
    case_no = api.open_case("supervisor_a")["case_no"]
    api.act("supervisor_a", case_no, "accept")
    r = api.post("supervisor_a", f"/api/cases/{case_no}/actions/approve", {})
    assert r.status_code == 403


def test_reason_and_days_are_required_where_the_engine_needs_them(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    api.act("clerk_a", case_no, "accept")
    url = f"/api/cases/{case_no}/actions/"
    assert "reason" in _error(api.post("reviewer_a", url + "deny", {}), 400, "bad_input")["message"]
    assert (
        "days"
        in _error(
            api.post("reviewer_a", url + "suspend", {"reason": "现场核查"}), 400, "bad_input"
        )["message"]
    )
    done = api.act(
        "reviewer_a", case_no, "suspend", reason="现场核查", days=5, procedure="现场核查"
    )
    assert done["state"] == "suspended"

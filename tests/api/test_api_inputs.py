"""The API refuses what it cannot take as meant, with one error body and a documented status,
on SQLite and PostgreSQL: free text with a control character or a full identity or account
number (reasons, rating comments), a boolean or number written as text, a report period
that ends before it starts, text longer than its column; and every route of the OpenAPI
document documents each error status with the error body's schema."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import PAYMENT, Api, identity_number

from jingban.errors import BadInput


def _error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    return r.json()["error"]  # type: ignore[no-any-return]


def test_free_text_with_a_control_character_or_a_full_number_is_400(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    path = f"/api/cases/{case_no}/actions/not_accept"
    for reason, words in (
        ("材料\x00不全", "控制字符 U+0000"),
        ("材料不全\x1b", "控制字符"),
        (f"申请人 {identity_number(7)} 材料不全", "理由中不得填写完整证件号码"),
        ("退回到 6217 0031 2345 6789", "理由中不得填写完整银行账号"),
    ):
        error = _error(api.post("clerk_a", path, {"reason": reason}), 400)
        assert words in error["message"], (reason, error)
    history = api.services.cases.history(case_no)
    assert [e.action for e in history] == ["open"]  # nothing recorded, not even a refusal
    api.act("clerk_a", case_no, "accept")
    approve = f"/api/cases/{case_no}/actions/approve"
    error = _error(api.post("reviewer_a", approve, {"reason": "核对账号6217003123456789"}), 400)
    assert "6217003123456789" not in error["message"] and "尾号 6789" in error["message"]
    assert api.services.cases.get(case_no).state == "accepted"


def test_a_rating_comment_with_an_account_number_is_refused_and_not_stored(api: Api) -> None:
    opened = api.complete_payment_case()
    body = {"case_no": opened["case_no"], "code": opened["query_code"], "rating": 5}
    for comment in ("请打到 6222020200112233", f"我的身份证 {identity_number()}", "好\x00"):
        error = _error(
            api.client.post("/api/public/rating", json={**body, "comment": comment}), 400
        )
        assert "评价意见中" in error["message"]
    assert api.services.ratings.rating_of(opened["case_no"]) is None
    done = api.client.post("/api/public/rating", json={**body, "comment": "窗口热情"})
    assert done.status_code == 201, done.text


def test_booleans_and_numbers_are_not_read_from_text(api: Api) -> None:
    for value in ("yes", "true", 1, "1"):
        error = _error(
            api.post(
                "clerk_a",
                "/api/cases",
                {
                    "region": "sichuan",
                    "item": "inpatient_reimbursement",
                    "applicant_name": "王秀英",
                    "applicant_id": identity_number(),
                    "all_materials": value,
                },
            ),
            422,
        )
        assert error["field"] == "all_materials", error
    opened = api.complete_payment_case(n=2)
    body = {"case_no": opened["case_no"], "code": opened["query_code"]}
    # A number with a fraction is no integer; 4.0 is, as JSON Schema's ``integer`` says.
    for rating in ("5", 4.5, True):
        error = _error(api.client.post("/api/public/rating", json={**body, "rating": rating}), 422)
        assert error["field"] == "rating", error
    case_no = api.open_case(n=3)["case_no"]
    path = f"/api/cases/{case_no}/actions/accept"
    error = _error(api.post("clerk_a", path, {"expected_version": "1"}), 422)
    assert error["field"] == "expected_version"


def test_a_report_period_ending_before_it_starts_is_400(api: Api) -> None:
    r = api.get(
        "supervisor_a", "/api/reports/on-time", **{"from": "2026-12-01", "to": "2026-11-01"}
    )
    assert "起始日期 2026-12-01 晚于截止日期 2026-11-01" in _error(r, 400)["message"]
    same_day = api.get(
        "supervisor_a", "/api/reports/on-time", **{"from": "2026-11-01", "to": "2026-11-01"}
    )
    assert same_day.status_code == 200


def test_text_longer_than_its_column_is_refused(api: Api) -> None:
    body = {
        "region": "sichuan",
        "item": "inpatient_reimbursement",
        "applicant_name": "王秀英" + "长" * 98,
        "applicant_id": identity_number(),
        "all_materials": True,
    }
    error = _error(api.post("clerk_a", "/api/cases", body), 422)
    assert error["field"] == "applicant_name"
    with pytest.raises(BadInput, match="经办机构过长: 最多 100 个字符"):
        api.accounts.add_user(
            "clerk_far",
            role="clerk",
            password="correct-horse-9",
            now=api.clock(),
            region="sichuan",
            office="长" * 101,
        )
    assert "clerk_far" not in {u.username for u in api.accounts.users()}


def test_every_route_documents_each_error_status_with_the_error_body(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    expected = {"400", "401", "403", "404", "409", "422", "429", "503"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            missing = expected - set(responses)
            assert not missing, (method, path, missing)
            for status in expected:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, status)
    amount = document["components"]["schemas"]["ActionIn"]["properties"]["amount"]
    assert any("pattern" in option for option in amount.get("anyOf", [amount]))


def test_a_json_number_amount_is_refused_whatever_its_value(api: Api) -> None:
    opened = api.open_case()
    case_no = opened["case_no"]
    api.act("clerk_a", case_no, "accept")
    api.act("reviewer_a", case_no, "approve")
    for amount in (1e10, 1000, 12.34):
        r = api.post("payer_a", f"/api/cases/{case_no}/actions/pay", {**PAYMENT, "amount": amount})
        assert _error(r, 422)["field"] == "amount"
    assert api.services.cases.get(case_no).payment is None

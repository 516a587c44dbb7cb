"""The applicant's mobile number over HTTP: optional at registration, refused with one clear
line and nothing stored when it is not a mainland mobile number, masked in every answer; the
case's applicant messages in `GET /api/cases/{no}`; the opt-out as an action."""

from __future__ import annotations

import pytest
from api_support import Api


def _count(api: Api, table: str) -> int:
    from sqlalchemy import text

    with api.services.db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_bad_number_is_refused_and_nothing_is_stored(api: Api) -> None:
    for bad in ("1381234567", "23812345678", "138-1234-567x", "+1 138 1234 5678"):
        r = api.post(
            "clerk_a",
            "/api/cases",
            {
                "region": "sichuan",
                "item": "inpatient_reimbursement",
                "applicant_name": "王秀英",
                "applicant_id": "11010519491231002X",
                "phone": bad,
            },
        )
        assert r.status_code == 400, r.text
        assert "手机号码" in r.json()["error"]["message"]
    assert _count(api, "cases") == 0 and _count(api, "applicant_phones") == 0


def test_the_number_is_masked_and_messages_are_listed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JINGBAN_SMS_URL", raising=False)
    opened = api.open_case(phone="138 1234 5678")
    assert opened["phone"] == "138****5678" and opened["sms_optout"] is False
    case_no = opened["case_no"]
    acted = api.act("clerk_a", case_no, "accept", full=True)
    assert [(m["kind"], m["status"]) for m in acted["messages"]] == [("accept", "not_sent")]
    api.act("clerk_a", case_no, "sms_optout", reason="申请人不需要")
    api.act("reviewer_a", case_no, "approve")
    r = api.get("clerk_a", f"/api/cases/{case_no}")
    assert r.status_code == 200
    shown = r.json()
    assert shown["phone"] == "138****5678" and shown["sms_optout"] is True
    assert "13812345678" not in r.text
    assert [set(m) >= {"at", "kind", "status"} for m in shown["messages"]] == [True]
    # A second opt-out is refused (409), the case unchanged.
    again = api.post("clerk_a", f"/api/cases/{case_no}/actions/sms_optout", {})
    assert again.status_code == 409 and "已退订" in again.json()["error"]["message"]


def test_opted_out_at_registration(api: Api) -> None:
    opened = api.open_case(phone="13812345678", sms_optout=True)
    assert opened["sms_optout"] is True
    no_phone = api.open_case(n=2)
    assert no_phone["phone"] is None
    r = api.post("clerk_a", f"/api/cases/{no_phone['case_no']}/actions/sms_optin", {})
    assert r.status_code == 409 and "未留手机号码" in r.json()["error"]["message"]

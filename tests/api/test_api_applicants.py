"""Units and agents through the HTTP API, on SQLite and PostgreSQL: ``POST /api/cases`` takes
``applicant_kind``, ``credit_code`` and the agent; ``GET /api/cases/{no}`` shows them with the
agent's number masked; a bad registration is a 4xx with one Chinese line and stores nothing;
and the printed 一次性告知书 of a 兵团 case handled by an agent lists the agent's materials
(说明 2) and the bank account information (说明 3)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from api_support import PASSWORD, Api, identity_number

BT_OFFICE = "第八师石河子市医疗保障事务中心"
CODE = "91330100799655058B"
HANDLER_ID = identity_number(7, "659001")
AGENT_ID = identity_number(8, "659001")


@pytest.fixture
def bingtuan(api: Api) -> Api:
    for name, role in (("bt_clerk", "clerk"), ("bt_supervisor", "supervisor")):
        api.accounts.add_user(
            name,
            role=role,
            password=PASSWORD,
            now=api.clock(),
            region="bingtuan",
            office=BT_OFFICE,
            display_name="马丽" if role == "clerk" else "周科长",
        )
    return api


def _unit(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "region": "bingtuan",
        "item": "unit_registration",
        "applicant_kind": "unit",
        "applicant_name": "石河子某某农业科技有限公司",
        "credit_code": CODE,
        "agent_name": "王经办",
        "agent_id": HANDLER_ID,
    }
    body.update(fields)
    return body


def _cases(api: Api) -> int:
    r = api.get("bt_supervisor", "/api/cases")
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def test_a_unit_is_registered_and_shown_with_its_handler_masked(bingtuan: Api) -> None:
    r = bingtuan.post("bt_clerk", "/api/cases", _unit())
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["applicant_kind"] == "unit" and created["credit_code"] == CODE
    shown = bingtuan.get("bt_clerk", f"/api/cases/{created['case_no']}").json()
    assert shown["applicant_kind"] == "unit"
    assert shown["applicant_kind_label"] == "单位"
    assert shown["credit_code"] == CODE
    assert shown["applicant_id_type"] == "credit_code"
    assert shown["agent"] == {
        "role": "handler",
        "role_label": "经办人",
        "name": "王经办",
        "id_number": HANDLER_ID[:6] + "********" + HANDLER_ID[-4:],
        "id_type": "resident_id",
        "id_type_label": "居民身份证",
    }
    assert HANDLER_ID not in r.text and HANDLER_ID not in str(shown)


def test_a_person_keeps_todays_fields_and_gains_the_new_ones(bingtuan: Api) -> None:
    body = {
        "region": "bingtuan",
        "item": "resident_registration",
        "applicant_name": "张三",
        "applicant_id": identity_number(9, "659001"),
    }
    created = bingtuan.post("bt_clerk", "/api/cases", body).json()
    assert created["applicant_kind"] == "person"
    assert created["credit_code"] is None and created["agent"] is None
    assert created["applicant_id_type"] == "resident_id"


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"credit_code": CODE[:17] + "C"}, 400, "统一社会信用代码校验位不符"),
        ({"credit_code": None}, 400, "须填写统一社会信用代码"),
        ({"agent_name": None, "agent_id": None}, 400, "须登记经办人"),
        ({"item": "inpatient_reimbursement"}, 400, "申请人只能是个人"),
        ({"applicant_kind": "company"}, 422, "applicant_kind"),
        ({"agent_id_type": "credit_code"}, 422, "agent_id_type"),
    ],
)
def test_a_bad_unit_is_refused_with_one_line_and_nothing_is_stored(
    bingtuan: Api, fields: dict[str, Any], status: int, says: str
) -> None:
    before = _cases(bingtuan)
    r = bingtuan.post("bt_clerk", "/api/cases", _unit(**fields))
    assert r.status_code == status, r.text
    assert says in r.text
    message = r.json()["error"]["message"]
    assert isinstance(message, str) and "\n" not in message
    assert "Traceback" not in r.text
    assert _cases(bingtuan) == before


def _page(api: Api, who: str, path: str) -> str:
    api.login(who)
    api.client.cookies.set("jingban_session", api.tokens[who])
    r = api.client.get(path)
    assert r.status_code == 200, r.text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))


def test_the_one_time_notice_lists_the_bingtuan_agent_and_bank_materials(bingtuan: Api) -> None:
    body = {
        "region": "bingtuan",
        "item": "inpatient_reimbursement",
        "applicant_name": "张三",
        "applicant_id": identity_number(10, "659001"),
        "agent_name": "李四",
        "agent_id": AGENT_ID,
        "materials": ["有效身份证件或医保电子凭证或社会保障卡", "医院收费票据", "住院费用清单"],
    }
    case_no = bingtuan.post("bt_clerk", "/api/cases", body).json()["case_no"]
    bingtuan.act("bt_clerk", case_no, "request_supplement", missing=["参保人银行账户信息"])
    text = _page(bingtuan, "bt_clerk", f"/cases/{case_no}/notices/supplement")
    listed = text.split("需要补正的全部材料如下：", 1)[1]
    for name in ("参保人银行账户信息", "委托人及代理人身份证件原件", "委托人授权委托书"):
        assert name in listed, name
    assert AGENT_ID not in text

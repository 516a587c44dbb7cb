"""送达 through the API and the console, the channels an item offers, and the office facts
told to the applicant (registration form, receipt, 送达回执, public progress page).

沙湾's guide gives every fact per item (办理机构及地点, 办事时间, 咨询查询途径, 监督投诉渠道,
收费依据及标准: 不收费); item 10 (医疗机构申请定点协议管理) is handled 网上办理 only; 喀什
19 (产前检查费支付) online 仅支持跨省办理.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from api_support import PASSWORD, Api, identity_number

SHAWAN = "沙湾市医疗保障事业服务中心"
STAFF = {
    "sw_clerk": ("clerk", "shawan", SHAWAN, "李娜"),
    "sw_reviewer": ("reviewer", "shawan", SHAWAN, "王建国"),
    "ks_clerk": ("clerk", "kashgar", "喀什地区医疗保障服务中心", "阿依努尔"),
}
SW_ADDRESS = "沙湾市书香街道智慧大道东路105号医疗保障局A区3-5号窗口"


@pytest.fixture
def office(sqlite_api: Api) -> Api:
    for name, (role, region, office_name, display) in STAFF.items():
        sqlite_api.accounts.add_user(
            name,
            role=role,
            password=PASSWORD,
            now=sqlite_api.clock(),
            region=region,
            office=office_name,
            display_name=display,
        )
    return sqlite_api


def _open(api: Api, who: str = "sw_clerk", n: int = 1, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "region": STAFF[who][1],
        "item": "unit_info_change",
        "applicant_name": "阿依古丽",
        "applicant_id": identity_number(n, "654223"),
        "all_materials": True,
    }
    body.update(fields)
    r = api.post(who, "/api/cases", body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _page(api: Api, who: str, path: str) -> str:
    api.login(who)
    api.client.cookies.set("jingban_session", api.tokens[who])
    r = api.client.get(path)
    assert r.status_code == 200, r.text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))


def _completed(api: Api) -> dict[str, Any]:
    opened = _open(api)
    case_no = opened["case_no"]
    api.act("sw_clerk", case_no, "accept")
    api.act("sw_reviewer", case_no, "approve")
    api.act("sw_reviewer", case_no, "complete")
    return opened


def test_a_delivery_by_post_is_shown_printed_and_public(office: Api) -> None:
    opened = _completed(office)
    case_no = opened["case_no"]
    shown = office.get("sw_clerk", f"/api/cases/{case_no}").json()
    assert shown["delivery"]["delivered"] is False and shown["delivery"]["due"]
    assert shown["delivery_due"] == shown["delivery"]["due"]
    body = office.act(
        "sw_clerk", case_no, "deliver", full=True, method="post", tracking="EMS 1187654321098"
    )
    delivery = body["delivery"]
    assert (delivery["method"], delivery["carrier"], delivery["tracking_no"]) == (
        "post",
        "EMS",
        "1187654321098",
    )
    assert delivery["delivered"] is True and body["delivery_due"] is None
    text = _page(office, "sw_clerk", f"/cases/{case_no}/notices/delivery")
    assert "送达回执" in text and "邮寄送达" in text and "1187654321098" in text
    assert "办结通知书" in text  # the decision it delivered
    assert "经办人: 李娜" in text
    assert SW_ADDRESS in text and "不收费" in text and "周一至周五" in text
    assert re.search(r"沙医保经〔\d{4}〕送字第0001号", text)
    # The case page lists the receipt among its notices, and its timeline says how.
    case_page = _page(office, "sw_clerk", f"/cases/{case_no}")
    assert "送达回执" in case_page and "承运商 EMS，运单号 1187654321098" in case_page
    public = office.post(
        None, "/api/public/progress", {"case_no": case_no, "code": opened["query_code"]}
    ).json()
    assert public["delivery"] == {
        "date": public["completed_date"],
        "method": "post",
        "method_label": "邮寄送达",
        "carrier": "EMS",
        "tracking_no": "1187654321098",
    }
    assert public["contacts"]["address"].endswith(SW_ADDRESS)
    assert public["contacts"]["fee"] == "不收费"
    assert "李娜" not in str(public) and "sw_clerk" not in str(public)


def test_delivery_refusals_answer_with_one_clear_line(office: Api) -> None:
    case_no = _open(office)["case_no"]
    r = office.post("sw_clerk", f"/api/cases/{case_no}/actions/deliver", {"method": "window"})
    assert r.status_code == 409
    assert "只有已办结、不予受理的办件才能「送达」" in r.json()["error"]["message"]
    office.act("sw_clerk", case_no, "not_accept", reason="不属于本机构受理范围")
    before = office.get("sw_clerk", f"/api/cases/{case_no}").json()
    r = office.post("sw_clerk", f"/api/cases/{case_no}/actions/deliver", {"method": "post"})
    assert r.status_code == 400
    assert "邮寄送达须填写承运商和运单号" in r.json()["error"]["message"]
    assert office.get("sw_clerk", f"/api/cases/{case_no}").json() == before
    done = office.act("sw_clerk", case_no, "deliver", full=True, method="window")
    assert done["delivery"]["method_label"] == "窗口领取"
    text = _page(office, "sw_clerk", f"/cases/{case_no}/notices/delivery")
    assert "不予受理通知书" in text and "窗口领取" in text


def test_an_online_only_item_refuses_the_window_and_the_form_offers_only_online(
    office: Api,
) -> None:
    body = {
        "region": "shawan",
        "item": "hospital_designation",
        "applicant_name": "沙湾某医院",
        "applicant_id": identity_number(3, "654223"),
        "all_materials": True,
    }
    r = office.post("sw_clerk", "/api/cases", {**body, "channel": "window"})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        "「医疗机构申请定点协议管理」只能网上办理 (办理渠道: 网上办理)，不能窗口登记"
    )
    r = office.post("sw_clerk", "/api/cases", body)  # no channel: the window, refused too
    assert r.status_code == 400
    assert _open(office, n=4, item="hospital_designation", channel="online")["channel"] == "online"
    office.login("sw_clerk")
    office.client.cookies.set("jingban_session", office.tokens["sw_clerk"])
    page = office.client.get("/register", params={"item": "hospital_designation"}).text
    options = re.findall(r'<option value="(window|online)"', page)
    assert options == ["online"]
    assert "本事项办理渠道: 网上办理" in page
    assert SW_ADDRESS in page and "不收费" in page  # the office facts, at registration


def test_kashgar_online_maternity_claims_must_be_cross_province(office: Api) -> None:
    fields = {"item": "prenatal_exam_payment", "channel": "online"}
    body = {
        "region": "kashgar",
        "applicant_name": "古丽",
        "applicant_id": identity_number(5, "653101"),
        "all_materials": True,
        **fields,
    }
    r = office.post("ks_clerk", "/api/cases", body)
    assert r.status_code == 400
    assert "网上办理仅支持跨省办理" in r.json()["error"]["message"]
    assert _open(office, "ks_clerk", n=6, cross_province=True, **fields)["channel"] == "online"
    assert _open(office, "ks_clerk", n=7, item="prenatal_exam_payment")["channel"] == "window"
    office.login("ks_clerk")
    office.client.cookies.set("jingban_session", office.tokens["ks_clerk"])
    page = office.client.get("/register", params={"item": "prenatal_exam_payment"}).text
    assert 'name="cross_province"' in page and "网上办理仅支持跨省办理" in page

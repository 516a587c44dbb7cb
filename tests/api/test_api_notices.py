"""The printed notices (console pages /cases/{no}/notices/{kind}) and the receipt.

Every notice of a 社会保险经办 item cites the 社会保险经办条例 and never the 行政许可法; the
审核不通过 / 不予支付决定书, 恢复办理通知书 and 办结通知书 exist with their content; each notice
carries the number its action took (文号 style), the same on every reprint; notices and the
receipt carry the office's address, phone and 监督投诉电话; 经办人 is the display name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from api_support import PASSWORD, PAYMENT, Api, identity_number

from jingban.console.notices import notice_number
from jingban.engine.audit import AuditEvent
from jingban.workflows.actions import ACTIONS

SHAWAN = "沙湾市医疗保障事业服务中心"
EMIN = "额敏县医疗保障服务中心"
STAFF = {
    "sw_clerk": ("clerk", "shawan", SHAWAN, "李娜"),
    "sw_reviewer": ("reviewer", "shawan", SHAWAN, "王建国"),
    "sw_payer": ("payer", "shawan", SHAWAN, "赵敏"),
    "sw_supervisor": ("supervisor", "shawan", SHAWAN, "马科长"),
    "em_clerk": ("clerk", "tacheng", EMIN, "古丽"),
}
LICENSING = "行政许可法"
REGULATION = "《社会保险经办条例》（国务院令第765号）"


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


def _open(api: Api, who: str = "sw_clerk", n: int = 1, **fields: Any) -> str:
    region = STAFF[who][1]
    body: dict[str, Any] = {
        "region": region,
        "item": "prenatal_exam_payment",
        "applicant_name": "阿依古丽",
        "applicant_id": identity_number(n, "654223"),
        "all_materials": True,
    }
    body.update(fields)
    r = api.post(who, "/api/cases", body)
    assert r.status_code == 201, r.text
    return str(r.json()["case_no"])


def _page(api: Api, who: str, path: str) -> str:
    """The console page's text (tags dropped, whitespace folded), signed in as ``who``."""
    api.login(who)
    api.client.cookies.set("jingban_session", api.tokens[who])
    r = api.client.get(path)
    assert r.status_code == 200, r.text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))


def _notice(api: Api, case_no: str, kind: str, who: str = "sw_supervisor") -> str:
    return _page(api, who, f"/cases/{case_no}/notices/{kind}")


def _number(text: str) -> str:
    found = re.search(r"\S+〔\d{4}〕\S+字第\d{4}号", text)
    assert found, text
    return found.group(0)


def test_every_notice_of_a_service_item_cites_the_jingban_regulation(office: Api) -> None:
    missing = _open(office, n=1, all_materials=False)
    office.act("sw_clerk", missing, "request_supplement", missing=["医院收费票据"])
    refused = _open(office, n=2)
    office.act("sw_clerk", refused, "not_accept", reason="不属于本机构受理范围")
    held = _open(office, n=3)
    office.act("sw_clerk", held, "accept")
    office.act("sw_reviewer", held, "suspend", procedure="现场核查", days=5, reason="核查票据")
    office.act("sw_reviewer", held, "resume")
    office.act("sw_supervisor", held, "extend", days=5, reason="需补充核查")
    for case_no, kind in [
        (missing, "supplement"),
        (refused, "refuse"),
        (held, "accept"),
        (held, "suspend"),
        (held, "resume"),
        (held, "extend"),
    ]:
        text = _notice(office, case_no, kind)
        assert f"根据{REGULATION}的规定" in text, (kind, text)
        assert LICENSING not in text, (kind, text)
        assert "依据：" in text and "国务院令第765号，2023年8月16日" in text, kind
    refusal = _notice(office, refused, "refuse")
    assert "六十日内" in refusal and "六个月内" in refusal
    assert "《中华人民共和国行政诉讼法》第四十六条" in refusal


def test_a_denial_of_a_payment_item_is_a_decision_not_to_pay_with_the_remedies(
    office: Api,
) -> None:
    case_no = _open(office)
    office.act("sw_clerk", case_no, "accept")
    office.act("sw_reviewer", case_no, "deny", reason="产前检查费用不属于生育保险支付范围")
    text = _notice(office, case_no, "deny")
    assert "不予支付决定书" in text
    assert "本机构决定不予支付" in text
    assert "理由： 产前检查费用不属于生育保险支付范围" in text
    assert (
        "六十日内依照《中华人民共和国行政复议法》的规定向有管辖权的行政复议机关申请行政复议" in text
    )
    assert (
        "六个月内依照《中华人民共和国行政诉讼法》第四十六条的规定向有管辖权的人民法院提起行政诉讼"
        in text
    )
    assert _number(text) == "沙医保经〔2026〕审字第0001号"
    assert "经办人: 王建国" in text and "sw_reviewer" not in text


def test_the_case_page_names_each_notice_as_it_prints(office: Api) -> None:
    """The notice buttons of the case page and the receipt carry the notice's own title: a
    payment item's denial is a 不予支付决定书 there too."""
    paid_item = _open(office)
    office.act("sw_clerk", paid_item, "accept")
    office.act("sw_reviewer", paid_item, "deny", reason="产前检查费用不属于生育保险支付范围")
    reviewed = _open(office, n=2, item="chronic_disease_recognition", channel="online")
    office.act("sw_clerk", reviewed, "accept")
    office.act("sw_reviewer", reviewed, "deny", reason="病种不在认定范围内")
    for path in ("/cases/{}", "/cases/{}/receipt"):
        assert "不予支付决定书" in _page(office, "sw_supervisor", path.format(paid_item))
        assert "审核不通过决定书" not in _page(office, "sw_supervisor", path.format(paid_item))
        assert "审核不通过决定书" in _page(office, "sw_supervisor", path.format(reviewed))


def test_a_denial_without_payment_is_a_review_decision(office: Api) -> None:
    case_no = _open(office, item="chronic_disease_recognition", channel="online")
    office.act("sw_clerk", case_no, "accept")
    office.act("sw_reviewer", case_no, "deny", reason="病种不在认定范围内")
    text = _notice(office, case_no, "deny")
    assert "审核不通过决定书" in text and "本机构决定审核不通过" in text


def test_resume_and_completion_notices_say_what_happened(office: Api) -> None:
    case_no = _open(office)
    office.act("sw_clerk", case_no, "accept")
    office.act("sw_reviewer", case_no, "suspend", procedure="专家评审", days=3, reason="需专家评审")
    office.travel(days=2)
    office.act("sw_reviewer", case_no, "resume", reason="专家评审结束")
    resumed = _notice(office, case_no, "resume")
    assert "恢复办理通知书" in resumed and "起恢复办理" in resumed
    assert "中止期间共" in resumed and "不计入办理时限" in resumed
    assert _number(resumed) == "沙医保经〔2026〕复字第0001号"
    office.act("sw_reviewer", case_no, "approve")
    office.act("sw_payer", case_no, "pay", **PAYMENT)
    office.act("sw_payer", case_no, "complete")
    done = _notice(office, case_no, "complete")
    assert "办结通知书" in done and "办结，款项已拨付" in done
    assert _number(done) == "沙医保经〔2026〕结字第0001号"
    assert "经办人: 赵敏" in done


def test_numbers_are_sequential_and_a_reprint_shows_the_same_one(office: Api) -> None:
    first, second = _open(office, n=1), _open(office, n=2)
    office.act("sw_clerk", first, "accept")
    office.act("sw_clerk", second, "accept")
    printed = _number(_notice(office, first, "accept"))
    assert printed == "沙医保经〔2026〕受字第0001号"
    assert _number(_notice(office, second, "accept")) == "沙医保经〔2026〕受字第0002号"
    office.travel(days=1)
    assert _number(_notice(office, first, "accept", who="sw_clerk")) == printed


def test_a_notice_issued_before_numbering_keeps_its_old_number() -> None:
    notice = ACTIONS["accept"].notice
    assert notice is not None
    at = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
    old = AuditEvent("SW-20261123-00001-D", "accept", "x", "clerk", at, at, None, None, seq=2)
    assert notice_number(old.case_no, notice, old) == "SW-20261123-00001-D〔受2〕"


def test_notices_and_the_receipt_carry_the_office_contacts(office: Api) -> None:
    case_no = _open(office, item="inpatient_reimbursement", all_materials=True)
    office.act("sw_clerk", case_no, "accept")
    accepted = _notice(office, case_no, "accept")
    # 沙湾's per-item phone (住院 0993-6015991) and the guide's 监督投诉 number and address.
    assert "咨询电话 0993-6015991" in accepted
    assert "监督投诉电话 0993-6021279" in accepted
    assert "智慧大道东路105号" in accepted
    assert "经办人: 李娜" in accepted and "sw_clerk" not in accepted
    receipt = _page(office, "sw_clerk", f"/cases/{case_no}/receipt")
    assert "监督投诉电话 0993-6021279" in receipt and "咨询电话 0993-6015991" in receipt
    # 塔城: the county's supervision number from the guide.
    county = _open(office, who="em_clerk", item="unit_registration")
    office.act("em_clerk", county, "accept")
    text = _notice(office, county, "accept", who="em_clerk")
    assert "监督投诉电话 0901-3328011" in text
    assert _number(text) == "额医保经〔2026〕受字第0001号"
    assert "监督投诉电话 0901-3328011" in _page(office, "em_clerk", f"/cases/{county}/receipt")

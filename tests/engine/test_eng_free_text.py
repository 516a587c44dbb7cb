"""Free text is refused when it holds a control character, a full identity number or a
bank-account-like digit run (`jingban.engine.free_text`), in every action's reason; what
a clerk writes about a case otherwise (dates, telephone numbers, case numbers) passes."""

from __future__ import annotations

import pytest
from engine_support import APPLICANT_ID, CLERK, REVIEWER, act, at, make_engine, open_case

from jingban.engine import checked_text, masked_numbers
from jingban.errors import BadInput

PASSING = [
    "材料齐全，符合条件",
    "联系电话 13800138000，下午回电",
    "座机 0991-12345678",
    "与 KS-20261123-00042-8 为同一申请人，另见 KS2026112300043Q",
    "2026-11-23 10:30 收到补正材料",
    "自 2026-11-23 至 2026-12-01 公示",
    "票据 12 张，合计 3456.70 元",
    "凭证号 PZ-20261125-01",
    "证件尾号 002X",
    "第一行\n第二行\t缩进",
]
IDENTITY = [
    APPLICANT_ID,
    f"申请人{APPLICANT_ID}本人",
    f"{APPLICANT_ID[:6]} {APPLICANT_ID[6:14]} {APPLICANT_ID[14:]}",
    APPLICANT_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
]
ACCOUNTS = [
    "账号6217003123456789",
    "6222 0212 3456 7890 123",
    "6222-0212-3456-7890",
    "对公账号 510101234567",
    "账号 ６２１７００３１２３４５６７８９",
]
CONTROLS = ["材料\x00不全", "\x07", "原因\x1b[31m", "a\ud800b"]


@pytest.mark.parametrize("text", PASSING)
def test_what_a_clerk_writes_passes(text: str) -> None:
    assert checked_text(text, "理由", lines=True) == text
    assert masked_numbers(text) == text


@pytest.mark.parametrize("text", IDENTITY)
def test_a_full_identity_number_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(BadInput) as refused:
        checked_text(text, "理由")
    message = refused.value.message
    assert message.startswith("理由中不得填写完整证件号码") and APPLICANT_ID not in message
    assert APPLICANT_ID[-4:] in message


@pytest.mark.parametrize("text", ACCOUNTS)
def test_an_account_like_digit_run_is_refused_and_masked(text: str) -> None:
    with pytest.raises(BadInput, match="评价意见中不得填写完整银行账号") as refused:
        checked_text(text, "评价意见")
    digits = "".join(c for c in text if c.isdigit())
    assert digits not in refused.value.message
    masked = masked_numbers(text)
    assert "*" in masked and not any(len(run) >= 5 for run in masked.split("*") if run.isdigit())


@pytest.mark.parametrize("text", CONTROLS)
def test_control_characters_are_refused(text: str) -> None:
    with pytest.raises(BadInput, match="闭馆原因中含有不可见的"):
        checked_text(text, "闭馆原因", lines=True)


def test_line_breaks_are_refused_in_one_line_fields() -> None:
    with pytest.raises(BadInput, match="姓名中含有不可见的换行"):
        checked_text("王\n五", "姓名")


def test_every_reason_is_checked_required_or_optional() -> None:
    engine = make_engine()
    now = at("2026-11-23 10:00")
    case = open_case(engine, "sichuan", "inpatient_reimbursement", now=now).case
    with pytest.raises(BadInput, match="申请人姓名中含有"):
        engine.open_case(
            case_no="SC-20261123-09999-0",
            region="sichuan",
            item="inpatient_reimbursement",
            applicant_name="王\x00",
            applicant_id=APPLICANT_ID,
            actor=CLERK[0],
            role=CLERK[1],
            now=now,
        )
    with pytest.raises(BadInput, match="理由中不得填写完整证件号码"):
        act(engine, case, "not_accept", CLERK, at("2026-11-23 10:30"), reason=f"{APPLICANT_ID}")
    accepted = act(engine, case, "accept", CLERK, at("2026-11-23 11:00")).case
    with pytest.raises(BadInput, match="理由中不得填写完整银行账号"):  # an optional reason
        act(
            engine, accepted, "approve", REVIEWER, at("2026-11-23 12:00"), reason="6217003123456789"
        )
    with pytest.raises(BadInput, match="理由中含有不可见的控制字符 U\\+0000"):
        act(engine, accepted, "approve", REVIEWER, at("2026-11-23 12:00"), reason="可以\x00")
    done = act(engine, accepted, "approve", REVIEWER, at("2026-11-23 12:00"), reason="尾号 6789")
    assert done.event.reason == "尾号 6789"

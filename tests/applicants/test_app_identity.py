"""Identity documents the guides name: the 台湾居民来往大陆通行证 and, where a guide accepts
"有效身份证件或医保电子凭证或社会保障卡", the 医保电子凭证 and the 社会保障卡."""

from __future__ import annotations

import datetime as dt

import pytest
from support import gb11643

from jingban.engine.identity import (
    ID_TYPES,
    BadIdentity,
    mask_identity,
    validate_identity,
)
from jingban.engine.parties import checked_parties
from jingban.workflows import load_catalog

TODAY = dt.date(2026, 2, 13)  # the last working day before 春节 2026
NUMBER = gb11643("65010219900307451")


@pytest.mark.parametrize(
    "number",
    ["01234567", "0123456701", "0123456701(B)", "0123456701（B）", " 0123 4567 "],
)
def test_taiwan_permit_numbers_of_both_forms_are_accepted(number: str) -> None:
    """The lifetime number of eight digits (since 2008-09-25), or the older booklet form
    with the issue count and the issuing office's letter in brackets."""
    shown = validate_identity(number, "tw_mainland_permit")
    assert shown.startswith("01234567")
    assert "（" not in shown
    assert ID_TYPES["tw_mainland_permit"].label == "台湾居民来往大陆通行证"


@pytest.mark.parametrize("number", ["1234567", "A1234567", "012345670", "0123456701(BB)"])
def test_malformed_taiwan_permit_numbers_are_refused(number: str) -> None:
    with pytest.raises(BadIdentity, match="台湾居民来往大陆通行证号码格式不正确"):
        validate_identity(number, "tw_mainland_permit")


def test_a_taiwan_permit_number_is_masked_like_other_permits() -> None:
    assert mask_identity("01234567") == "01****67"


@pytest.mark.parametrize("id_type", ["mi_voucher", "social_security_card"])
def test_voucher_and_card_carry_the_citizen_number_and_its_check_digit(id_type: str) -> None:
    assert validate_identity(NUMBER, id_type, today=TODAY) == NUMBER
    with pytest.raises(BadIdentity, match="校验位不符"):
        validate_identity(NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1"), id_type)
    future = gb11643("65010220300101451")
    with pytest.raises(BadIdentity, match="晚于今天"):
        validate_identity(future, id_type, today=TODAY)


def _parties(region: str, item: str, **given: str | None):  # type: ignore[no-untyped-def]
    fields: dict[str, str | None] = {
        "kind": None,
        "applicant_id": NUMBER,
        "applicant_id_type": None,
        "credit_code": None,
        "agent_name": None,
        "agent_id": None,
        "agent_id_type": None,
    }
    fields.update(given)
    found = load_catalog().item(region, item)
    return checked_parties(found, today=TODAY, **fields)  # type: ignore[arg-type]


def test_a_voucher_is_recorded_where_the_guide_accepts_it() -> None:
    # 兵团 16: "有效身份证件或医保电子凭证或社会保障卡"
    parties = _parties("bingtuan", "chronic_disease_recognition", applicant_id_type="mi_voucher")
    assert parties.applicant_id_type == "mi_voucher"
    card = _parties("kashgar", "insured_info_query", applicant_id_type="social_security_card")
    assert card.applicant_id_type == "social_security_card"
    # 四川 writes 社保卡, the short name
    short = _parties("sichuan", "insured_info_query", applicant_id_type="social_security_card")
    assert short.applicant_id == NUMBER


def test_a_voucher_is_refused_where_the_guide_asks_for_an_identity_document() -> None:
    # 兵团 3 城乡居民参保登记 asks for 有效身份证件 only
    with pytest.raises(BadIdentity, match="不接受以医保电子凭证作为申请人的身份证明"):
        _parties("bingtuan", "resident_registration", applicant_id_type="mi_voucher")
    with pytest.raises(BadIdentity, match="不接受以社会保障卡作为委托代理人的身份证明"):
        _parties(
            "bingtuan",
            "resident_registration",
            agent_name="李四",
            agent_id=gb11643("11010519800101123"),
            agent_id_type="social_security_card",
        )

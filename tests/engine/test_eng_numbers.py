"""Case numbers (ISO 7064 MOD 37,36), query codes, identity numbers (GB 11643) and masking."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import secrets

import pytest
from engine_support import APPLICANT_ID, act, at, gb11643, make_engine, open_case

from jingban.engine import (
    ID_TYPES,
    BadCaseNumber,
    BadIdentity,
    format_case_number,
    hash_query_code,
    mask_identity,
    new_query_code,
    normalise_case_number,
    query_code_matches,
    validate_identity,
)
from jingban.engine.case_number import QUERY_CODE_LENGTH, check_character
from jingban.engine.present import case_detail, case_summary
from jingban.errors import BadInput

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def iso7064_mod37_36(body: str) -> str:
    """The hybrid system MOD 37,36 as ISO 7064 states it, written out here: P₀ = 36;
    Sᵢ = (Pᵢ₋₁ mod 37) + aᵢ; Pᵢ = 2 × (Sᵢ mod 36, or 36 if that is 0); the check character
    makes (P_n mod 37) + check ≡ 1 (mod 36)."""
    p = 36
    for char in body:
        s = p % 37 + ALPHANUMERIC.index(char)
        p = 2 * (s % 36 or 36)
    return ALPHANUMERIC[(1 - p % 37) % 36]


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def _sample() -> list[str]:
    regions = ["kashgar", "sichuan", "bingtuan", "tacheng", "shawan"]
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=d) for d in (0, 45, 130, 300)]
    sequences = [1, 2, 17, 42, 99, 100, 777, 4096, 31337, 99999]
    return [format_case_number(r, d, s) for r in regions for d in days for s in sequences]


def test_case_number_layout() -> None:
    number = format_case_number("kashgar", dt.date(2026, 11, 23), 42)
    assert re.fullmatch(r"KS-20261123-00042-[0-9A-Z]", number)
    assert number[-1] == iso7064_mod37_36("KS2026112300042")
    assert [
        format_case_number(r, dt.date(2026, 3, 2), 1)[:2]
        for r in ("sichuan", "bingtuan", "tacheng", "kashgar", "shawan")
    ] == ["SC", "BT", "TC", "KS", "SW"]
    with pytest.raises(ValueError):
        format_case_number("kashgar", dt.date(2026, 3, 2), 100000)


def test_check_character_is_iso_7064_mod_37_36() -> None:
    for number in _sample():
        body = number.replace("-", "")[:-1]
        assert check_character(body) == iso7064_mod37_36(body) == number[-1]


def test_every_single_substitution_is_caught() -> None:
    caught = total = 0
    for number in _sample():
        compact = number.replace("-", "")
        for i, original in enumerate(compact):
            for char in ALPHANUMERIC:
                if char == original:
                    continue
                total += 1
                typo = compact[:i] + char + compact[i + 1 :]
                assert iso7064_mod37_36(typo[:-1]) != typo[-1]  # the check alone catches it
                try:
                    normalise_case_number(typo)
                except BadCaseNumber:
                    caught += 1
    assert (caught, total) == (112000, 112000)


def test_adjacent_transpositions_are_almost_all_caught() -> None:
    caught = total = 0
    for number in _sample():
        compact = number.replace("-", "")
        for i in range(len(compact) - 1):
            if compact[i] == compact[i + 1]:
                continue  # swapping equal characters changes nothing
            total += 1
            swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
            try:
                normalise_case_number(swapped)
            except BadCaseNumber:
                caught += 1
    # Measured on this sample: 3 of 2,486 transpositions slip through (99.88 %).
    assert (caught, total) == (2483, 2486)


def test_case_numbers_are_read_as_people_type_them() -> None:
    number = format_case_number("kashgar", dt.date(2026, 3, 2), 7)
    compact = number.replace("-", "")
    for typed in (
        number.lower(),
        compact,
        f" {compact.lower()} ",
        number.replace("-", "－"),
        number.replace("-", " "),
    ):
        assert normalise_case_number(typed) == number


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "KS-20260302-0001-X",
        "XX-20260302-00001-0",
        "KS-20260230-00001-0",
        "KS-2026-03-02-00001",
        "住院-20260302-00001-A",
    ],
)
def test_malformed_case_numbers_are_bad_input(typed: str) -> None:
    with pytest.raises(BadCaseNumber) as raised:
        normalise_case_number(typed)
    assert isinstance(raised.value, BadInput) and raised.value.exit_code == 2


def test_query_codes_are_strong_and_stored_hashed() -> None:
    codes = {new_query_code(secrets.randbelow) for _ in range(2000)}
    assert len(codes) == 2000
    alphabet = set("".join(codes))
    assert not alphabet & set("01OIL")  # no look-alikes on a paper receipt
    assert alphabet <= set(ALPHANUMERIC)
    assert all(len(c) == QUERY_CODE_LENGTH for c in codes)
    bits = QUERY_CODE_LENGTH * math.log2(31)
    assert len(alphabet) == 31 and bits >= 50
    code = codes.pop()
    stored = hash_query_code(code)
    assert stored == hashlib.sha256(code.encode()).hexdigest()
    spaced = "-".join([code[:4].lower(), code[4:8], code[8:]])
    assert query_code_matches(spaced, stored)
    assert not query_code_matches(code[:-1] + ("A" if code[-1] != "A" else "B"), stored)


# -- identity numbers ---------------------------------------------------------------------


def test_gb11643_check_digits() -> None:
    # 11010519491231002X is the standard's own example (check value 10, written X).
    assert gb11643("11010519491231002") == "11010519491231002X"
    for body in (
        "65310119800517123",
        "51010720000229003",
        "65400119991231999",
        "11010519491231002",
        "65290119700101001",
    ):
        number = gb11643(body)
        assert validate_identity(number) == number
        assert validate_identity(number.lower() + " ", "household_register") == number
        for wrong in "0123456789X":
            if wrong != number[-1]:
                with pytest.raises(BadIdentity, match="校验位"):
                    validate_identity(number[:-1] + wrong)


@pytest.mark.parametrize(
    ("number", "match"),
    [
        (gb11643("65310119800230123"), "出生日期"),  # 02-30
        (gb11643("65310118991231123"), "出生日期"),  # 1899
        ("65310119800517123", "格式"),  # 17 characters
        ("6531011980051712X3", "格式"),
        ("", "格式"),
    ],
)
def test_resident_id_refusals(number: str, match: str) -> None:
    with pytest.raises(BadIdentity, match=match) as raised:
        validate_identity(number, "resident_id")
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("id_type", "good", "bad"),
    [
        ("passport", ["E12345678", "g1234567", "PA1234567890"], ["E-1234567", "E123", "护照12345"]),
        ("hk_macao_permit", ["H12345678", "M1234567890"], ["C12345678", "H1234567", "H123456789"]),
        (
            "hmt_residence_permit",
            [gb11643("81000019940823002"), gb11643("83000019851111123")],
            [gb11643("84000019940823002"), wrong_check(gb11643("81000019940823002"))],
        ),
        (
            "foreigner_permanent_residence",
            ["USA110012345678", gb11643("93310019850101123")],
            ["US1100123456789", wrong_check(gb11643("93310019850101123"))],
        ),
    ],
)
def test_each_id_type_has_its_format(id_type: str, good: list[str], bad: list[str]) -> None:
    for number in good:
        assert validate_identity(number, id_type) == number.upper()
    for number in bad:
        with pytest.raises(BadIdentity):
            validate_identity(number, id_type)


def test_unknown_id_type_lists_the_known_ones() -> None:
    with pytest.raises(BadIdentity) as raised:
        validate_identity("E12345678", "library_card")
    assert all(key in raised.value.message for key in ID_TYPES)


@pytest.mark.parametrize(
    "id_type",
    [
        "resident_id",
        "passport",
        "hk_macao_permit",
        "hmt_residence_permit",
        "foreigner_permanent_residence",
    ],
)
def test_the_example_shown_in_format_errors_is_valid(id_type: str) -> None:
    # Found by this suite: the resident_id example was 110105194912310021, whose check
    # digit is wrong (the standard's own example is 11010519491231002X).
    example = ID_TYPES[id_type].example
    assert validate_identity(example, id_type) == example
    with pytest.raises(BadIdentity) as raised:
        validate_identity("?", id_type)
    assert example in raised.value.message


def test_mask_shows_six_and_four() -> None:
    assert mask_identity(APPLICANT_ID) == APPLICANT_ID[:6] + "********" + APPLICANT_ID[-4:]
    assert mask_identity("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("M1234567890", "M1*******90"),  # 港澳通行证, 11 characters
        ("PA1234567890", "PA********90"),  # a 12-character passport
        ("USA110012345678", "US***********78"),  # 外国人永久居留证, 15 characters
        ("E12345678", "E1*****78"),
        ("AB123", "AB*23"),
    ],
)
def test_shorter_numbers_keep_most_of_themselves_hidden(number: str, masked: str) -> None:
    shown = mask_identity(number)
    assert shown == masked and len(shown) == len(number)
    assert sum(c != "*" for c in shown) <= 4


def test_a_birth_date_after_today_is_refused() -> None:
    tomorrow = gb11643("11010520261124001")  # born 2026-11-24
    assert validate_identity(tomorrow) == tomorrow  # no date given: format only
    assert validate_identity(tomorrow, today=dt.date(2026, 11, 24)) == tomorrow
    with pytest.raises(BadIdentity, match="晚于今天"):
        validate_identity(tomorrow, today=dt.date(2026, 11, 23))


def test_the_present_layer_never_shows_a_whole_identity_number() -> None:
    eng = make_engine()
    opened = open_case(eng, "sichuan", "inpatient_reimbursement", now=at("2026-03-02 10:00"))
    done = act(eng, opened.case, "accept", ("clerk-li", "clerk"), at("2026-03-02 11:00"))
    summary = case_summary(done.case)
    assert summary["applicant_id"] == APPLICANT_ID[:6] + "********" + APPLICANT_ID[-4:]
    shown = json.dumps(
        case_detail(done.case, [opened.event, done.event]), ensure_ascii=False, default=str
    )
    assert APPLICANT_ID not in shown
    assert APPLICANT_ID[6:14] not in shown  # not even the birth date part


def test_a_case_pins_the_version_of_its_item_definition() -> None:
    from jingban.engine.plans import definition_version
    from jingban.workflows import load_catalog

    eng = make_engine()
    opened = open_case(eng, "sichuan", "inpatient_reimbursement", now=at("2026-03-02 10:00"))
    item = load_catalog().item("sichuan", "inpatient_reimbursement")
    other = load_catalog().item("sichuan", "outpatient_reimbursement")
    assert opened.case.item_version == definition_version(item)
    assert len(opened.case.item_version) == 16
    assert definition_version(other) != opened.case.item_version
    assert case_summary(opened.case)["item_version"] == opened.case.item_version

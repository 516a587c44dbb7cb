"""统一社会信用代码 (GB 32100-2015): real published codes pass, and every way a clerk can
mistype one is refused with one line saying what to check."""

from __future__ import annotations

import pytest

from jingban.engine.credit_code import (
    EXAMPLE,
    BadCreditCode,
    check_character,
    checked_credit_code,
    valid_credit_code,
)
from jingban.errors import BadInput

# Codes as their holders publish them (营业执照 / the national enterprise credit register).
PUBLISHED = {
    "91350100M000100Y43": "GB 32100-2015 的示例代码",
    "914403001922038216": "华为技术有限公司",
    "91330100799655058B": "阿里巴巴(中国)有限公司",
    "91440300708461136T": "深圳市腾讯计算机系统有限公司",
}


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_published_codes_are_valid(code: str) -> None:
    assert valid_credit_code(code)
    assert checked_credit_code(code) == code


def test_the_standards_example_is_the_one_the_module_names() -> None:
    assert EXAMPLE in PUBLISHED
    assert check_character(EXAMPLE[:17]) == "3"


def test_a_code_typed_in_lower_case_with_spaces_and_hyphens_is_normalised() -> None:
    assert checked_credit_code(" 9144 0300-7084 6113 6t ") == "91440300708461136T"
    assert valid_credit_code("91330100799655058b")


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_every_other_check_character_is_refused(code: str) -> None:
    from jingban.engine.credit_code import ALPHABET

    for wrong in ALPHABET:
        if wrong == code[17]:
            continue
        bad = code[:17] + wrong
        assert not valid_credit_code(bad)
        with pytest.raises(BadCreditCode, match=f"第 18 位应为 {code[17]}"):
            checked_credit_code(bad)


def test_two_swapped_characters_are_caught() -> None:
    code = "914403001922038216"
    swapped = code[:4] + code[5] + code[4] + code[6:]
    assert swapped != code
    assert not valid_credit_code(swapped)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "须填写统一社会信用代码"),
        ("91440300708461136", "应为 18 位，输入的是 17 位"),
        ("914403007084611360T", "应为 18 位，输入的是 19 位"),
        ("91440300708461I36T", "不含字符 I"),
        ("9144O300708461136T", "不含字符 O"),
        ("91440300708461136S", "不含字符 S"),
    ],
)
def test_malformed_codes_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(BadCreditCode) as refused:
        checked_credit_code(text)
    assert says in refused.value.message
    assert "\n" not in refused.value.message
    assert isinstance(refused.value, BadInput) and refused.value.exit_code == 2
    assert not valid_credit_code(text)

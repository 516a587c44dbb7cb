"""统一社会信用代码 (unified social credit code) of a unit, GB 32100-2015.

The code has 18 characters: the registration authority (第1位), the kind of organisation
(第2位), the administrative division (第3–8位, GB/T 2260), the organisation's identifier
(第9–17位, GB 11714) and a check character (第18位). Its characters are the digits and the
capital letters except I, O, Z, S and V (31 in all, GB 32100-2015 附录 A); the check
character is ``31 - (Σ value(cᵢ) × 3ⁱ⁻¹ mod 31) mod 31``, written with the same alphabet
(30 → ``Y``, a result of 31 → ``0``).
"""

from __future__ import annotations

import re

from jingban.errors import BadInput

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters a code may contain, in value order (GB 32100-2015 附录 A)."""
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, …
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)
EXAMPLE = "91350100M000100Y43"
"""The example code printed in GB 32100-2015 (its check character is ``3``)."""


class BadCreditCode(BadInput):
    """A 统一社会信用代码 that does not validate."""


def normalise_credit_code(text: str) -> str:
    """``text`` in upper case, without spaces or hyphens (as clerks often type it)."""
    return re.sub(r"[\s\-－]", "", text or "").upper()


def check_character(body17: str) -> str:
    """The check character (第18位) of the first 17 characters of a code."""
    total = sum(_VALUES[c] * w for c, w in zip(body17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def valid_credit_code(text: str) -> bool:
    """Whether ``text`` (normalised as `normalise_credit_code` does) is a well-formed code
    whose check character matches."""
    code = normalise_credit_code(text)
    return bool(_SHAPE.match(code)) and check_character(code[:17]) == code[17]


def checked_credit_code(text: str | None) -> str:
    """The normalised code if valid; raises `BadCreditCode` with one line a clerk can act
    on: empty, the wrong length, a character the code never contains, or a check character
    that does not match (a mistyped or swapped character)."""
    code = normalise_credit_code(text or "")
    if not code:
        raise BadCreditCode("单位申请须填写统一社会信用代码 (18 位，见营业执照或登记证书)")
    if len(code) != 18:
        raise BadCreditCode(f"统一社会信用代码应为 18 位，输入的是 {len(code)} 位，请核对")
    wrong = sorted({c for c in code if c not in _VALUES})
    if wrong:
        raise BadCreditCode(
            "统一社会信用代码不含字符 "
            + "、".join(wrong)
            + " (不使用字母 I、O、Z、S、V)，请核对是否把数字输成了字母"
        )
    if not code[2:8].isdigit():
        raise BadCreditCode(
            f"统一社会信用代码第 3–8 位应为登记管理机关的行政区划代码 (6 位数字)，"
            f"输入的是 {code[2:8]}，请核对"
        )
    expected = check_character(code[:17])
    if expected != code[17]:
        raise BadCreditCode(
            f"统一社会信用代码校验位不符 (第 18 位应为 {expected}，输入的是 {code[17]})，"
            "请对照证照核对是否输错"
        )
    return code


def credit_code_problem(text: str) -> str | None:
    """Why ``text``, written in a data file, is not a credit code exactly as a licence prints
    it (upper case, no spaces), in one Chinese line; None when it is one."""
    if text != normalise_credit_code(text):
        return f"统一社会信用代码 {text!r} 应按证照照录: 大写字母，不含空格或连字符"
    try:
        checked_credit_code(text)
    except BadCreditCode as exc:
        return f"统一社会信用代码 {text!r} 不正确: {exc}"
    return None

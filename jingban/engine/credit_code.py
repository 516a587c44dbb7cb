"""The 统一社会信用代码 (unified social credit identifier) of GB 32100-2015.

Eighteen characters from the code's alphabet (digits and the capital letters other than
I, O, S, V, Z): 登记管理部门码 (1), 机构类别码 (1), 登记管理机关行政区划码 (6 digits),
主体标识码 (9, the former 组织机构代码) and a check character (1). The check character is
``31 - (Σ value(cᵢ)·wᵢ mod 31)`` over the first 17 characters with the weights
``wᵢ = 3^(i-1) mod 31``, where 31 is written as ``0`` (GB 32100-2015 §4 and annex B).
"""

from __future__ import annotations

#: The characters of a credit code, in the order of their values 0–30 (GB 32100-2015 表 1).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
#: The weight of each of the first 17 positions.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def check_character(first17: str) -> str:
    """The check character of the 17 characters ``first17``; raises ValueError when they
    are not 17 characters of the alphabet."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"not the first 17 characters of a credit code: {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def valid_credit_code(text: str) -> bool:
    """Whether ``text`` is a well-formed credit code whose check character is right (upper
    case only, no spaces; the region digits must be six digits)."""
    if len(text) != 18 or any(c not in _VALUE for c in text):
        return False
    if not text[2:8].isdigit():
        return False
    return check_character(text[:17]) == text[17]


def credit_code_problem(text: str) -> str | None:
    """Why ``text`` is not a credit code, in one Chinese line a clerk can act on; None when
    it is one."""
    if len(text) != 18:
        return f"统一社会信用代码应为 18 位，{text!r} 是 {len(text)} 位"
    wrong = [c for c in text if c not in _VALUE]
    if wrong:
        return f"统一社会信用代码 {text!r} 含不允许的字符 {''.join(dict.fromkeys(wrong))!r}"
    if not text[2:8].isdigit():
        return f"统一社会信用代码 {text!r} 第 3–8 位应为行政区划代码 (6 位数字)"
    expected = check_character(text[:17])
    if expected != text[17]:
        return f"统一社会信用代码 {text!r} 校验位不符 (按 GB 32100-2015 应为 {expected})"
    return None

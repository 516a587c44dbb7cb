"""The applicant's mobile number (手机号码): validated as a mainland China mobile number, and
masked wherever it is shown.

A mainland mobile number has 11 digits and begins with 1 followed by 3–9 (the number
segments the MIIT allocates, GB/T numbering: 13x–19x). The country code (+86, 86, 0086)
and spaces or hyphens between groups are accepted on input and dropped; anything else is
refused with one line a clerk can act on. The number is whole only at registration (the
store encrypts it, `jingban.storage.phonecrypt`); every view shows `mask_mobile`.
"""

from __future__ import annotations

import re

from jingban.errors import BadInput

__all__ = ["BadMobile", "mask_mobile", "normalise_mobile"]

_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_SEPARATORS = re.compile(r"[\s\-－—()（）]")
_COUNTRY = ("+86", "0086", "86")


class BadMobile(BadInput):
    """A mobile number that is not an 11-digit mainland China mobile number."""


def normalise_mobile(text: str) -> str:
    """The 11 digits of the mobile number ``text`` (``+86 138-1234-5678`` → ``13812345678``).
    Raises `BadMobile` when it is not a mainland mobile number."""
    raw = _SEPARATORS.sub("", text or "")
    for prefix in _COUNTRY:
        if raw.startswith(prefix) and len(raw) == len(prefix) + 11:
            raw = raw[len(prefix) :]
            break
    if not _MOBILE.fullmatch(raw):
        shown = (text or "").strip()[:20] or "(空)"
        raise BadMobile(
            f"手机号码 {shown} 无效：应为 11 位中国大陆手机号码 (1 开头，如 13812345678)"
        )
    return raw


def mask_mobile(number: str) -> str:
    """The number as it may be shown anywhere: first 3, ****, last 4 (``138****5678``). A
    number already masked is returned as it is."""
    if "*" in number or len(number) < 8:
        return number
    return f"{number[:3]}****{number[-4:]}"

"""Free text that people type (reasons, rating comments, names, closure reasons …): the one
check every entry applies before anything is stored.

Free text is kept for good — in the append-only audit trail, in notices, in what the API and
the console show — so it is refused, with a message saying which field and what to do, when:

- it holds a control character (NUL and the like), which no clerk means to type and some
  databases cannot store; line breaks and tabs are allowed where the text may have lines;
- it holds a full 18-character identity number (a valid GB 11643 check character);
- it holds a run of digits that looks like a bank account: 12 or more digits in a row, or 15
  or more digits written with spaces or hyphens between them (a card number in groups of 4).
  Telephone numbers (11 digits, or an area code written with a hyphen) and dates pass; a case
  number (``KS-20261123-00042-8``) is not a digit run of its own.

The whole number is never repeated in the message: it names the field and the last 4
characters, so the clerk can find what to remove.
"""

from __future__ import annotations

import re
import unicodedata

from jingban.engine.identity import gb11643_check
from jingban.errors import BadInput

# A case number, with or without its hyphens: removed before digit runs are looked for.
_CASE_NUMBER = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{2}-?\d{8}-?\d{5}-?[0-9A-Za-z](?![0-9A-Za-z])")
# A digit run: digits with at most one space or hyphen between two of them, maybe ending in
# the X of an identity number.
_DIGIT_RUN = re.compile(r"\d(?:[ \-\u3000]?\d)*(?:[ \-]?[Xx])?")
_LINE_BREAKS = frozenset("\n\r\t")
CONTIGUOUS_ACCOUNT_DIGITS = 12
SEPARATED_ACCOUNT_DIGITS = 15


def checked_text(value: str, field: str, *, lines: bool = False) -> str:
    """``value`` unchanged when it may be stored as free text; raises `BadInput` naming
    ``field`` (a Chinese label such as 理由) otherwise: a control character (line breaks
    and tabs allowed when ``lines``), a full identity number, a bank-account-like digit run
    (see the module's docstring)."""
    checked_characters(value, field, lines=lines)
    _refuse_numbers(value, field)
    return value


def checked_optional(value: str | None, field: str, *, lines: bool = False) -> str | None:
    """`checked_text` for a value that may be absent (None passes)."""
    return None if value is None else checked_text(value, field, lines=lines)


def checked_characters(value: str, field: str, *, lines: bool = False) -> str:
    """``value`` unchanged when it holds no control character (line breaks and tabs allowed
    when ``lines``): the check for names and identifiers, which may hold digits (a staff
    number); raises `BadInput` naming ``field``."""
    if value.isprintable():
        return value  # the common case
    for char in value:
        if lines and char in _LINE_BREAKS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            what = "换行" if char in _LINE_BREAKS else f"控制字符 U+{ord(char):04X}"
            raise BadInput(f"{field}中含有不可见的{what}，请删除后重新输入")
    return value


def _refuse_numbers(value: str, field: str) -> None:
    if sum(char.isdigit() for char in value) < CONTIGUOUS_ACCOUNT_DIGITS:
        return  # the common case: too few digits for any number we refuse
    text = _CASE_NUMBER.sub(" ", unicodedata.normalize("NFKC", value))
    for run in _DIGIT_RUN.finditer(text):
        raw = run.group()
        compact = re.sub(r"[ \-\u3000]", "", raw).upper()
        digits = compact.rstrip("X")
        if _is_identity_number(compact):
            raise BadInput(
                f"{field}中不得填写完整证件号码 (尾号 {compact[-4:]})；"
                "证件号码只在登记时填写，此处如需提及请只写后四位"
            )
        separated = len(compact) != len(raw)
        if len(digits) >= SEPARATED_ACCOUNT_DIGITS or (
            not separated and len(digits) >= CONTIGUOUS_ACCOUNT_DIGITS
        ):
            raise BadInput(
                f"{field}中不得填写完整银行账号或证件号码 (发现 {len(digits)} 位数字，"
                f"尾号 {digits[-4:]})；账号只在「拨付」的收款账号栏填写，此处如需提及请只写后四位"
            )


def masked_numbers(value: str) -> str:
    """``value`` with every digit run `checked_text` refuses shown as stars and its last 4
    characters: what a refused form may show again of what was typed."""
    if sum(char.isdigit() for char in value) < CONTIGUOUS_ACCOUNT_DIGITS:
        return value
    cases = {m.span() for m in _CASE_NUMBER.finditer(value)}

    def mask(run: re.Match[str]) -> str:
        raw = run.group()
        compact = re.sub(r"[ \-\u3000]", "", raw)
        digits = compact.rstrip("Xx")
        inside_case = any(start <= run.start() and run.end() <= end for start, end in cases)
        separated = len(compact) != len(raw)
        if inside_case or not (
            len(digits) >= SEPARATED_ACCOUNT_DIGITS
            or (not separated and len(digits) >= CONTIGUOUS_ACCOUNT_DIGITS)
        ):
            return raw
        return "*" * (len(compact) - 4) + compact[-4:]

    return _DIGIT_RUN.sub(mask, value)


def _is_identity_number(compact: str) -> bool:
    """An 18-character number whose check character is right (the one error a typist is
    least likely to make by chance)."""
    if len(compact) != 18 or not compact[:17].isascii() or not compact[:17].isdigit():
        return False
    return gb11643_check(compact[:17]) == compact[17]

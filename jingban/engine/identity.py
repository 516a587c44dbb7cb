"""Identity documents (有效身份证件): validation by type, and masking.

The guides accept any valid identity document. The 居民身份证 number carries a GB 11643-1999
check digit (ISO 7064 MOD 11-2); so do 港澳台居民居住证 numbers (address codes 810000, 820000,
830000) and the 2023 外国人永久居留身份证 (18 characters, first character 9).

The 台湾居民来往大陆通行证 (台胞证) number is the holder's lifetime number of eight digits
("一人一号、终身不变" since 25 September 2008, 公安部出入境管理局 as reported by 中新网,
2008-09-12); a booklet issued before then may still show the older form, the eight digits
followed by two digits counting the issues and, in brackets, the issuing office's letter or
digit. Guides that accept "有效身份证件或医保电子凭证或社会保障卡" let the applicant show a
医保电子凭证 or a 社会保障卡 instead; both carry the 公民身份号码 (《中华人民共和国社会保险法》
第五十八条: 个人社会保障号码为公民身份号码), which is what is recorded and checked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from jingban.engine.credit_code import BadCreditCode, checked_credit_code
from jingban.errors import BadInput

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECKS = "10X98765432"


class BadIdentity(BadInput):
    """An identity document number that does not validate for its type."""


@dataclass(frozen=True)
class IdType:
    key: str
    label: str
    pattern: re.Pattern[str]
    example: str
    check_digit: bool = False
    # Accepted only where the item's materials name it (one of these words), not as a
    # 有效身份证件 everywhere.
    accepted_where: tuple[str, ...] = ()


ID_TYPES: dict[str, IdType] = {
    t.key: t
    for t in (
        IdType(
            "resident_id",
            "居民身份证",
            re.compile(r"^\d{17}[\dX]$", re.ASCII),
            "11010519491231002X",
            True,
        ),
        IdType(
            "household_register",
            "户口簿",
            re.compile(r"^\d{17}[\dX]$", re.ASCII),
            "11010519491231002X",
            True,
        ),
        IdType("passport", "护照", re.compile(r"^[A-Z0-9]{5,17}$", re.ASCII), "E12345678"),
        IdType(
            "hk_macao_permit",
            "港澳居民来往内地通行证",
            re.compile(r"^[HM]\d{8}(\d{2})?$", re.ASCII),
            "H12345678",
        ),
        IdType(
            "hmt_residence_permit",
            "港澳台居民居住证",
            re.compile(r"^8[123]0000\d{11}[\dX]$", re.ASCII),
            "810000199408230021",
            True,
        ),
        IdType(
            "foreigner_permanent_residence",
            "外国人永久居留证",
            re.compile(r"^([A-Z]{3}\d{12}|9\d{16}[\dX])$", re.ASCII),
            "USA110012345678",
        ),
        IdType(
            "tw_mainland_permit",
            "台湾居民来往大陆通行证",
            re.compile(r"^\d{8}(\d{2}(\([A-Z0-9]\))?)?$", re.ASCII),
            "01234567",
        ),
        IdType(
            "mi_voucher",
            "医保电子凭证",
            re.compile(r"^\d{17}[\dX]$", re.ASCII),
            "11010519491231002X",
            True,
            ("医保电子凭证",),
        ),
        IdType(
            "social_security_card",
            "社会保障卡",
            re.compile(r"^\d{17}[\dX]$", re.ASCII),
            "11010519491231002X",
            True,
            ("社会保障卡", "社保卡"),
        ),
        # A unit's identification (GB 32100-2015, `jingban.engine.credit_code`): only the
        # applicant of a case whose applicant kind is a unit has it.
        IdType(
            "credit_code",
            "统一社会信用代码",
            re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$", re.ASCII),
            "91350100M000100Y43",
            True,
        ),
    )
}
UNIT_ID_TYPE = "credit_code"
# Types whose number is the 公民身份号码 (GB 11643-1999): a birth date and a check digit.
_CITIZEN_NUMBER_TYPES = frozenset(
    {"resident_id", "household_register", "mi_voucher", "social_security_card"}
)
DEFAULT_ID_TYPE = "resident_id"


def gb11643_check(body17: str) -> str:
    """The check character of the first 17 digits of a citizen identity number."""
    total = sum(int(d) * w for d, w in zip(body17, _WEIGHTS, strict=True))
    return _CHECKS[total % 11]


def validate_identity(
    number: str, id_type: str = DEFAULT_ID_TYPE, *, today: dt.date | None = None
) -> str:
    """The normalised number (upper case, no spaces) if valid for ``id_type``.

    Raises `BadIdentity` naming what is wrong: unknown type, format, birth date (before 1900,
    impossible, or — given ``today`` — in the future), check digit.
    """
    if id_type not in ID_TYPES:
        known = "、".join(f"{k}({t.label})" for k, t in ID_TYPES.items())
        raise BadIdentity(f"未知的证件类型 {id_type!r}；可用: {known}")
    spec = ID_TYPES[id_type]
    if id_type == UNIT_ID_TYPE:
        try:
            return checked_credit_code(number)
        except BadCreditCode as exc:
            raise BadIdentity(exc.message) from None
    normalised = re.sub(r"\s", "", number or "").upper().replace("（", "(").replace("）", ")")
    if not spec.pattern.match(normalised):
        raise BadIdentity(f"{spec.label}号码格式不正确 (示例: {spec.example})")
    if (
        len(normalised) == 18
        and normalised[:17].isdigit()
        and (spec.check_digit or normalised.startswith("9"))
    ):
        if id_type in _CITIZEN_NUMBER_TYPES:
            try:
                born = dt.date(
                    int(normalised[6:10]), int(normalised[10:12]), int(normalised[12:14])
                )
            except ValueError:
                raise BadIdentity(f"{spec.label}号码中的出生日期无效") from None
            if born.year < 1900:
                raise BadIdentity(f"{spec.label}号码中的出生日期无效")
            if today is not None and born > today:
                raise BadIdentity(f"{spec.label}号码中的出生日期 {born} 晚于今天，请核对")
        if gb11643_check(normalised[:17]) != normalised[17]:
            raise BadIdentity(f"{spec.label}号码校验位不符，请核对是否输错")
    return normalised


def mask_identity(number: str) -> str:
    """An identity number as it may be shown anywhere: an 18-character number as first 6 +
    ******** + last 4; a shorter one (passport, 通行证: 5–17 characters) as first 2, a star
    for each hidden character, last 2, so at least a fifth and never more than 4 characters
    show (the 18-character rule would leave an 11-character permit almost whole)."""
    if len(number) >= 18:
        return f"{number[:6]}********{number[-4:]}"
    return number[:2] + "*" * max(len(number) - 4, 1) + number[-2:]


def mask_name(name: str) -> str:
    """A name for public views: 张三 → 张*, 张小三 → 张*三, 欧阳小三 → 欧**三."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_account(account: str) -> str:
    """A bank account as stored and shown: only its last 4 digits."""
    digits = account if account.isdigit() else re.sub(r"\s", "", account)
    return "*" * max(len(digits) - 4, 4) + digits[-4:]

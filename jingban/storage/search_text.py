"""What staff type into one search box, read: a whole case number, a whole identity number,
part of a case number, or part of a name (`typed`); and the check that an identity number
searched for is whole (`checked_id_number`: the query matches its keyed hash, so a part
cannot match)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jingban.engine.case_number import BadCaseNumber, normalise_case_number
from jingban.engine.identity import ID_TYPES, BadIdentity, validate_identity
from jingban.errors import BadInput

if TYPE_CHECKING:
    from jingban.storage.case_search import CaseFilter

_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_CJK = re.compile(r"[\u3400-\u9fff\u00b7]")


@dataclass(frozen=True, slots=True)
class Typed:
    """What search text typed into one box means: a whole case number, a whole identity
    number, a part of a case number, or a part of a name."""

    case_no: str | None = None
    id_number: str | None = None
    case_no_part: str | None = None
    name: str | None = None

    def narrow(self, found: CaseFilter) -> CaseFilter:
        """``found`` narrowed by the text (a whole case number matches as a part)."""
        return dataclasses.replace(
            found,
            case_no=self.case_no or self.case_no_part or found.case_no,
            id_number=self.id_number or found.id_number,
            name=self.name or found.name,
        )


def typed(text: str) -> Typed:
    """Read search text: a valid case number (spaces and hyphens optional) is that case; 17
    digits and a check character are an identity number; text with Chinese characters (or
    the middle dot of transcribed names) is part of a name; any other text is part of a case
    number. Blank text means nothing."""
    value = re.sub(r"\s", "", text or "")
    if not value:
        return Typed()
    try:
        return Typed(case_no=normalise_case_number(value))
    except BadCaseNumber:
        pass
    if _ID_LIKE.match(value):
        return Typed(id_number=value.upper())
    if _CJK.search(value) or (value.isalpha() and not value.isascii()):
        return Typed(name=(text or "").strip())
    return Typed(case_no_part=value.upper())


def checked_id_number(text_: str) -> str:
    """The whole identity number typed, normalised, if it is valid for some document type;
    a partial or mistyped number raises `BadInput` saying the whole number is needed."""
    normalised = re.sub(r"\s", "", text_ or "").upper()
    errors = []
    # Digits only: a number with a check character (居民身份证 and the like), never a part.
    digits = re.fullmatch(r"\d+X?", normalised) is not None
    for key in ID_TYPES if not digits else [k for k, t in ID_TYPES.items() if t.check_digit]:
        try:
            return validate_identity(normalised, key)
        except BadIdentity as exc:
            errors.append(exc.message)
    if re.fullmatch(r"\d{17}[\dX]", normalised):
        raise BadInput(f"证件号码 {normalised} 无效: {errors[0]}")
    raise BadInput(
        "按证件号码查找须输入完整号码 (如 18 位居民身份证号码)，不支持部分号码；"
        "可按申请人姓名或办件编号查找"
    )

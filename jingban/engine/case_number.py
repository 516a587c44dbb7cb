"""Case numbers and query codes.

A case number reads well on a paper receipt and catches a mistyped character:
``KS-20261123-00042-8`` is the region code, the day of receipt (Beijing time), the day's
sequence number in that region, and an ISO 7064 MOD 37,36 check character, which detects every
single-character substitution and almost every transposition of adjacent characters. Input is
accepted with or without the hyphens, in either case.

A query code is random (59.4 bits, 12 characters of an unambiguous alphabet), shown once on the
applicant's receipt, and stored only as its SHA-256 hash; a reissued code (补发查询码) replaces
the hash (`docs/public-query.md`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
from collections.abc import Callable

from jingban.errors import BadInput

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PATTERN = re.compile(r"^([A-Z]{2})([0-9]{8})([0-9]{5})([0-9A-Z])$")
# Query codes avoid look-alike characters (0/O, 1/I/L) so they can be read off paper.
_QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 12  # 31**12 ≈ 2**59.4


class BadCaseNumber(BadInput):
    """A case number that is malformed or whose check character does not match."""


class CheckCharacterMismatch(BadCaseNumber):
    """A well-formed case number whose check character fails: almost surely a typo."""


def region_codes() -> dict[str, str]:
    """Each registered region's case-number code (``{"kashgar": "KS", …}``), from the region
    registry (read, and validated, on first use)."""
    from jingban.calendar.regions import registry

    return {key: profile.code for key, profile in registry().items()}


@functools.cache
def _code_regions() -> dict[str, str]:
    return {code: region for region, code in region_codes().items()}


def check_character(body: str) -> str:
    """The ISO 7064 MOD 37,36 check character of an alphanumeric ``body``."""
    m = 36
    product = m
    for char in body:
        total = (product + _ALPHABET.index(char)) % m
        product = (2 * (total or m)) % (m + 1)
    return _ALPHABET[(m + 1 - product) % m]


def format_case_number(region: str, received: dt.date, sequence: int) -> str:
    """The case number of the ``sequence``-th case of ``region`` received on ``received``."""
    if not 1 <= sequence <= 99999:
        raise ValueError(f"sequence out of range: {sequence}")
    from jingban.calendar.regions import registry

    body = f"{registry()[region].code}{received:%Y%m%d}{sequence:05d}"
    check = check_character(body)
    return f"{body[:2]}-{body[2:10]}-{body[10:]}-{check}"


@functools.lru_cache(maxsize=4096)  # a case is looked up again with every action on it
def normalise_case_number(text: str) -> str:
    """The canonical form of a case number typed by a person.

    Raises `BadCaseNumber` when it is malformed, its region code is not registered or its
    check character fails, so a typo is told before any lookup (a refusal is not cached: it
    is raised afresh every time).
    """
    return _canonical(text, check_region=True)


def well_formed_case_number(text: str) -> str:
    """The canonical form of a case number typed by a person, checked as
    `normalise_case_number` checks it except for its region code (the region registry is
    not read). A reader that finds a case under this number needs no more; one that finds
    none asks `normalise_case_number` which error to tell. Raises `BadCaseNumber`."""
    return _canonical(text, check_region=False)


def _canonical(text: str, *, check_region: bool) -> str:
    compact = re.sub(r"[\s\-－—]", "", text or "").upper()
    match = _PATTERN.match(compact)
    if match is None:
        raise BadCaseNumber(
            f"办件编号格式不正确: {text!r} (应为 地区代码-日期-序号-校验位，如 KS-20261123-00042-8)"
        )
    code, day, seq, check = match.groups()
    if check_region and code not in _code_regions():
        raise BadCaseNumber(f"办件编号的地区代码 {code} 不存在: {text!r}")
    try:
        dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise BadCaseNumber(f"办件编号中的日期 {day} 无效: {text!r}") from None
    if check_character(code + day + seq) != check:
        raise CheckCharacterMismatch(f"办件编号校验位不符，请核对是否输错: {text!r}")
    return f"{code}-{day}-{seq}-{check}"


def new_query_code(randbelow: Callable[[int], int]) -> str:
    """A query code for an applicant's receipt, drawn with ``randbelow`` (``randbelow(n)``
    returns an integer in [0, n)): the caller brings the randomness (`secrets.randbelow`), so
    the engine stays free of it."""
    size = len(_QUERY_ALPHABET)
    return "".join(_QUERY_ALPHABET[randbelow(size)] for _ in range(QUERY_CODE_LENGTH))


def hash_query_code(code: str) -> str:
    """The stored form of a query code (hex SHA-256 of its normalised text)."""
    normalised = re.sub(r"[\s\-]", "", code or "").upper()
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()


def query_code_matches(code: str, stored_hash: str) -> bool:
    """Whether ``code`` is the one whose hash is stored (constant-time comparison)."""
    return hmac.compare_digest(hash_query_code(code), stored_hash)

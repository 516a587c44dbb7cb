"""Each office's 实施编码 data: what the provincial platform joins an office's cases on.

Read from ``exchange.toml`` (the data directory named by ``JINGBAN_DATA_DIR`` first, then the
packaged ``jingban/workflows/data/exchange/exchange.toml``; format in docs/exchange.md) and
validated like the catalog: one `CatalogError` naming the file, the line and the field of the first
mistake. Per region: ``division`` (行政区划代码, GB/T 2260: six digits), ``credit_code``
(the implementing body's 统一社会信用代码, its GB 32100-2015 check character verified),
per office (``[[regions.<key>.offices]]``, matched by name prefix like the notice offices) a
``credit_code`` and ``division`` of its own, and per item (``[regions.<key>.items.<item>]``)
its ``basic`` (基本编码) and ``implementation`` (实施编码) codes where known. An item's basic
code defaults to its catalog ``code`` (the 兵团 list's GB/T 39554.1 子项编码); a basic code
given here for an item whose catalog code differs is refused.

`OfficeCodes.platform_case_no` derives the number the platform joins on: the implementing
body's credit code, a hyphen, and the office's own case number (docs/exchange.md says why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Annotated

from pydantic import AfterValidator, Field

from jingban.datafile import (
    FileModel,
    SchemaProblem,
    data_dir,
    fail,
    line_of_field,
    loc_text,
    read_toml_text,
    validate,
)
from jingban.engine.credit_code import credit_code_problem
from jingban.workflows.errors import CatalogError
from jingban.workflows.model import Catalog

FILE_NAME = "exchange.toml"
_DIVISION = re.compile(r"^[1-9][0-9]{5}$")
_BASIC = re.compile(r"^[0-9]{11}[0-9Y]$")
_IMPLEMENTATION = re.compile(r"^[0-9A-Z]{12,64}$")


def _division(value: str) -> str:
    if not _DIVISION.match(value):
        raise fail(f"行政区划代码应为 6 位数字 (GB/T 2260)，不是 {value!r}")
    return value


def _credit(value: str) -> str:
    problem = credit_code_problem(value)
    if problem is not None:
        raise fail(problem)
    return value


def _basic(value: str) -> str:
    if not _BASIC.match(value):
        raise fail(f"基本编码应为 12 位 (GB/T 39554.1，如 002036001001)，不是 {value!r}")
    return value


def _implementation(value: str) -> str:
    if not _IMPLEMENTATION.match(value):
        raise fail(f"实施编码应为 12–64 位数字或大写字母，不是 {value!r}")
    return value


Division = Annotated[str, AfterValidator(_division)]
CreditCode = Annotated[str, AfterValidator(_credit)]


class _ItemModel(FileModel):
    basic: Annotated[str, AfterValidator(_basic)] | None = None
    implementation: Annotated[str, AfterValidator(_implementation)] | None = None
    source: str | None = None


class _OfficeModel(FileModel):
    prefix: str = Field(min_length=1)
    credit_code: CreditCode | None = None
    division: Division | None = None
    source: str | None = None


class _RegionModel(FileModel):
    division: Division | None = None
    credit_code: CreditCode | None = None
    source: str | None = None
    offices: list[_OfficeModel] = Field(default_factory=list)
    items: dict[str, _ItemModel] = Field(default_factory=dict)


class _FileModel(FileModel):
    regions: dict[str, _RegionModel] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OfficeCodes:
    """The codes an event of one office's case carries (None where not configured)."""

    division: str | None
    credit_code: str | None
    basic_code: str | None
    implementation_code: str | None

    def platform_case_no(self, case_no: str) -> str | None:
        """The number the platform joins on; None without the body's credit code."""
        return None if self.credit_code is None else f"{self.credit_code}-{case_no}"

    def missing(self) -> list[str]:
        """What the platform needs and is not configured, in Chinese (empty: complete)."""
        names = {"division": "行政区划代码", "credit_code": "实施主体统一社会信用代码"}
        return [label for field, label in names.items() if getattr(self, field) is None]


@dataclass(frozen=True, slots=True)
class ExchangeCodes:
    """The validated code data of every region."""

    regions: dict[str, _RegionModel]

    def for_case(
        self, region: str, office: str | None, item: str, catalog_code: str | None
    ) -> OfficeCodes:
        """The codes of a case of ``item`` handled by ``office`` in ``region``."""
        found = self.regions.get(region)
        if found is None:
            return OfficeCodes(None, None, catalog_code, None)
        division, credit = found.division, found.credit_code
        for entry in sorted(found.offices, key=lambda o: -len(o.prefix)):
            if office and office.startswith(entry.prefix):
                division = entry.division or division
                credit = entry.credit_code or credit
                break
        codes = found.items.get(item)
        basic = (codes.basic if codes else None) or catalog_code
        return OfficeCodes(division, credit, basic, codes.implementation if codes else None)


def _file() -> tuple[str, bytes]:
    extra = data_dir()
    if extra is not None and (extra / FILE_NAME).is_file():
        path = extra / FILE_NAME
        try:
            return str(path), path.read_bytes()
        except OSError as exc:
            raise CatalogError(f"{path}: 无法读取实施编码数据: {exc.strerror}") from None
    packaged = resources.files("jingban.workflows") / "data" / "exchange" / FILE_NAME
    return FILE_NAME, packaged.read_bytes()


def parse_codes(name: str, data: bytes, catalog: Catalog) -> ExchangeCodes:
    """Validate code data against ``catalog``; raises `CatalogError` for the first mistake."""
    text, parsed = read_toml_text(data, lambda what: CatalogError(f"{name}: {what}"))
    try:
        model = validate(_FileModel, parsed)
    except SchemaProblem as problem:
        raise CatalogError(_where(name, text, problem.loc, problem.what)) from None
    for key, region in model.regions.items():
        if key not in catalog.regions:
            raise CatalogError(_where(name, text, ("regions", key), f"没有地区 {key!r}"))
        items = {i.key: i for i in catalog.regions[key].items}
        for item_key, codes in region.items.items():
            loc: tuple[str | int, ...] = ("regions", key, "items", item_key)
            if item_key not in items:
                raise CatalogError(_where(name, text, loc, f"地区 {key} 没有事项 {item_key!r}"))
            given, listed = codes.basic, items[item_key].code
            if given and listed and given != listed:
                what = f"基本编码 {given} 与事项目录中的编码 {listed} 不一致"
                raise CatalogError(_where(name, text, (*loc, "basic"), what))
    return ExchangeCodes(dict(model.regions))


def _where(name: str, text: str, loc: tuple[str | int, ...], what: str) -> str:
    line = line_of_field(text, loc)
    at = f" 第 {line} 行" if line else ""
    return f"{name}{at}: 字段 {loc_text(loc)}: {what}"


_PARSED: dict[tuple[str, bytes, int], ExchangeCodes] = {}


def load_codes(catalog: Catalog) -> ExchangeCodes:
    """The code data in effect (read each call; parsed once per content and catalog)."""
    name, data = _file()
    key = (name, data, id(catalog))
    found = _PARSED.get(key)
    if found is None:
        if len(_PARSED) > 16:
            _PARSED.clear()
        found = _PARSED[key] = parse_codes(name, data, catalog)
    return found

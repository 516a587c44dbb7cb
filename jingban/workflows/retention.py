"""Retention terms (保管期限) of archive packages: one data file, every term with its source.

``data/archives/retention.toml`` gives a national default and rules naming items by key
with their term; a region may give its own default and rules (`RetentionRules.of`: the
region's rule for the item, else the region's default, else the national rule, else the
national default). Each term names a source (a ``[sources]`` entry: title, issuer, document
number, date) and the clause of it the term rests on (docs/archives.md lists them). Terms
are those of the 社会保险业务档案管理规定(试行): 永久, or 10, 30, 50 or 100 years; a term counts
from 1 January of the year after the case closed, so a 10-year package of a case closed in
2026 is kept through 31 December 2036.

The terms live beside the catalog rather than inside an item's definition: a corrected term
applies to the packages exported after it without creating new definition versions of the
items (cases stay pinned to the definition they opened under); each package records the term
it was exported with.

`load_retention` validates a file and raises `RetentionError` naming the file, the line and
the field of the first mistake; `retention` is the packaged file, read once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import Field

from jingban.calendar import region_keys
from jingban.datafile import (
    FileModel,
    Key,
    OneOf,
    SchemaProblem,
    Text,
    json_schema,
    line_of_field,
    loc_text,
    read_toml_text,
    validate,
)
from jingban.workflows.errors import CatalogError

__all__ = [
    "PERMANENT",
    "TERMS",
    "Retention",
    "RetentionError",
    "RetentionRules",
    "expires_on",
    "load_retention",
    "retention",
    "retention_json_schema",
]

FILE_NAME = "retention.toml"
PERMANENT = "永久"
#: The terms the 2009 规定 allows (永久 and the 定期 terms), with their years (None: permanent).
TERMS: dict[str, int | None] = {PERMANENT: None, "100年": 100, "50年": 50, "30年": 30, "10年": 10}


class RetentionError(CatalogError):
    """A retention file that does not validate; the message names file, line and field."""


class SourceSpec(FileModel):
    """A ``[sources.<key>]`` table: the rule or standard a term comes from."""

    title: Text = Field(description="名称，带书名号 / title as cited")
    issuer: Text = Field(description="制定机关 / issuing body")
    document: Text | None = Field(None, description="文号或标准号 / document number")
    date: dt.date = Field(description="公布日期 / date of the text relied on")
    note: Text | None = Field(None, description="施行、附件等说明 / in force since, annex")


class TermSpec(FileModel):
    """A term and where it comes from."""

    term: Annotated[Text, OneOf(tuple(TERMS))] = Field(description="保管期限 / retention term")
    source: Key = Field(description="[sources] 中的键 / key of the source")
    clause: Text = Field(description="所依据的条目 / the entry of the source relied on")


class RuleSpec(TermSpec):
    """A ``[[rules]]`` entry: the term of the packages of some items."""

    items: list[Key] = Field(min_length=1, description="事项键 / item keys")


class RegionSpec(FileModel):
    """A ``[regions.<key>]`` table: a region's own default and rules."""

    default: TermSpec | None = Field(None, description="本地区默认期限 / region default")
    rules: list[RuleSpec] = Field(default_factory=list, description="本地区规则 / region rules")


class RetentionFile(FileModel):
    """The retention file."""

    sources: dict[str, SourceSpec] = Field(description="依据 / sources")
    default: TermSpec = Field(description="全国默认期限 / national default")
    rules: list[RuleSpec] = Field(default_factory=list, description="事项期限 / item rules")
    regions: dict[str, RegionSpec] = Field(default_factory=dict, description="地区规则")


@dataclass(frozen=True)
class Retention:
    """The term of one item's packages: its label (永久, 10年 …), years (None: permanent),
    the source it rests on (as cited) and the clause of that source."""

    term: str
    years: int | None
    source: str
    clause: str

    @property
    def permanent(self) -> bool:
        """Whether the packages are kept permanently (never due for destruction)."""
        return self.years is None

    def expires_on(self, closed_on: dt.date) -> dt.date | None:
        """The first day after the term of a case closed on ``closed_on`` (None: never)."""
        return expires_on(closed_on, self.years)


def expires_on(closed_on: dt.date, years: int | None) -> dt.date | None:
    """The first day after a term of ``years`` counted from 1 January of the year after
    ``closed_on`` (None for a permanent term): closed in 2026, 10 years → 2037-01-01."""
    return None if years is None else dt.date(closed_on.year + 1 + years, 1, 1)


@dataclass(frozen=True)
class RetentionRules:
    """The validated retention data: `of` answers the term of an item of a region."""

    default: Retention
    items: dict[str, Retention]
    region_defaults: dict[str, Retention]
    region_items: dict[tuple[str, str], Retention]

    def of(self, region: str, item_key: str) -> Retention:
        """The term of ``item_key``'s packages in ``region``: the region's rule, the
        region's default, the national rule, the national default — the first that exists."""
        found = self.region_items.get((region, item_key))
        if found is not None:
            return found
        found = self.items.get(item_key) if region not in self.region_defaults else None
        if found is not None:
            return found
        return self.region_defaults.get(region) or self.default


def _cited(source: SourceSpec) -> str:
    parts = [source.title, source.issuer, source.document, source.date.isoformat()]
    return "，".join(p for p in parts if p)


def load_retention(name: str, data: bytes) -> RetentionRules:
    """Validate the retention file ``name`` with content ``data``; raises
    `RetentionError` (file, line, field) on the first mistake: an unknown term or source,
    an item named twice in one scope."""
    text, parsed = read_toml_text(data, lambda what: RetentionError(f"{name}: {what}"))

    def error(loc: tuple[str | int, ...], what: str) -> RetentionError:
        line = line_of_field(text, loc)
        at = f"{name} 第 {line} 行" if line else name
        return RetentionError(f"{at}: 字段 {loc_text(loc)}: {what}")

    try:
        spec = validate(RetentionFile, parsed)
    except SchemaProblem as problem:
        raise error(problem.loc, problem.what) from None

    def term(entry: TermSpec, loc: tuple[str | int, ...]) -> Retention:
        source = spec.sources.get(entry.source)
        if source is None:
            known = "、".join(spec.sources)
            raise error((*loc, "source"), f"未知依据“{entry.source}”（可用: {known}）")
        return Retention(entry.term, TERMS[entry.term], _cited(source), entry.clause)

    def rules(entries: list[RuleSpec], loc: tuple[str | int, ...]) -> dict[str, Retention]:
        out: dict[str, Retention] = {}
        for index, rule in enumerate(entries):
            found = term(rule, (*loc, index))
            for key in rule.items:
                if key in out:
                    raise error((*loc, index, "items"), f"事项“{key}”已在前面的规则中给出期限")
                out[key] = found
        return out

    region_defaults: dict[str, Retention] = {}
    region_items: dict[tuple[str, str], Retention] = {}
    known_regions = region_keys()
    for region, own in spec.regions.items():
        if region not in known_regions:
            known = "、".join(known_regions)
            raise error(("regions", region), f"未知地区“{region}”（可用: {known}）")
        if own.default is not None:
            region_defaults[region] = term(own.default, ("regions", region, "default"))
        for key, found in rules(own.rules, ("regions", region, "rules")).items():
            region_items[(region, key)] = found
    return RetentionRules(
        default=term(spec.default, ("default",)),
        items=rules(spec.rules, ("rules",)),
        region_defaults=region_defaults,
        region_items=region_items,
    )


@cache
def retention() -> RetentionRules:
    """The packaged retention data (validated once). Raises `RetentionError`."""
    packaged = resources.files("jingban.workflows").joinpath("data", "archives", FILE_NAME)
    return load_retention(FILE_NAME, packaged.read_bytes())


def retention_json_schema() -> dict[str, object]:
    """The JSON Schema of the retention file, for editors (``make schema``)."""
    return json_schema(RetentionFile, "jingban 保管期限 / archive retention terms")

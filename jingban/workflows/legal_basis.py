"""The legal basis the notices cite: laws, articles and their sources, from one data file.

``data/notices/legal_basis.toml`` lists the laws (title, issuer, document number, date) and, per
notice kind and kind of item, the citations a notice prints (docs/notices.md). An item that
is a 行政许可 (``licence_items``) cites the 行政许可法; every other item — every 社会保险经办
service of the catalogs — cites the 社会保险经办条例. On every notice the item's own 设定依据
from its catalog, where its guide gives one, comes first.

`load_legal_basis` validates a file and raises `LegalBasisError` naming the file, the line and
the field of the first mistake; `legal_basis` is the packaged file, read once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import Field

from jingban.datafile import (
    FileModel,
    Key,
    OneOf,
    SchemaProblem,
    Text,
    line_of_field,
    loc_text,
    read_toml_text,
    validate,
)
from jingban.workflows.actions import NOTICES
from jingban.workflows.errors import CatalogError
from jingban.workflows.model import Item

FILE_NAME = "legal_basis.toml"
RIGHTS = "rights"
ITEM_KINDS = ("service", "licence", "all")


class LegalBasisError(CatalogError):
    """A legal-basis file that does not validate; the message names file, line and field."""


class LawSpec(FileModel):
    """A ``[laws.<key>]`` table: one law or regulation."""

    title: Text = Field(description="名称，带书名号 / title as cited")
    issuer: Text = Field(description="制定机关 / issuing body")
    document: Text | None = Field(None, description="文号，如 国务院令第765号 / document number")
    date: dt.date = Field(description="公布或修订日期 / date of the text cited")
    note: Text | None = Field(None, description="施行、修正情况 / in force since, amendments")


class CitationSpec(FileModel):
    """A ``[[citations]]`` entry: what one notice cites for one kind of item."""

    notice: Annotated[Text, OneOf((*NOTICES, RIGHTS))] = Field(
        description="通知书种类，或 rights（救济途径）/ notice kind, or rights"
    )
    items: Annotated[Text, OneOf(ITEM_KINDS)] = Field(
        description="service（经办服务）、licence（行政许可）或 all / kind of item"
    )
    law: Key = Field(description="[laws] 中的键 / key of the law")
    article: Text | None = Field(None, description="条款（已核对的才写）/ article, if checked")
    period: Text | None = Field(None, description="期限，如 六十日 / period")
    text: Text = Field(description="条文要旨 / paraphrase of the rule")


class LegalBasisFile(FileModel):
    """The legal-basis file."""

    licence_items: dict[str, list[Key]] = Field(
        default_factory=dict, description="属于行政许可的事项（地区 → 事项键）/ licence items"
    )
    laws: dict[str, LawSpec] = Field(description="法律法规 / laws")
    citations: list[CitationSpec] = Field(description="各通知书引用的条款 / citations")


@dataclass(frozen=True)
class Citation:
    """One rule a notice cites: the law's title, the article where checked, the rule in
    brief and where the law comes from."""

    law: str
    title: str
    text: str
    source: str
    article: str | None = None
    document: str | None = None
    period: str | None = None

    @property
    def cited(self) -> str:
        """How the body of a notice names it: 《…》第四十六条, or 《…》（国务院令第765号）."""
        if self.article:
            return f"{self.title}{self.article}"
        return f"{self.title}（{self.document}）" if self.document else self.title


@dataclass(frozen=True)
class NoticeBasis:
    """What one notice of one item cites: the item's own 设定依据 (verbatim, from its
    catalog), the rules of the notice and, on a decision against the applicant, the remedies."""

    licence: bool
    item_basis: tuple[str, ...]
    rules: tuple[Citation, ...]
    rights: tuple[Citation, ...]

    @property
    def cited(self) -> str:
        """The rules as the body's 根据…的规定 names them."""
        return "、".join(c.cited for c in self.rules)


@dataclass(frozen=True)
class LegalBasis:
    """The validated legal-basis data."""

    licence_items: Mapping[str, frozenset[str]]
    citations: tuple[tuple[str, str, Citation], ...]  # (notice, items, citation)

    def is_licence(self, item: Item) -> bool:
        """Whether ``item`` is a 行政许可 (listed in ``licence_items``)."""
        return item.key in self.licence_items.get(item.region, frozenset())

    def for_notice(self, kind: str, item: Item, *, rights: bool = False) -> NoticeBasis:
        """The citations of the notice ``kind`` for ``item`` (with the remedies if
        ``rights``)."""
        licence = self.is_licence(item)
        wanted = {"all", "licence" if licence else "service"}
        rules = tuple(c for n, i, c in self.citations if n == kind and i in wanted)
        remedies = tuple(c for n, i, c in self.citations if n == RIGHTS and i in wanted)
        return NoticeBasis(licence, item.legal_basis, rules, remedies if rights else ())


def _source(law: LawSpec) -> str:
    parts = [law.issuer, law.document, f"{law.date.year}年{law.date.month}月{law.date.day}日"]
    text = "，".join(p for p in parts if p)
    return f"{text}；{law.note}" if law.note else text


def load_legal_basis(name: str, data: bytes) -> LegalBasis:
    """Validate the legal-basis file ``name`` with content ``data``; raises
    `LegalBasisError` (file, line, field) on the first mistake."""
    text, parsed = read_toml_text(data, lambda what: LegalBasisError(f"{name}: {what}"))

    def error(loc: tuple[str | int, ...], what: str) -> LegalBasisError:
        line = line_of_field(text, loc)
        at = f"{name} 第 {line} 行" if line else name
        return LegalBasisError(f"{at}: 字段 {loc_text(loc)}: {what}")

    try:
        spec = validate(LegalBasisFile, parsed)
    except SchemaProblem as problem:
        raise error(problem.loc, problem.what) from None
    citations = []
    for index, entry in enumerate(spec.citations):
        law = spec.laws.get(entry.law)
        if law is None:
            known = "、".join(spec.laws)
            raise error(("citations", index, "law"), f"未知法律“{entry.law}”（可用: {known}）")
        citation = Citation(
            law=entry.law,
            title=law.title,
            text=entry.text,
            source=_source(law),
            article=entry.article,
            document=law.document,
            period=entry.period,
        )
        citations.append((entry.notice, entry.items, citation))
    licence = {region: frozenset(keys) for region, keys in spec.licence_items.items()}
    return LegalBasis(licence, tuple(citations))


@cache
def legal_basis() -> LegalBasis:
    """The packaged legal-basis data (validated once). Raises `LegalBasisError`."""
    packaged = resources.files("jingban.workflows").joinpath("data", "notices", FILE_NAME)
    return load_legal_basis(FILE_NAME, packaged.read_bytes())

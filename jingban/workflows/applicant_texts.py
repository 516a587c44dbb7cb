"""The texts of the applicant's milestone messages (短信模板), one per action, from data.

``data/messages/applicant_messages.toml`` holds a ``[default]`` table (action key → text) and, per
region, ``[regions.<key>]`` tables that replace single texts. A ``applicant_messages.toml``
in the data directory (``JINGBAN_DATA_DIR``) is read after the packaged one and replaces
the texts it names. `load_texts` validates a file: every key is an action of the action
table that staff take, every region is registered, every text is short, uses only the
placeholders of `PLACEHOLDERS` (plain ``{name}``, no format specs, no attributes) and names
both ``{case_no}`` and ``{query}``. No placeholder carries the applicant's name, identity
number or query code, so no text can.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from urllib.parse import urlencode

from pydantic import Field

from jingban.calendar import region_keys
from jingban.datafile import (
    FileModel,
    SchemaProblem,
    Text,
    data_dir,
    line_of_field,
    loc_text,
    read_toml_text,
    validate,
)
from jingban.workflows.actions import ACTIONS
from jingban.workflows.errors import CatalogError

FILE_NAME = "applicant_messages.toml"
#: The longest text a template may be (before its placeholders are filled): a message of
#: three or four SMS segments at most.
MAX_TEMPLATE = 160
PLACEHOLDERS: Mapping[str, str] = MappingProxyType(
    {
        "office": "经办机构 (未登记经办机构时为地区名称)",
        "item_name": "事项名称",
        "case_no": "办件编号",
        "date": "办理日期 (北京时间，如 12月3日)",
        "promised_date": "承诺办结日",
        "statutory_date": "法定办结日",
        "missing_count": "待补正材料项数",
        "days": "延长或中止的工作日数",
        "query": "进度查询一句 (含查询网址，不含查询码)",
    }
)
REQUIRED = ("case_no", "query")
#: Actions that never send a message (they are about the messages themselves).
SILENT = frozenset({"sms_optout", "sms_optin"})
#: Actions only the system takes that the applicant is still told of (逾期未补正，视为撤回).
SYSTEM_TOLD = frozenset({"lapse"})


def progress_url(base: str, case_no: str) -> str:
    """The progress page of ``case_no`` under ``base`` (no trailing slash needed): the case
    number only, never the query code. The receipt prints it; the messages link to it."""
    return f"{base.rstrip('/')}/progress?{urlencode({'case_no': case_no})}"


class ApplicantTextsError(CatalogError):
    """A message-template file that does not validate; names file, line and field."""


class TextsFile(FileModel):
    """The message-template file."""

    default: dict[str, Text] = Field(description="各地区通用的模板 / texts for every region")
    regions: dict[str, dict[str, Text]] = Field(
        default_factory=dict, description="地区自己的模板 / a region's own texts"
    )


@dataclass(frozen=True)
class ApplicantTexts:
    """The validated templates: the default ones and each region's replacements."""

    default: Mapping[str, str]
    regions: Mapping[str, Mapping[str, str]]

    def template(self, region: str, action: str) -> str | None:
        """The text for ``action`` in ``region``, or None when it sends no message."""
        own = self.regions.get(region, {})
        return own.get(action, self.default.get(action))

    def render(self, region: str, action: str, values: Mapping[str, object]) -> str | None:
        """The message for ``action`` in ``region`` with ``values`` filled in (a value that
        is None reads 待定), or None when the action sends no message."""
        found = self.template(region, action)
        if found is None:
            return None
        filled = {k: "待定" if values.get(k) is None else values[k] for k in PLACEHOLDERS}
        return found.format_map(filled)

    def merged(self, other: ApplicantTexts) -> ApplicantTexts:
        """These texts with ``other``'s replacing those it names."""
        regions = {r: dict(texts) for r, texts in self.regions.items()}
        for region, texts in other.regions.items():
            regions.setdefault(region, {}).update(texts)
        return ApplicantTexts({**self.default, **other.default}, regions)


def _problem(text: str) -> str | None:
    """What is wrong with template ``text``, or None."""
    if len(text) > MAX_TEMPLATE:
        return f"模板过长 ({len(text)} 字，最多 {MAX_TEMPLATE} 字)"
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        return f"花括号不成对: {exc}"
    names = set()
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            known = "、".join(f"{{{p}}}" for p in PLACEHOLDERS)
            return f"不认识的占位符 {{{name}}} (可用: {known})"
        names.add(name)
    missing = [f"{{{p}}}" for p in REQUIRED if p not in names]
    if missing:
        return f"模板必须包含 {'、'.join(missing)}"
    return None


def load_texts(name: str, data: bytes) -> ApplicantTexts:
    """Validate the template file ``name`` with content ``data``; raises
    `ApplicantTextsError` (file, line, field) on the first mistake."""
    text, parsed = read_toml_text(data, lambda what: ApplicantTextsError(f"{name}: {what}"))

    def error(loc: tuple[str | int, ...], what: str) -> ApplicantTextsError:
        line = line_of_field(text, loc)
        at = f"{name} 第 {line} 行" if line else name
        return ApplicantTextsError(f"{at}: 字段 {loc_text(loc)}: {what}")

    try:
        spec = validate(TextsFile, parsed)
    except SchemaProblem as problem:
        raise error(problem.loc, problem.what) from None
    takeable = [
        key
        for key, a in ACTIONS.items()
        if (a.takeable or key in SYSTEM_TOLD) and key not in SILENT
    ]
    known_regions = region_keys()
    tables: list[tuple[tuple[str, ...], Mapping[str, str]]] = [(("default",), spec.default)]
    for region, own in spec.regions.items():
        if region not in known_regions:
            known = "、".join(known_regions)
            raise error(("regions", region), f"未知地区“{region}”（可用: {known}）")
        tables.append((("regions", region), own))
    for where, texts in tables:
        for action, template in texts.items():
            if action not in takeable:
                raise error((*where, action), f"不是可发短信的操作（可用: {'、'.join(takeable)}）")
            wrong = _problem(template)
            if wrong is not None:
                raise error((*where, action), wrong)
    return ApplicantTexts(
        MappingProxyType(dict(spec.default)),
        MappingProxyType({r: MappingProxyType(dict(t)) for r, t in spec.regions.items()}),
    )


@cache
def applicant_texts() -> ApplicantTexts:
    """The packaged templates with the data directory's file over them (validated once).
    Raises `ApplicantTextsError`."""
    packaged = resources.files("jingban.workflows").joinpath("data", "messages", FILE_NAME)
    texts = load_texts(FILE_NAME, packaged.read_bytes())
    extra = data_dir()
    if extra is not None and (extra / FILE_NAME).is_file():
        path = extra / FILE_NAME
        texts = texts.merged(load_texts(str(path), path.read_bytes()))
    return texts

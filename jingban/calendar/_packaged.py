"""The calendar's packaged data files ``xinjiang.toml`` and ``published.toml``, validated.

A packaged file that does not validate raises `CalendarError` naming the file, the line and
the field; the product cannot start with a broken calendar.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import TypeVar

from pydantic import Field

from jingban.calendar.errors import CalendarError
from jingban.datafile import (
    FileModel,
    SchemaProblem,
    Text,
    line_of_field,
    loc_text,
    read_toml_text,
    validate,
)

M = TypeVar("M", bound=FileModel)


class DaysOff(FileModel):
    """An inclusive span of regional days off."""

    name: Text = Field(description="节日名称 / holiday name")
    first: dt.date = Field(description="放假首日 / first day off")
    last: dt.date = Field(description="放假末日（含）/ last day off, inclusive")


class XinjiangYear(FileModel):
    """One ``[[year]]`` of Xinjiang's regional holidays, with its source."""

    year: int = Field(ge=2000, le=2100)
    verified: bool = Field(description="来源已核实 / the source is confirmed")
    source: Text = Field(description="来源 / where the dates come from")
    days_off: list[DaysOff]
    cancel_workdays: list[dt.date] = Field(default_factory=list)


class XinjiangFile(FileModel):
    """``xinjiang.toml``."""

    year: list[XinjiangYear]


class PublishedNoticeSpec(FileModel):
    """One ``[[notice]]``: a national notice whose days the `holidays` library encodes."""

    year: int = Field(ge=2000, le=2100)
    title: Text
    number: str
    issued: dt.date | None = None
    source_url: Text


class PublishedFile(FileModel):
    """``published.toml``."""

    notice: list[PublishedNoticeSpec] = Field(min_length=1)


def read_packaged(name: str, model: type[M]) -> M:
    """The packaged calendar data file ``name`` validated as ``model``.

    Raises `CalendarError` naming the file, the line and the field of the first mistake.
    """
    data = resources.files("jingban.calendar").joinpath("data", name).read_bytes()
    return parse_packaged(name, data, model)


def parse_packaged(name: str, data: bytes, model: type[M]) -> M:
    """``data``, the text of a file called ``name``, validated as ``model``; raises as
    `read_packaged` does."""
    text, parsed = read_toml_text(data, lambda what: CalendarError(f"{name}: {what}"))
    try:
        return validate(model, parsed)
    except SchemaProblem as problem:
        line = line_of_field(text, problem.loc)
        at = f"{name} 第 {line} 行" if line else name
        raise CalendarError(f"{at}: 字段 {loc_text(problem.loc)}: {problem.what}") from None

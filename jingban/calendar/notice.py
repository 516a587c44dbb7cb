"""Holiday notices: the yearly arrangement an administrator loads, validated line by line.

A notice file is TOML::

    scope = "national"            # national (国务院办公厅) | xinjiang (自治区人民政府办公厅)
    year = 2027
    title = "国务院办公厅关于2027年部分节假日安排的通知"
    number = "国办发明电〔2026〕N号"
    issued = 2026-11-05
    source_url = "https://www.gov.cn/…"

    [[holidays]]
    name = "春节"
    first = 2027-02-05            # first day off
    last = 2027-02-12             # last day off (inclusive)
    work = [2027-02-20]           # make-up working days (调休上班), weekend days only

A regional notice may also list ``cancel_workdays``: national make-up days the region cancels.
A national notice defines every deviation of its year from Monday–Friday: once loaded, the
`holidays` library is no longer consulted for that year.

The fields are checked by the `NoticeFile` model (the data-file schema mechanism of
`jingban.datafile`), the rules between them (dates in the year, make-up days on weekends, no
day both off and worked) afterwards; every message names the file and the line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import Field, PlainValidator
from pydantic_core import PydanticCustomError

from jingban.calendar.errors import NoticeError
from jingban.datafile import (
    FileModel,
    OneOf,
    SchemaProblem,
    fields_at,
    line_of,
    line_of_field,
    validate,
)

__all__ = ["SCOPES", "Notice", "line_of", "parse_notice", "read_notice"]

SCOPES = ("national", "xinjiang")

#: Plausibility bounds of a notice (the State Council's arrangements give 13 weekdays off a
#: year at most so far, 9 consecutive days, 8 make-up days): a notice past them is a typo or
#: a forgery, refused with its line.
MAX_WEEKDAYS_OFF = 40
MAX_SPAN_DAYS = 15
MAX_MAKE_UP_DAYS = 12
#: The holidays whose days may fall in the last week of the year before the notice's.
YEAR_BOUNDARY_HOLIDAYS = ("元旦", "春节")


def _date(value: object) -> dt.date:
    """A TOML date or an ISO date string; a date-time or anything else is refused."""
    if isinstance(value, dt.datetime):
        raise PydanticCustomError("notice_datetime", "date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("notice_date", "not a date")


NoticeDate = Annotated[dt.date, PlainValidator(_date)]


class HolidaySpec(FileModel):
    """One ``[[holidays]]`` entry: a span of days off and its make-up working days."""

    name: str
    first: NoticeDate | None = None
    last: NoticeDate | None = None
    work: list[NoticeDate] = Field(default_factory=list)


class NoticeFile(FileModel):
    """A notice file, field by field (the rules between fields are checked after it)."""

    scope: Annotated[str, OneOf(SCOPES)] = "national"
    year: int = Field(ge=2000, le=2100)
    title: str = ""
    number: str = ""
    source_url: str = ""
    issued: NoticeDate | None = None
    holidays: list[HolidaySpec] = Field(default_factory=list)
    cancel_workdays: list[NoticeDate] = Field(default_factory=list)
    verified: bool = True


@dataclass(frozen=True)
class Notice:
    """One validated holiday arrangement for one year and one scope."""

    scope: str
    year: int
    title: str
    number: str
    issued: dt.date | None
    source_url: str
    off: Mapping[dt.date, str] = field(default_factory=dict)
    work: Mapping[dt.date, str] = field(default_factory=dict)
    cancel_work: frozenset[dt.date] = frozenset()
    verified: bool = True

    def to_toml(self) -> str:
        """Render the notice back to the file format, so an installed copy can be kept."""
        lines = [
            f'scope = "{self.scope}"',
            f"year = {self.year}",
            f"title = {_quote(self.title)}",
            f"number = {_quote(self.number)}",
        ]
        if self.issued is not None:
            lines.append(f"issued = {self.issued.isoformat()}")
        lines.append(f"source_url = {_quote(self.source_url)}")
        lines.append(f"verified = {'true' if self.verified else 'false'}")
        if self.cancel_work:
            days = ", ".join(d.isoformat() for d in sorted(self.cancel_work))
            lines.append(f"cancel_workdays = [{days}]")
        for name, first, last, work in self._spans():
            lines += ["", "[[holidays]]", f"name = {_quote(name)}"]
            if first is not None and last is not None:
                lines += [f"first = {first.isoformat()}", f"last = {last.isoformat()}"]
            lines.append(f"work = [{', '.join(d.isoformat() for d in work)}]")
        return "\n".join(lines) + "\n"

    def _spans(self) -> list[tuple[str, dt.date | None, dt.date | None, list[dt.date]]]:
        """One entry per run of consecutive days off of one name; make-up days go with the
        first run of their name (or an entry of their own)."""
        spans: list[tuple[str, dt.date | None, dt.date | None, list[dt.date]]] = []
        run: list[dt.date] = []
        for day in sorted(self.off):
            if run and (day - run[-1]).days == 1 and self.off[day] == self.off[run[-1]]:
                run.append(day)
                continue
            if run:
                spans.append((self.off[run[0]], run[0], run[-1], []))
            run = [day]
        if run:
            spans.append((self.off[run[0]], run[0], run[-1], []))
        for day in sorted(self.work):
            name = self.work[day]
            for _, first, _, work in spans:
                if first is not None and self.off[first] == name:
                    work.append(day)
                    break
            else:
                spans.append((name, None, None, [day]))
        return spans


def _quote(text: str) -> str:
    # JSON string escapes (newline, quote, backslash, \u code points) are valid in TOML.
    return json.dumps(text, ensure_ascii=False)


def parse_notice(text: str, filename: str = "<notice>") -> Notice:
    """Parse and validate a notice file's text.

    Raises `NoticeError` naming the file and the line of the first problem found.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(found.group(1)) if found else max(len(text.splitlines()), 1)
        what = re.sub(r"\s*\(at .*\)$", "", str(exc))
        raise NoticeError(f"{filename} 第 {line} 行: TOML 格式错误 ({what})") from exc
    return _Validator(text, filename).notice(data)


def read_notice(path: str) -> Notice:
    """Read and validate a notice file; raises `NoticeError` (also for an unreadable file)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise NoticeError(f"{path}: 无法读取: {exc}") from exc
    return parse_notice(text, path)


class _Validator:
    def __init__(self, text: str, filename: str) -> None:
        self.text_ = text
        self.filename = filename

    def fail(self, message: str, *needles: str, loc: tuple[str | int, ...] = ()) -> NoticeError:
        """The error for ``message`` at the line of the value at ``loc`` (when given and
        found), else at the first line holding one of ``needles``."""
        number = line_of_field(self.text_, loc) if loc else None
        if number is not None:
            return NoticeError(f"{self.filename} 第 {number} 行: {message}")
        for needle in needles:
            number = line_of(self.text_, needle)
            if number is not None:
                return NoticeError(f"{self.filename} 第 {number} 行: {message}")
        return NoticeError(f"{self.filename}: {message}")

    def notice(self, data: dict[str, Any]) -> Notice:
        try:
            spec = validate(NoticeFile, data)
        except SchemaProblem as problem:
            raise self.problem(data, problem) from None
        scope, year = spec.scope, spec.year
        title = self.text(spec.title, "title", data, required=True)
        number = self.text(spec.number, "number", data, required=scope == "national")
        source_url = self.text(spec.source_url, "source_url", data, required=scope == "national")
        if source_url and not re.match(r"https?://", source_url):
            raise self.fail(
                f"source_url 必须以 http:// 或 https:// 开头: {source_url}", "source_url"
            )
        off: dict[dt.date, str] = {}
        work: dict[dt.date, str] = {}
        if scope == "national" and not spec.holidays:
            raise self.fail("全国节假日安排至少要有一个 [[holidays]] 条目", "year")
        for entry in spec.holidays:
            self.holiday(entry, year, off, work)
        cancel = frozenset(
            self.in_year(day, year, "cancel_workdays") for day in spec.cancel_workdays
        )
        if scope == "national" and cancel:
            raise self.fail(
                'cancel_workdays 只用于地区通知 (scope = "xinjiang")', "cancel_workdays"
            )
        for day in sorted(cancel):
            if day in work:
                raise self.fail(f"{day} 既是调休上班日又被取消", day.isoformat())
        self.plausible(off, work)
        return Notice(
            scope, year, title, number, spec.issued, source_url, off, work, cancel, spec.verified
        )

    def problem(self, data: dict[str, Any], problem: SchemaProblem) -> NoticeError:
        """The message for the first mistake the schema found, in the notice's wording."""
        loc, kind, value = problem.loc, problem.kind, problem.value
        top = str(loc[0])
        if kind == "extra_forbidden" and len(loc) == 1:
            allowed = "、".join(sorted(fields_at(NoticeFile, ())))
            return self.fail(f"未知字段 {top} (可用: {allowed})", top)
        if top == "scope":
            return self.fail(f"scope 必须是 {' 或 '.join(SCOPES)}，而不是 {value!r}", "scope")
        if top == "year":
            return self.fail(f"year 必须是 2000–2100 之间的年份，而不是 {value!r}", "year")
        if top in ("title", "number", "source_url"):
            return self.fail(f"{top} 必须是文本", top)
        if top == "verified":
            return self.fail("verified 必须是 true 或 false", "verified")
        if top == "issued":
            return self.bad_date(kind, value, "issued")
        if top == "cancel_workdays":
            if len(loc) == 1:
                return self.fail("cancel_workdays: 必须是日期列表，如 [2027-02-20]", top)
            return self.bad_date(kind, value, "cancel_workdays")
        # holidays
        if len(loc) < 3:
            return self.fail("holidays 必须是 [[holidays]] 表的列表", "holidays")
        entry = data["holidays"][loc[1]]
        name = entry.get("name")
        field_name = str(loc[2])
        if field_name == "name" or not isinstance(name, str) or not name.strip():
            return self.fail("[[holidays]] 条目缺少 name (节日名称)", "[[holidays]]")
        name = name.strip()
        if kind == "extra_forbidden":
            return self.fail(
                f"{name}: 未知字段 {field_name} (可用: name、first、last、work)", loc=loc
            )
        if field_name == "work" and len(loc) == 3:
            return self.fail(f"{name} work: 必须是日期列表，如 [2027-02-20]", "work", loc=loc)
        return self.bad_date(kind, value, f"{name} {field_name}")

    def bad_date(self, kind: str, value: object, what: str) -> NoticeError:
        if kind == "notice_datetime":
            return self.fail(f"{what}: 只需要日期，不要时间: {value}", str(value)[:10])
        needle = value if isinstance(value, str) else str(value)
        return self.fail(f"{what}: 无法识别的日期 {value!r} (应为 YYYY-MM-DD)", needle)

    def holiday(
        self, entry: HolidaySpec, year: int, off: dict[dt.date, str], work: dict[dt.date, str]
    ) -> None:
        name = entry.name.strip()
        if not name:
            raise self.fail("[[holidays]] 条目缺少 name (节日名称)", "[[holidays]]")
        first, last = entry.first, entry.last
        if (first is None) != (last is None):
            raise self.fail(f"{name}: first 和 last 必须同时给出", f'"{name}"')
        if first is not None and last is not None:
            start = self.in_year(first, year, name)
            end = self.in_year(last, year, name)
            if end < start:
                raise self.fail(f"{name}: 放假结束日 {end} 早于开始日 {start}", end.isoformat())
            if (end - start).days + 1 > MAX_SPAN_DAYS:
                raise self.fail(
                    f"{name}: 连续放假 {(end - start).days + 1} 天 ({start} 至 {end})，"
                    f"超过 {MAX_SPAN_DAYS} 天，不像一个节日的安排；请核对通知原文",
                    end.isoformat(),
                )
            day = start
            while day <= end:
                if day in off:
                    raise self.fail(f"{day} 在 {off[day]} 和 {name} 中重复放假", day.isoformat())
                off[day] = name
                day += dt.timedelta(days=1)
        for value in entry.work:
            day = self.in_year(value, year, name)
            if day.weekday() < 5:
                raise self.fail(
                    f"调休上班日 {day} 是星期{'一二三四五'[day.weekday()]}，必须是周六或周日",
                    day.isoformat(),
                )
            if day in work:
                raise self.fail(f"调休上班日 {day} 重复", day.isoformat())
            work[day] = name
        for day in work:
            if day in off:
                raise self.fail(f"{day} 既是放假日又是调休上班日", day.isoformat())

    def plausible(self, off: Mapping[dt.date, str], work: Mapping[dt.date, str]) -> None:
        """Refuse an arrangement no State Council or regional notice would make: more than
        `MAX_WEEKDAYS_OFF` weekdays off, more than `MAX_MAKE_UP_DAYS` make-up days."""
        weekdays = [day for day in sorted(off) if day.weekday() < 5]
        if len(weekdays) > MAX_WEEKDAYS_OFF:
            day = weekdays[MAX_WEEKDAYS_OFF]
            raise self.fail(
                f"{off[day]}: 全年放假的工作日 (周一至周五) 共 {len(weekdays)} 天，"
                f"超过 {MAX_WEEKDAYS_OFF} 天，不像一份节假日安排；请核对通知原文",
                day.isoformat(),
                f'"{off[day]}"',
            )
        if len(work) > MAX_MAKE_UP_DAYS:
            day = sorted(work)[MAX_MAKE_UP_DAYS]
            raise self.fail(
                f"调休上班日共 {len(work)} 天，超过 {MAX_MAKE_UP_DAYS} 天，"
                "不像一份节假日安排；请核对通知原文",
                day.isoformat(),
            )

    def text(self, value: str, key: str, data: dict[str, Any], *, required: bool) -> str:
        if required and not value.strip():
            raise (
                self.fail(f"缺少 {key}", key)
                if key in data
                else NoticeError(f"{self.filename}: 缺少 {key}")
            )
        return value.strip()

    def in_year(self, day: dt.date, year: int, what: str) -> dt.date:
        # A notice covers its year; its 元旦 (or an early 春节's make-up day) may fall on the
        # last days of the December before it. No other holiday spills over the boundary.
        if day.year == year:
            return day
        spill = any(name in what for name in YEAR_BOUNDARY_HOLIDAYS)
        if spill and day.year == year - 1 and day.month == 12 and day.day >= 25:
            return day
        where = "只有元旦、春节可含上一年 12 月 25 日以后的日期" if day.year == year - 1 else ""
        raise self.fail(
            f"{what}: 日期 {day} 不属于 {year} 年的安排{'；' + where if where else ''}",
            day.isoformat(),
        )

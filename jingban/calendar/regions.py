"""The region registry: the one list of regions, from ``data/regions.toml``.

Each entry gives the region's name, its case-number code, its calendar (regional overlay and
office hours) and the data the demo needs; every other list of regions in the product derives
from `registry`. A region's catalog is the file ``<key>.toml`` of the workflow catalog.

The packaged registry may be extended: a ``regions.toml`` in the directory named by
``JINGBAN_DATA_DIR`` adds entries (or replaces one of the same key, or an hours profile of
the same name). A bad entry raises `RegistryError` naming the file, the line, the region and
the field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, NoReturn

from pydantic import AfterValidator, Field

from jingban.calendar.errors import CalendarError, UnknownRegion
from jingban.calendar.office_hours import OfficeHours
from jingban.calendar.offices import (
    DEFAULT_NOTICE_NUMBER,
    Office,
    OfficeEntry,
    check_notice_number,
    pick_office,
)
from jingban.datafile import (
    ASCII_KEY,
    FileModel,
    Key,
    OneOf,
    SchemaProblem,
    Text,
    data_dir,
    line_of_field,
    loc_text,
    read_toml_text,
    validate,
)

OVERLAYS = ("national", "xinjiang")


class RegistryError(CalendarError):
    """A region registry file that does not validate; the message names file, line, field."""


@dataclass(frozen=True)
class RegionProfile:
    """One registered region: its name, case-number code, regional overlay and office hours.

    ``area`` is the region's administrative division code (GB/T 2260) and ``demo_items`` the
    items the demo data opens cases of (empty: the demo chooses). ``notice_number`` is the
    format of its notice numbers (文号) and ``offices`` its offices' 文号 short names and
    contacts (`jingban.calendar.offices`).
    """

    key: str
    name: str
    overlay: str
    hours: OfficeHours
    code: str = ""
    area: str | None = None
    demo_items: tuple[str, ...] = ()
    notice_number: str = DEFAULT_NOTICE_NUMBER
    offices: tuple[Office, ...] = ()

    def office(self, name: str | None) -> Office:
        """The office entry serving the office ``name`` (None: the region's own office);
        without entries, a bare one whose short name is the region's name + 医保经."""
        return pick_office(self.offices, name, f"{self.name}医保经")


Session = Annotated[list[Text], Field(min_length=2, max_length=2)]


class HoursSpec(FileModel):
    """An ``[hours.<name>]`` table: summer and winter sessions, Beijing time."""

    summer_from: Text = Field("05-01", description="夏季起始日（月-日）/ first day of summer")
    winter_from: Text = Field("10-01", description="冬季起始日（月-日）/ first day of winter")
    summer: list[Session] = Field(description="夏季时段 [[开始, 结束], …] / summer sessions")
    winter: list[Session] = Field(description="冬季时段 [[开始, 结束], …] / winter sessions")


class RegionEntry(FileModel):
    """A ``[regions.<key>]`` table."""

    name: Text = Field(description="地区名称 / display name")
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = Field(
        description="办件编号的地区代码（两个大写字母）/ case-number code"
    )
    overlay: Annotated[Text, OneOf(OVERLAYS)] = Field(
        description="地区节假日：national 或 xinjiang / regional holiday overlay"
    )
    hours: Key = Field(description="办公时间表名（[hours.*]）/ office hours profile")
    area: Annotated[str, Field(pattern=r"^[0-9]{6}$")] | None = Field(
        None, description="行政区划代码（演示数据用）/ administrative division code"
    )
    demo_items: list[Key] = Field(default_factory=list, description="演示数据的事项 / demo items")
    notice_number: Annotated[Text, AfterValidator(check_notice_number)] = Field(
        DEFAULT_NOTICE_NUMBER,
        description="通知书文号格式 / notice number format",
    )
    offices: list[OfficeEntry] = Field(
        default_factory=list, description="经办机构的文号代字和联系方式 / offices and contacts"
    )


class RegistryFile(FileModel):
    """A region registry file."""

    hours: dict[str, HoursSpec] = Field(default_factory=dict)
    regions: dict[str, RegionEntry] = Field(default_factory=dict)


@dataclass(frozen=True)
class _Source:
    name: str
    text: str
    spec: RegistryFile


def _read(name: str, data: bytes) -> _Source:
    def error(what: str) -> RegistryError:
        return RegistryError(f"{name}: {what}")

    text, parsed = read_toml_text(data, error)
    try:
        return _Source(name, text, validate(RegistryFile, parsed))
    except SchemaProblem as problem:
        raise _error(name, text, problem.loc, problem.what) from None


def _error(name: str, text: str, loc: tuple[str | int, ...], what: str) -> RegistryError:
    line = line_of_field(text, loc)
    at = f"{name} 第 {line} 行" if line else name
    if len(loc) >= 2 and loc[0] == "regions":
        owner, field = f"地区 {loc[1]}", loc_text(loc[2:])
    elif len(loc) >= 2 and loc[0] == "hours":
        owner, field = f"办公时间 {loc[1]}", loc_text(loc[2:])
    else:
        owner, field = "登记表", loc_text(loc)
    return RegistryError(f"{at}: {owner}: 字段 {field or loc_text(loc)}: {what}")


def _sources() -> list[_Source]:
    packaged = resources.files("jingban.calendar").joinpath("data", "regions.toml")
    sources = [_read("regions.toml", packaged.read_bytes())]
    extra = data_dir()
    if extra is not None and (extra / "regions.toml").is_file():
        path = Path(extra / "regions.toml")
        try:
            sources.append(_read(str(path), path.read_bytes()))
        except OSError as exc:
            raise RegistryError(f"{path}: 无法读取: {exc.strerror}") from None
    return sources


@cache
def registry() -> Mapping[str, RegionProfile]:
    """Every registered region, packaged ones first, in file order. Raises `RegistryError`."""
    sources = _sources()
    hours: dict[str, tuple[_Source, OfficeHours]] = {}
    for source in sources:
        for key, spec in source.spec.hours.items():
            try:
                hours[key] = (source, OfficeHours.from_config(spec.model_dump()))
            except CalendarError as exc:
                raise _error(source.name, source.text, ("hours", key), exc.message) from None
    entries: dict[str, tuple[_Source, RegionEntry]] = {}
    for source in sources:
        for key, entry in source.spec.regions.items():
            entries[key] = (source, entry)
    profiles: dict[str, RegionProfile] = {}
    codes: dict[str, str] = {}
    for key, (source, entry) in entries.items():

        def fail(field: str, what: str, source: _Source = source, key: str = key) -> NoReturn:
            raise _error(source.name, source.text, ("regions", key, field), what)

        if not ASCII_KEY.match(key):
            fail("name", f"地区键“{key}”不是 ASCII snake_case 标识符")
        if entry.hours not in hours:
            fail("hours", f"未知办公时间“{entry.hours}”（可用: {', '.join(hours)}）")
        if entry.code in codes:
            fail("code", f"地区代码 {entry.code} 与地区 {codes[entry.code]} 重复")
        codes[entry.code] = key
        defaults = [i for i, o in enumerate(entry.offices) if o.prefix is None]
        if len(defaults) > 1:
            raise _error(
                source.name,
                source.text,
                ("regions", key, "offices", defaults[1], "short"),
                "只能有一个不写 prefix 的默认经办机构",
            )
        profiles[key] = RegionProfile(
            key=key,
            name=entry.name,
            overlay=entry.overlay,
            hours=hours[entry.hours][1],
            code=entry.code,
            area=entry.area,
            demo_items=tuple(entry.demo_items),
            notice_number=entry.notice_number,
            offices=tuple(Office.from_entry(o) for o in entry.offices),
        )
    return profiles


def region_keys() -> tuple[str, ...]:
    """The keys of every registered region, in registry order."""
    return tuple(registry())


def region_profile(key: str, *, overlay: str | None = None) -> RegionProfile:
    """The profile of region ``key``; ``overlay`` overrides its regional overlay.

    Raises `UnknownRegion` for a key the registry does not hold.
    """
    profiles = registry()
    if key not in profiles:
        known = "、".join(profiles)
        raise UnknownRegion(f"未知地区 {key!r}；可用地区: {known}")
    profile = profiles[key]
    if overlay is not None:
        if overlay not in OVERLAYS:
            raise UnknownRegion(f"未知日历 {overlay!r}；可用: {'、'.join(OVERLAYS)}")
        profile = dataclasses.replace(profile, overlay=overlay)
    return profile

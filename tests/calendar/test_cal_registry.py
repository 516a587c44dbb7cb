"""The region registry (regions.toml) and the packaged calendar files: one schema mechanism,
and a bad entry is a message naming file, line, region and field, never a ``KeyError``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from jingban.calendar import (
    CalendarError,
    RegistryError,
    WorkCalendar,
    region_keys,
    region_profile,
    registry,
)
from jingban.calendar._packaged import PublishedFile, XinjiangFile, parse_packaged
from jingban.datafile import DATA_DIR_ENV
from jingban.engine.case_number import region_codes
from jingban.errors import BadInput

GOOD = """\
[regions.testland]
name = "测试地区"
code = "TL"
overlay = "national"
hours = "sichuan"
"""


@pytest.fixture
def extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An extra data directory the registry reads; the cache is dropped around each test."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    registry.cache_clear()
    yield tmp_path
    monkeypatch.delenv(DATA_DIR_ENV)
    registry.cache_clear()


def _fails(directory: Path, text: str) -> str:
    (directory / "regions.toml").write_text(text, encoding="utf-8")
    registry.cache_clear()
    with pytest.raises(RegistryError) as caught:
        registry()
    assert isinstance(caught.value, BadInput)
    message = caught.value.message
    assert "\n" not in message
    assert message.startswith(str(directory / "regions.toml")), message
    return message


def test_the_packaged_registry_lists_the_five_regions_with_their_codes() -> None:
    assert region_keys() == ("sichuan", "bingtuan", "tacheng", "kashgar", "shawan")
    assert region_codes() == {
        "sichuan": "SC",
        "bingtuan": "BT",
        "tacheng": "TC",
        "kashgar": "KS",
        "shawan": "SW",
    }
    assert region_profile("kashgar").area == "653101"
    assert "inpatient_reimbursement" in region_profile("sichuan").demo_items


def test_an_extra_entry_is_added_after_the_packaged_ones(extra: Path) -> None:
    (extra / "regions.toml").write_text(GOOD, encoding="utf-8")
    registry.cache_clear()
    assert region_keys()[-1] == "testland"
    profile = region_profile("testland")
    assert (profile.name, profile.code, profile.overlay) == ("测试地区", "TL", "national")
    assert profile.hours == region_profile("sichuan").hours
    calendar = WorkCalendar.for_region("testland")
    assert calendar.is_working_day(dt.date(2026, 1, 5))
    assert not calendar.is_working_day(dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # a missing field: the line of the region's table
        (GOOD.replace('code = "TL"\n', ""), 1, ["地区 testland", "字段 code", "缺少必填字段"]),
        # an hours profile the registry does not have
        (
            GOOD.replace('hours = "sichuan"', 'hours = "lhasa"'),
            5,
            ["字段 hours", "未知办公时间“lhasa”", "xinjiang"],
        ),
        # an unknown overlay
        (
            GOOD.replace('overlay = "national"', 'overlay = "tibet"'),
            4,
            ["字段 overlay", "“tibet”不是可用值", "national, xinjiang"],
        ),
        # a code another region has
        (GOOD.replace('code = "TL"', 'code = "KS"'), 3, ["字段 code", "KS", "kashgar", "重复"]),
        # a code that cannot start a case number
        (GOOD.replace('code = "TL"', 'code = "tl1"'), 3, ["字段 code"]),
        # a misspelt field
        (GOOD + 'ovrelay = "x"\n', 6, ["字段 ovrelay", "未知字段", "overlay"]),
        # a wrong type
        (GOOD.replace('name = "测试地区"', "name = 7"), 2, ["字段 name", "应为字符串，实际是整数"]),
        # a bad office-hours profile
        (
            GOOD + '\n[hours.night]\nsummer = [["20:00", "08:00"]]\nwinter = [["09:00"]]\n',
            9,
            ["办公时间 night", "winter"],
        ),
        (
            GOOD
            + '\n[hours.night]\nsummer = [["20:00", "08:00"]]\nwinter = [["09:00", "10:00"]]\n',
            7,
            ["办公时间 night", "20:00"],
        ),
    ],
)
def test_a_bad_entry_names_file_line_region_and_field(
    extra: Path, text: str, line: int, words: list[str]
) -> None:
    message = _fails(extra, text)
    assert message.startswith(f"{extra / 'regions.toml'} 第 {line} 行: "), message
    for word in words:
        assert word in message, message


def test_bad_toml_in_the_registry_is_named(extra: Path) -> None:
    message = _fails(extra, "[regions.testland\n")
    assert "TOML" in message


def test_a_registered_region_without_a_catalog_file_is_named(extra: Path) -> None:
    from jingban.workflows import CatalogError
    from jingban.workflows.loader import load_catalog

    (extra / "regions.toml").write_text(GOOD, encoding="utf-8")
    registry.cache_clear()
    load_catalog.cache_clear()
    try:
        with pytest.raises(CatalogError, match=r"testland\.toml: 缺少区域数据文件"):
            load_catalog()
    finally:
        load_catalog.cache_clear()


def test_the_packaged_calendar_files_validate() -> None:
    assert (
        parse_packaged(
            "x.toml",
            b"[[notice]]\nyear = 2026\ntitle = 't'\nnumber = ''\nsource_url = 'u'\n",
            PublishedFile,
        )
        .notice[0]
        .year
        == 2026
    )


@pytest.mark.parametrize(
    ("model", "text", "words"),
    [
        (
            PublishedFile,
            "[[notice]]\nyear = 2026\ntitle = 't'\nsource_url = 'u'\n",
            ["x.toml 第 1 行", "字段 notice[1].number", "缺少必填字段"],
        ),
        (
            PublishedFile,
            "[[notice]]\nyear = 2026\ntitle = 't'\nnumber = ''\nsource_url = 'u'\n"
            "issued = '2025-11-04'\n",
            ["x.toml 第 6 行", "notice[1].issued", "应为日期"],
        ),
        (
            XinjiangFile,
            "[[year]]\nyear = 2027\nverified = true\nsource = 's'\n"
            "days_off = [{ name = '肉孜节', first = 2027-03-10 }]\n",
            ["x.toml 第 5 行", "year[1].days_off[1].last", "缺少必填字段"],
        ),
        (
            XinjiangFile,
            "[[year]]\nyear = 2027\nverified = 'yes'\nsource = 's'\ndays_off = []\n",
            ["x.toml 第 3 行", "year[1].verified", "应为布尔值"],
        ),
    ],
)
def test_a_bad_packaged_calendar_file_names_line_and_field(model, text, words) -> None:
    with pytest.raises(CalendarError) as caught:
        parse_packaged("x.toml", text.encode(), model)
    for word in words:
        assert word in caught.value.message, caught.value.message


# -- holiday notices go through the same mechanism -----------------------------------------

NOTICE = 'scope = "xinjiang"\nyear = 2027\ntitle = "t"\n\n[[holidays]]\nname = "肉孜节"\n'


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("first = 2027-03-10\nlast = 2027-03-10\nday = 1\n", 9, ["肉孜节: 未知字段 day"]),
        ("first = 2027-03-10\nlast = 2027-03-10\nwork = [5]\n", None, ["肉孜节 work", "5"]),
        (
            "first = 2027-03-10\nlast = 2027-03-10\n\n[[holidays]]\nfirst = 2027-05-01\n",
            5,
            ["缺少 name"],
        ),
        ('first = 2027-03-10\nlast = 2027-03-10\nverified = "yes"\n', 9, ["verified"]),
    ],
)
def test_a_bad_notice_field_names_the_line(body: str, line: int | None, words: list[str]) -> None:
    from jingban.calendar import NoticeError, parse_notice

    with pytest.raises(NoticeError) as caught:
        parse_notice(NOTICE + body, "x.toml")
    message = caught.value.message
    if line is not None:
        assert message.startswith(f"x.toml 第 {line} 行: "), message
    for word in words:
        assert word in message, message

"""Offices in the region registry: 文号 formats and contacts, each with its source; a bad
entry names the file, the line, the region and the field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jingban.calendar import RegistryError, region_profile, registry
from jingban.calendar.offices import DEFAULT_NOTICE_NUMBER, format_notice_number
from jingban.datafile import DATA_DIR_ENV

HEAD = """\
[regions.testland]
name = "测试地区"
code = "TL"
overlay = "national"
hours = "sichuan"
"""


@pytest.fixture
def extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    registry.cache_clear()
    yield tmp_path
    monkeypatch.delenv(DATA_DIR_ENV)
    registry.cache_clear()


def _message(directory: Path, text: str) -> str:
    (directory / "regions.toml").write_text(text, encoding="utf-8")
    registry.cache_clear()
    with pytest.raises(RegistryError) as caught:
        registry()
    return caught.value.message


def test_the_default_format_numbers_like_the_office() -> None:
    assert (
        format_notice_number(
            DEFAULT_NOTICE_NUMBER, office_short="沙医保经", year=2026, kind="受", seq=1
        )
        == "沙医保经〔2026〕受字第0001号"
    )


def test_shawan_and_tacheng_offices_carry_the_guides_contacts() -> None:
    shawan = region_profile("shawan").office("沙湾市医疗保障事业服务中心")
    assert (shawan.short, shawan.phone, shawan.supervision_phone) == (
        "沙医保经",
        "0993-6023208",
        "0993-6021279",
    )
    assert shawan.source and "沙湾市医疗保障局办事指南" in shawan.source
    tacheng = region_profile("tacheng")
    assert tacheng.office("额敏县医疗保障服务中心").supervision_phone == "0901-3328011"
    assert tacheng.office("塔城市医疗保障服务中心").supervision_phone == "0901-6225199"
    assert tacheng.office("塔城地区医疗保障事业服务中心").supervision_phone == "0901－6230086"
    assert tacheng.office(None).short == "塔地医保经"


def test_every_region_has_one_default_office_with_its_own_short_name() -> None:
    shorts = [region_profile(key).office(None).short for key in registry()]
    assert len(set(shorts)) == len(shorts)


def test_a_notice_number_format_without_a_sequence_names_the_line(extra: Path) -> None:
    message = _message(extra, HEAD + 'notice_number = "{office_short}〔{year}〕{kind}号"\n')
    assert message.startswith(
        f"{extra / 'regions.toml'} 第 6 行: 地区 testland: 字段 notice_number"
    )
    assert "{seq}" in message


def test_a_notice_number_format_with_an_unknown_field_names_the_line(extra: Path) -> None:
    message = _message(extra, HEAD + 'notice_number = "{office}〔{year}〕第{seq}号"\n')
    assert "第 6 行" in message and "不能使用 'office'" in message


def test_an_office_without_a_short_name_names_the_line(extra: Path) -> None:
    text = HEAD + '\n[[regions.testland.offices]]\nphone = "0990-1234567"\n'
    message = _message(extra, text)
    assert "第 7 行: 地区 testland: 字段 offices[1].short: 缺少必填字段" in message, message


def test_two_default_offices_are_an_error(extra: Path) -> None:
    text = (
        HEAD
        + '\n[[regions.testland.offices]]\nshort = "甲"\n'
        + '\n[[regions.testland.offices]]\nshort = "乙"\n'
    )
    message = _message(extra, text)
    assert "第 11 行: 地区 testland: 字段 offices[2].short: 只能有一个" in message, message

"""What the applicant is told of the office: each fact from the item's own cell, else the
office's registry entry (which an office fills in for itself, as 四川's guide leaves
办理地点/时间/电话 to each office), else — for the hours — the calendar's sessions; a bad entry
names the file, the line and the field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jingban.calendar import RegistryError, region_profile, registry
from jingban.datafile import DATA_DIR_ENV
from jingban.workflows import load_catalog
from jingban.workflows.office_info import hours_text, office_info

HEAD = """\
[regions.testland]
name = "测试地区"
code = "TL"
overlay = "national"
hours = "sichuan"
"""
OFFICES = """
[[regions.testland.offices]]
short = "测医保经"
address = "测试市人民路1号政务服务中心二楼医保窗口"
hours = "周一至周五 9:00—12:00，13:30—17:30"
phone = "028-12345678"
supervision_phone = "028-12345679"
fee = "不收费"
source = "本机构公示"

[[regions.testland.offices]]
prefix = "测试县"
short = "测县医保经"
address = "测试县府前街8号"
"""


@pytest.fixture
def extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    registry.cache_clear()
    yield tmp_path
    monkeypatch.delenv(DATA_DIR_ENV)
    registry.cache_clear()


def _write(directory: Path, text: str) -> None:
    (directory / "regions.toml").write_text(text, encoding="utf-8")
    registry.cache_clear()


def test_an_office_fills_in_its_own_facts(extra: Path) -> None:
    _write(extra, HEAD + OFFICES)
    own = office_info("testland", "测试市医疗保障事务中心", None)
    assert own.address == "测试市人民路1号政务服务中心二楼医保窗口"
    assert own.hours == "周一至周五 9:00—12:00，13:30—17:30"
    assert (own.phone, own.supervision_phone, own.fee) == (
        "028-12345678",
        "028-12345679",
        "不收费",
    )
    county = office_info("testland", "测试县医疗保障服务中心", None)
    assert county.address == "测试县府前街8号"
    # What the county's entry leaves out is not borrowed from another office.
    assert county.phone is None and county.fee is None
    assert county.hours == hours_text(region_profile("testland").hours)


@pytest.mark.parametrize(
    ("line", "field"),
    [("hours = 9", "offices[1].hours"), ('fees = "不收费"', "offices[1].fees")],
)
def test_a_bad_office_fact_names_the_file_line_and_field(
    extra: Path, line: str, field: str
) -> None:
    _write(extra, HEAD + f'\n[[regions.testland.offices]]\nshort = "测医保经"\n{line}\n')
    with pytest.raises(RegistryError) as caught:
        registry()
    message = caught.value.message
    assert message.startswith(f"{extra / 'regions.toml'} 第 9 行: 地区 testland: 字段 {field}")


def test_item_cells_come_first_then_the_calendar_hours() -> None:
    catalog = load_catalog()
    shawan = office_info("shawan", None, catalog.item("shawan", "unit_info_change"))
    assert shawan.fee == "不收费"  # 收费依据及标准
    assert shawan.hours is not None and shawan.hours.startswith(
        "周一至周五 夏季 10:00:00至14:00:00"
    )
    assert shawan.supervision_phone == "0993-6021279"
    # 喀什's guide gives no office facts: the hours are those its calendar counts by.
    kashgar = office_info("kashgar", None, catalog.item("kashgar", "prenatal_exam_payment"))
    assert kashgar.hours == "工作日 10:00—14:00、16:00—20:00 (法定节假日除外)"
    assert kashgar.address is None and kashgar.fee is None
    sichuan = office_info("sichuan", None, None)
    assert sichuan.hours is not None and "夏季(5月1日起) 09:00—12:00、14:30—18:00" in sichuan.hours
    assert sichuan.name == "四川省医疗保障经办机构"
    assert "review_body" not in sichuan.public()

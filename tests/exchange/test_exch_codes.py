"""The 统一社会信用代码 check (GB 32100-2015) and the 实施编码 data, validated like the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from exchange_support import CREDIT, write_codes

from jingban.engine.credit_code import check_character, credit_code_problem, valid_credit_code
from jingban.storage.exchange_codes import load_codes, parse_codes
from jingban.workflows import CatalogError, load_catalog


def test_credit_codes_are_checked_by_their_check_character() -> None:
    # The worked example of GB 32100-2015, and a code a business licence prints.
    assert valid_credit_code("91350100M000100Y43")
    assert valid_credit_code("91110000100010433L")
    assert valid_credit_code(CREDIT)
    assert not valid_credit_code("91350100M000100Y44")  # one character changed
    assert not valid_credit_code("91350100M000100Y4")  # seventeen characters
    assert not valid_credit_code("91350100M000100I43")  # I is not in the alphabet
    assert valid_credit_code("91350100m000100Y43")  # typed in lower case at the counter
    assert credit_code_problem("91350100m000100Y43") is not None  # not in a data file
    assert not valid_credit_code("913A0100M000100Y43")  # the region part is not digits
    assert check_character("91350100M000100Y4") == "3"
    assert "应为 3" in (credit_code_problem("91350100M000100Y44") or "")
    assert credit_code_problem(CREDIT) is None
    # Every single-character change of a valid code is caught.
    for i in range(17):
        for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            if c != CREDIT[i] and (i not in range(2, 8) or c.isdigit()):
                assert not valid_credit_code(CREDIT[:i] + c + CREDIT[i + 1 :])


def test_the_packaged_data_loads_and_gives_the_bingtuan_items_their_codes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JINGBAN_DATA_DIR")
    catalog = load_catalog()
    codes = load_codes(catalog)
    item = catalog.regions["bingtuan"].item("unit_registration")
    found = codes.for_case("bingtuan", None, item.key, item.code)
    assert (found.basic_code, found.credit_code) == ("002036001001", None)
    assert found.missing() == ["行政区划代码", "实施主体统一社会信用代码"]
    assert codes.for_case("kashgar", None, "x", None).division == "653100"


def test_an_office_entry_overrides_its_region(tmp_path: Path) -> None:
    other = "12653100MB0009876" + check_character("12653100MB0009876")
    extra = f'[[regions.kashgar.offices]]\nprefix = "喀什市"\ncredit_code = "{other}"\n'
    path = write_codes(tmp_path, extra)
    codes = parse_codes(path.name, path.read_bytes(), load_catalog())
    assert codes.for_case("kashgar", "喀什市医疗保障局", "x", None).credit_code == other
    assert codes.for_case("kashgar", "疏附县医疗保障局", "x", None).credit_code == CREDIT
    assert codes.for_case("kashgar", None, "x", None).platform_case_no("KS-1") == f"{CREDIT}-KS-1"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[regions.kashgar]\ncredit_code = "91350100M000100Y44"\n',
            "第 2 行: 字段 regions.kashgar.credit_code: 统一社会信用代码 '91350100M000100Y44'",
        ),
        ('[regions.kashgar]\ndivision = "65310"\n', "行政区划代码应为 6 位数字"),
        ('[regions.atlantis]\ndivision = "653100"\n', "没有地区 'atlantis'"),
        (
            '[regions.kashgar.items.no_such_item]\nimplementation = "1165310000000000001"\n',
            "没有事项 'no_such_item'",
        ),
        (
            '[regions.bingtuan.items.unit_registration]\nbasic = "002036001009"\n',
            "与事项目录中的编码 002036001001 不一致",
        ),
        ('[regions.kashgar]\ncredit = "x"\n', "credit"),
        ("[regions.kashgar\n", "TOML 语法错误"),
    ],
)
def test_a_mistake_is_refused_naming_its_field(body: str, expected: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_codes("exchange.toml", body.encode(), load_catalog())
    assert expected in caught.value.message
    assert caught.value.message.startswith("exchange.toml")

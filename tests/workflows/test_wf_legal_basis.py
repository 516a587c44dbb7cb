"""The legal basis in data: every notice of a 社会保险经办 item cites the 社会保险经办条例 (and the
item's own 设定依据), a licence item cites the 行政许可法, and a bad file names its line."""

from __future__ import annotations

import pytest

from jingban.workflows import load_catalog
from jingban.workflows.actions import NOTICES
from jingban.workflows.legal_basis import LegalBasisError, legal_basis, load_legal_basis
from jingban.workflows.model import Item

PACKAGED = legal_basis()


def _item(region: str, key: str) -> Item:
    return load_catalog().item(region, key)


@pytest.mark.parametrize("kind", sorted(NOTICES))
def test_every_notice_of_a_service_item_cites_the_jingban_regulation(kind: str) -> None:
    basis = PACKAGED.for_notice(kind, _item("shawan", "prenatal_exam_payment"))
    assert not basis.licence
    assert basis.rules, kind
    assert "《社会保险经办条例》（国务院令第765号）" in basis.cited
    assert "行政许可法" not in basis.cited
    assert all(c.source.startswith("国务院，国务院令第765号，2023年8月16日") for c in basis.rules)


def test_an_item_with_a_legal_basis_in_its_guide_cites_it_first() -> None:
    item = _item("bingtuan", "unit_registration")
    basis = PACKAGED.for_notice("refuse", item, rights=True)
    assert basis.item_basis == item.legal_basis
    assert basis.item_basis[0] == "《中华人民共和国社会保险法》第五十七条"
    laws = {c.law: c for c in basis.rights}
    assert laws["review"].period == "六十日"
    assert laws["review"].article is None  # the 2023 text's article is not checked here
    assert laws["litigation"].cited == "《中华人民共和国行政诉讼法》第四十六条"
    assert laws["litigation"].period == "六个月"


def test_no_catalog_item_is_a_licence() -> None:
    catalog = load_catalog()
    for region in catalog.regions.values():
        assert not any(PACKAGED.is_licence(item) for item in region.items)


def _with_licence(text: bytes) -> bytes:
    return text.replace(
        b"licence_items = {}", b'licence_items = { shawan = ["prenatal_exam_payment"] }'
    )


def test_a_licence_item_cites_the_administrative_licensing_law() -> None:
    from importlib import resources

    data = (
        resources.files("jingban.workflows")
        .joinpath("data", "notices", "legal_basis.toml")
        .read_bytes()
    )
    basis = load_legal_basis("legal_basis.toml", _with_licence(data))
    item = _item("shawan", "prenatal_exam_payment")
    expected = {
        "supplement": "《中华人民共和国行政许可法》第三十二条",
        "refuse": "《中华人民共和国行政许可法》第三十二条",
        "suspend": "《中华人民共和国行政许可法》第四十五条",
        "extend": "《中华人民共和国行政许可法》第四十二条",
    }
    for kind, cited in expected.items():
        found = basis.for_notice(kind, item)
        assert found.licence and found.cited == cited
        assert "社会保险经办条例" not in found.cited


def test_a_citation_of_an_unknown_law_names_the_file_and_line() -> None:
    text = """
[laws.jingban]
title = "《社会保险经办条例》"
issuer = "国务院"
date = 2023-08-16

[[citations]]
notice = "accept"
items = "service"
law = "no_such_law"
text = "…"
"""
    with pytest.raises(LegalBasisError) as error:
        load_legal_basis("legal_basis.toml", text.encode())
    assert "legal_basis.toml 第 10 行" in error.value.message
    assert "未知法律“no_such_law”" in error.value.message


def test_a_bad_field_names_the_file_and_line() -> None:
    text = """
[laws.jingban]
title = "《社会保险经办条例》"
issuer = "国务院"
date = 2023-08-16

[[citations]]
notice = "approve"
items = "service"
law = "jingban"
text = "…"
"""
    with pytest.raises(LegalBasisError) as error:
        load_legal_basis("legal_basis.toml", text.encode())
    message = error.value.message
    assert message.startswith("legal_basis.toml 第 8 行: 字段 citations[1].notice"), message

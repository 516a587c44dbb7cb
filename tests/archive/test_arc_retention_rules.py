"""The retention data: every packaged term names its source, names only real items, and a
bad file is refused with the file, line and field; region rules come before national ones."""

from __future__ import annotations

import datetime as dt

import pytest

from jingban.workflows import load_catalog
from jingban.workflows.retention import RetentionError, expires_on, load_retention, retention

SOURCE = """
[sources.rsb_3]
title = "《社会保险业务档案管理规定（试行）》"
issuer = "人力资源社会保障部、国家档案局"
document = "人力资源社会保障部 国家档案局令第3号"
date = 2009-07-23

[sources.local]
title = "《某地医疗保障业务档案管理细则》"
issuer = "某地医疗保障局"
date = 2024-01-01

[default]
term = "永久"
source = "rsb_3"
clause = "从严"

[[rules]]
items = ["outpatient_reimbursement"]
term = "10年"
source = "rsb_3"
clause = "门诊待遇核定材料"
"""


def test_the_packaged_terms_name_their_sources() -> None:
    rules = retention()
    outpatient = rules.of("sichuan", "outpatient_reimbursement")
    assert (outpatient.term, outpatient.years) == ("10年", 10)
    assert "国家档案局令第3号" in outpatient.source
    assert "门诊待遇核定材料" in outpatient.clause
    assert rules.of("bingtuan", "unit_registration").permanent
    assert rules.of("kashgar", "employee_registration").years == 100
    assert rules.of("shawan", "maternity_allowance").years == 10
    unnamed = rules.of("tacheng", "inpatient_reimbursement")
    assert unnamed.permanent and "从严按永久保管" in unnamed.clause


def test_every_item_a_rule_names_is_an_item_of_the_catalog() -> None:
    catalog = load_catalog()
    keys = {item.key for key in catalog.regions for item in catalog.region(key).items}
    rules = retention()
    assert set(rules.items) <= keys
    assert {key for _, key in rules.region_items} <= keys


def test_the_term_counts_from_the_first_of_january_after_closing() -> None:
    assert expires_on(dt.date(2026, 1, 1), 10) == dt.date(2037, 1, 1)
    assert expires_on(dt.date(2026, 12, 31), 10) == dt.date(2037, 1, 1)
    assert expires_on(dt.date(2027, 1, 1), 30) == dt.date(2058, 1, 1)
    assert expires_on(dt.date(2026, 6, 1), None) is None


def test_a_region_rule_and_default_come_before_the_national_ones() -> None:
    text = (
        SOURCE
        + """
[regions.kashgar.default]
term = "30年"
source = "local"
clause = "本地默认"

[[regions.kashgar.rules]]
items = ["unit_registration"]
term = "50年"
source = "local"
clause = "本地单位登记"
"""
    )
    rules = load_retention("retention.toml", text.encode())
    assert rules.of("kashgar", "unit_registration").term == "50年"
    assert rules.of("kashgar", "outpatient_reimbursement").term == "30年"
    assert rules.of("kashgar", "outpatient_reimbursement").source.startswith("《某地医疗保障")
    assert rules.of("sichuan", "outpatient_reimbursement").term == "10年"
    assert rules.of("sichuan", "unit_registration").term == "永久"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (('term = "10年"', 'term = "20年"'), r"第 20 行: 字段 rules\[1\]\.term: “20年”不是可用值"),
        (
            ('source = "rsb_3"\nclause = "门诊', 'source = "nobody"\nclause = "门诊'),
            "未知依据“nobody”",
        ),
        (
            (
                'items = ["outpatient_reimbursement"]',
                'items = ["outpatient_reimbursement", "outpatient_reimbursement"]',
            ),
            "已在前面的规则中给出期限",
        ),
        (('clause = "从严"', 'clause = "从严"\nyears = 3'), r"字段 default\.years"),
    ],
)
def test_a_bad_file_is_refused_with_its_line_and_field(change: tuple[str, str], words: str) -> None:
    text = SOURCE.replace(*change)
    assert text != SOURCE
    with pytest.raises(RetentionError, match=words):
        load_retention("retention.toml", text.encode())


def test_an_unknown_region_is_refused() -> None:
    text = SOURCE + '\n[regions.hami.default]\nterm = "10年"\nsource = "local"\nclause = "x"\n'
    with pytest.raises(RetentionError, match="未知地区“hami”"):
        load_retention("retention.toml", text.encode())

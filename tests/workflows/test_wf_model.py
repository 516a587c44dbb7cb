"""Item terms, materials and lookups by key or name."""

from __future__ import annotations

import pytest

from jingban.errors import BadInput
from jingban.workflows import (
    CatalogError,
    FrozenMap,
    Limit,
    UnknownItem,
    load_catalog,
)


def test_channel_variant_changes_limit_only_online() -> None:
    item = load_catalog().item("kashgar", "relocated_retiree_filing")
    window = item.terms()
    assert window.variant is None
    assert window.statutory == window.promised == Limit(0, "instant")
    online = item.terms(channel="online")
    assert online.statutory == online.promised == Limit(2, "working_days")
    assert online.stages == item.stages
    assert online.variant is item.variants[0]
    assert item.terms(channel="window").variant is None
    assert item.terms(channel="app").variant is None


def test_applicant_type_variant_and_default_applicant() -> None:
    item = load_catalog().item("sichuan", "employee_registration")
    assert item.default_applicant_type == "employee"
    assert item.terms().statutory == Limit(3, "working_days")
    assert item.terms(applicant_type="employee").statutory == Limit(3, "working_days")
    flexible = item.terms(applicant_type="flexible", channel="online")
    assert flexible.statutory == Limit(0, "instant")


def test_variant_naming_a_missing_attribute_does_not_match() -> None:
    item = load_catalog().item("kashgar", "prenatal_exam_payment")
    assert item.applicant_types == ()
    assert item.terms(applicant_type="flexible").variant is None
    online = item.terms(channel="online")
    assert online.stages == ("申请", "网上预审", "受理", "审核", "办结")


def test_clock_start_and_promised_limits() -> None:
    assert load_catalog().item("kashgar", "assistance_reimbursement").terms().clock_start == (
        "accepted"
    )
    assert load_catalog().item("kashgar", "unit_registration").clock_start == "received"
    shawan = load_catalog().item("shawan", "hospital_designation")
    assert (shawan.statutory, shawan.promised) == (
        Limit(66, "working_days"),
        Limit(60, "working_days"),
    )


def test_stage_sub_limits_of_bingtuan_transfer() -> None:
    item = load_catalog().item("bingtuan", "transfer_continuation")
    out, into = item.stage_limits
    assert (out.starts, out.ends, out.limit) == ("accepted", "reviewed", Limit(10, "working_days"))
    assert (into.starts, into.ends, into.limit) == (
        "reviewed",
        "completed",
        Limit(5, "working_days"),
    )


def test_materials_by_applicant_type() -> None:
    item = load_catalog().item("kashgar", "employee_registration")
    employee = item.required_materials()
    assert [m.name for m in employee] == [
        "《职工基本医疗保险参保登记表》（加盖单位公章）",
        "参保人员有效身份证件复印件",
    ]
    assert all(m.condition is None and m.required for m in employee)
    flexible = item.required_materials("flexible")
    assert [m.name for m in flexible] == [
        "《职工基本医疗保险参保登记表》",
        "参保人员有效身份证件复印件",
    ]
    assert {m.condition for m in item.conditional_materials()} == {
        "港澳台居民", "外国人", "出国境定居的",
    }  # fmt: skip
    assert item.conditional_materials("flexible") == ()


def test_optional_material_is_neither_required_nor_conditional() -> None:
    item = load_catalog().item("kashgar", "unit_registration")
    names = [m.name for m in item.required_materials()]
    assert "法定代表人及经办人身份证原件或复印件（开通网厅使用备查）" not in names
    assert [m.name for m in item.conditional_materials()] == ["单位开户银行账户信息"]


def test_has_stage_and_payment() -> None:
    assert load_catalog().item("shawan", "maternity_allowance").has_payment
    kashgar = load_catalog().item("kashgar", "maternity_allowance")
    assert not kashgar.has_payment
    assert kashgar.has_stage("审核") and not kashgar.has_stage("拨付")


def test_lookup_by_key_name_and_unique_substring() -> None:
    region = load_catalog().region("kashgar")
    by_key = region.item("inpatient_reimbursement")
    assert region.item("住院费用报销") is by_key
    assert region.item("住院") is by_key
    assert load_catalog().item("kashgar", " 住院费用报销 ") is by_key
    assert load_catalog().region("喀什地区") is region


def test_ambiguous_substring_lists_the_matches() -> None:
    with pytest.raises(UnknownItem) as caught:
        load_catalog().item("kashgar", "报销")
    assert "outpatient_reimbursement" in caught.value.candidates
    assert "inpatient_reimbursement" in caught.value.candidates
    assert "门诊费用报销" in caught.value.message


def test_unknown_item_suggests_close_candidates() -> None:
    with pytest.raises(UnknownItem) as caught:
        load_catalog().item("kashgar", "inpatient_reimbursment")
    assert isinstance(caught.value, BadInput)
    assert caught.value.candidates[0] == "inpatient_reimbursement"
    assert "相近的事项" in caught.value.message


def test_unknown_region_is_bad_input() -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog().region("hami")
    assert isinstance(caught.value, BadInput)
    assert "kashgar" in caught.value.message


def test_definitions_are_frozen_and_hashable() -> None:
    item = load_catalog().item("kashgar", "prenatal_exam_payment")
    assert hash(item) == hash(item)
    assert {item.variants[0]}
    with pytest.raises(AttributeError):
        item.name = "x"  # type: ignore[misc]
    assert FrozenMap({"a": "1"}) == {"a": "1"}
    assert str(Limit(0, "instant")) == "即时办结"
    assert str(Limit(90, "natural_days")) == "90个自然日"
    assert str(Limit(3, "months")) == "3个月"

"""The catalog knows who applies: which items take units, which materials an agent brings,
and the region-wide notes of every guide — the 兵团 list's 说明 1–4, of which 说明 2 (agent)
applies to all 28 items and 说明 3 (bank account) to the items that pay the insured person."""

from __future__ import annotations

from pathlib import Path

import pytest

from jingban.workflows import CatalogError, load_catalog, load_region
from jingban.workflows.definition import decode, digest, encode

GOOD = Path(__file__).parents[1] / "workflows" / "fixtures" / "good.toml"
AGENT_IDS = "委托人及代理人身份证件原件"
AUTHORISATION = "委托人授权委托书"
BANK = "参保人银行账户信息"
PAID_TO_PERSON = {
    "personal_account_withdrawal",
    "outpatient_reimbursement",
    "inpatient_reimbursement",
    "prenatal_exam_payment",
    "maternity_medical_payment",
    "family_planning_payment",
    "maternity_allowance",
    "assistance_reimbursement",
}


def test_bingtuan_keeps_its_four_region_wide_notes() -> None:
    region = load_catalog().region("bingtuan")
    assert len(region.notes) == 4
    assert (
        region.notes[1] == "2.委托办理业务的，应提供委托人及代理人身份证件原件及委托人授权委托书；"
    )
    assert region.notes[2].startswith("3.初次办理手工(零星)报销")
    assert region.notes_lines == (532, 536)


def test_every_bingtuan_item_gets_the_agents_materials_required_only_when_one_acts() -> None:
    region = load_catalog().region("bingtuan")
    assert len(region.items) == 28
    for item in region.items:
        alone = {m.name for m in item.required_materials()}
        acting = {m.name for m in item.required_materials(agent=True)}
        assert acting - alone == {AGENT_IDS, AUTHORISATION}, item.key
        agent_materials = [m for m in item.materials if m.region_note == 2]
        assert [m.condition for m in agent_materials] == ["委托办理业务的"] * 2
        assert {m.name for m in item.conditional_materials(agent=True)}.isdisjoint(
            {AGENT_IDS, AUTHORISATION}
        )


def test_bank_account_information_is_a_condition_of_the_items_that_pay_a_person() -> None:
    region = load_catalog().region("bingtuan")
    with_bank = {i.key for i in region.items if any(m.name == BANK for m in i.materials)}
    assert with_bank == PAID_TO_PERSON
    for key in with_bank:
        item = region.item(key)
        assert item.has_payment
        bank = next(m for m in item.materials if m.name == BANK)
        assert bank.condition is not None and bank.applies_when is None
        assert BANK not in {m.name for m in item.required_materials(agent=True)}
        assert BANK in {m.name for m in item.conditional_materials(agent=True)}


def test_items_own_agent_materials_are_tagged_in_the_other_guides() -> None:
    catalog = load_catalog()
    # 四川 12 "委托办理的，应提供委托人及代理人身份证件原件。"
    sichuan = catalog.item("sichuan", "insured_info_query")
    assert AGENT_IDS in {m.name for m in sichuan.required_materials(agent=True)}
    assert AGENT_IDS not in {m.name for m in sichuan.required_materials()}
    # 喀什 5 "委托他人办理的应提供委托人的社会保障卡或身份证复印件、被委托人…"
    kashgar = catalog.item("kashgar", "employee_info_change")
    extra = {m.name for m in kashgar.required_materials(agent=True)} - {
        m.name for m in kashgar.required_materials()
    }
    assert extra == {
        "委托人的社会保障卡或身份证复印件",
        "被委托人社会保障卡（身份证）或其他有效身份证件复印件",
    }


def test_unit_items_are_data_and_persons_remain_the_default() -> None:
    catalog = load_catalog()
    for region in catalog.regions.values():
        assert region.item("unit_registration").applicant_kinds == ("unit",)
        assert region.item("hospital_settlement").applicant_kinds == ("unit",)
        assert region.item("inpatient_reimbursement").applicant_kinds == ("person",)
    assert catalog.item("kashgar", "employee_registration").applicant_kinds == (
        "person",
        "unit",
    )


def test_definitions_round_trip_and_untouched_items_keep_their_encoding() -> None:
    catalog = load_catalog()
    for region in catalog.regions.values():
        for item in region.items:
            assert decode(encode(item)) == item
    plain = encode(catalog.item("shawan", "insured_info_query"))
    assert "applicant_kinds" not in plain
    assert all("applies_when" not in m and "region_note" not in m for m in plain["materials"])  # type: ignore[union-attr]
    unit = encode(catalog.item("bingtuan", "unit_registration"))
    assert unit["applicant_kinds"] == ["unit"]
    assert digest(catalog.item("bingtuan", "unit_registration")) != digest(
        catalog.item("bingtuan", "employee_registration")
    )


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = GOOD.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "region.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


REGION_HEAD = 'source = "test.txt"\n'


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            REGION_HEAD,
            REGION_HEAD + 'notes = ["1.说明"]\nnotes_lines = [1, 1]\n'
            '[[region.materials]]\nnote = 2\nname = "a"\ncondition = "b"\nitems = "all"\n',
            "区域只有 1 条说明，没有第 2 条",
        ),
        (
            REGION_HEAD,
            REGION_HEAD + 'notes = ["1.说明"]\nnotes_lines = [1, 1]\n'
            '[[region.materials]]\nnote = 1\nname = "a"\ncondition = "b"\nitems = ["nope"]\n',
            "区域没有事项 nope",
        ),
        (REGION_HEAD, REGION_HEAD + 'notes = ["1.说明"]\n', "须给出行范围"),
        (
            'name = "单位参保信息登记表"\n',
            'name = "单位参保信息登记表"\napplies_when = "agent"\n',
            "applies_when 只用于有适用条件",
        ),
        (
            'name = "单位参保登记"\n',
            'name = "单位参保登记"\napplicant_kinds = ["company"]\n',
            "applicant_kinds",
        ),
        (
            'name = "单位参保登记"\n',
            'name = "单位参保登记"\napplicant_kinds = ["unit", "unit"]\n',
            "申请人种类“unit”重复",
        ),
    ],
)
def test_mistakes_in_who_applies_are_named(tmp_path: Path, old: str, new: str, says: str) -> None:
    with pytest.raises(CatalogError) as refused:
        load_region(_variant(tmp_path, old, new))
    assert says in refused.value.message
    assert refused.value.message.startswith("region.toml: ")


def test_a_region_material_is_added_once_to_the_items_it_names(tmp_path: Path) -> None:
    region = load_region(
        _variant(
            tmp_path,
            REGION_HEAD,
            REGION_HEAD + 'notes = ["1.委托办理的，应提供授权书"]\nnotes_lines = [1, 1]\n'
            '[[region.materials]]\nnote = 1\nname = "授权书"\ncondition = "委托办理的"\n'
            'applies_when = "agent"\nitems = ["employee_registration"]\n',
        )
    )
    assert [m.name for m in region.item("unit_registration").materials] == ["单位参保信息登记表"]
    added = region.item("employee_registration").materials[-1]
    assert (added.name, added.region_note, added.applies_when) == ("授权书", 1, "agent")

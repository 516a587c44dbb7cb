"""Either-or materials and the catalog review's fixes.

A material is met by any one of the documents the guide accepts (四川 33's
《中医诊所备案证》; "有效身份证件或医保电子凭证或社会保障卡"), offered in the checklist and the
一次性告知 list. 四川 26/29/30 undertakings say what they replace; 四川 30's 病历资料 is not
enforced; 沙湾 10's seal rule is a note; 兵团 17 has one 个人承诺书 and 兵团 18 the
急诊诊断证明; 塔城 3's 居住证 is conditional. Each value is checked against its line of the
source document by tests/workflows/test_wf_traceability.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from materials_support import APPLICANT_ID
from support import at

from jingban.engine import Engine, MissingMaterials
from jingban.errors import BadInput
from jingban.workflows import load_catalog, load_region
from jingban.workflows.definition import decode, digest, encode
from jingban.workflows.errors import CatalogError

NOW = at("2026-03-02 10:00")
CATALOG = load_catalog()
LICENCE = "《医疗机构执业许可证》副本原件及复印件"
TCM = "《中医诊所备案证》"


def _open(engine: Engine, region: str, item: str, materials: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return engine.open_case(
        case_no="X",
        region=region,
        item=item,
        applicant_name="阿依古丽",
        applicant_id=APPLICANT_ID,
        actor="clerk-li",
        role="clerk",
        now=NOW,
        materials=materials,
    ).case


def _required(region: str, item: str) -> list[str]:
    return [m.name for m in CATALOG.item(region, item).required_materials()]


def test_a_tcm_clinic_is_accepted_on_its_filing_certificate(engine: Engine) -> None:
    others = [n for n in _required("sichuan", "hospital_designation") if n != LICENCE]
    case = _open(engine, "sichuan", "hospital_designation", (*others, "中医诊所备案证"))
    assert TCM in case.materials and LICENCE not in case.materials  # the one shown
    accepted = engine.act(case, "accept", actor="clerk-li", role="clerk", now=NOW)
    assert accepted.case.state == "accepted"
    without = _open(engine, "sichuan", "hospital_designation", tuple(others))
    with pytest.raises(MissingMaterials) as refused:
        engine.act(without, "accept", actor="clerk-li", role="clerk", now=NOW)
    assert refused.value.missing == [LICENCE]
    assert TCM not in [m.name for m in CATALOG.item("sichuan", "hospital_designation").materials]


def test_any_one_identity_document_meets_the_identity_material(engine: Engine) -> None:
    required = _required("bingtuan", "inpatient_reimbursement")
    assert required[0] == "有效身份证件或医保电子凭证或社会保障卡"
    for shown in ("有效身份证件", "医保电子凭证", "社会保障卡"):
        case = _open(engine, "bingtuan", "inpatient_reimbursement", (shown, *required[1:]))
        assert case.materials[0] == shown
        assert engine.act(case, "accept", actor="c", role="clerk", now=NOW).case.state == "accepted"
    with pytest.raises(BadInput, match="不是本事项的材料: 结婚证"):
        _open(engine, "bingtuan", "inpatient_reimbursement", ("结婚证",))


def test_the_notice_and_checklist_labels_offer_the_alternatives() -> None:
    licence = CATALOG.item("sichuan", "hospital_designation").materials[1]
    assert licence.choices == (LICENCE, TCM)
    assert licence.label == f"{LICENCE}（或{TCM}，任选其一）"
    identity = CATALOG.item("bingtuan", "inpatient_reimbursement").materials[0]
    assert identity.label == identity.name  # the name already says 或


def test_sichuan_30_medical_records_are_not_enforced_once_settled_online(engine: Engine) -> None:
    item = CATALOG.item("sichuan", "maternity_allowance")
    records = next(m for m in item.materials if m.name == "病历资料")
    assert records.unless == "产前检查费、生育医疗费、计划生育医疗费已进行联网结算的"
    assert "病历资料" not in _required("sichuan", "maternity_allowance")
    assert records in item.conditional_materials()
    case = _open(
        engine, "sichuan", "maternity_allowance", tuple(_required("sichuan", "maternity_allowance"))
    )
    assert engine.act(case, "accept", actor="c", role="clerk", now=NOW).case.state == "accepted"


@pytest.mark.parametrize(
    ("item", "replaced"),
    [
        (
            "inpatient_reimbursement",
            "交警事故认定书、法院判决书、调解协议书等公检法部门出具的相关证明材料复印件一份",
        ),
        ("family_planning_payment", "医保经办机构如无法通过其他部门获得生育服务证等，由办理人提供"),
        ("maternity_allowance", "医保经办机构如无法通过其他部门获得生育服务证等，由办理人提供"),
    ],
)
def test_sichuan_undertakings_say_what_cannot_be_provided(item: str, replaced: str) -> None:
    (undertaking,) = [m for m in CATALOG.item("sichuan", item).materials if m.name == "个人承诺书"]
    assert undertaking.condition == f"{replaced}，无法提供的"


def test_shawan_10_seal_rule_is_a_note_on_all_materials() -> None:
    item = CATALOG.item("shawan", "hospital_designation")
    assert [m.name for m in item.materials][-1] == "纳入定点后使用医疗保障基金的预测性分析报告"
    assert all("公章" not in m.name for m in item.materials)
    assert item.notes == ("以上办理资料均需加盖单位公章",)
    assert CATALOG.item("shawan", "pharmacy_designation").notes == ("以上办理资料均需加盖单位公章",)


def test_bingtuan_17_has_one_undertaking_and_18_the_emergency_certificate() -> None:
    outpatient = CATALOG.item("bingtuan", "outpatient_reimbursement").materials
    undertakings = [m for m in outpatient if m.name == "个人承诺书"]
    assert len(undertakings) == 1
    assert undertakings[0].condition is not None
    assert undertakings[0].condition.splitlines()[1] == "特殊情况无法提供处方底方的"
    inpatient = CATALOG.item("bingtuan", "inpatient_reimbursement").materials
    (emergency,) = [m for m in inpatient if m.name == "急诊诊断证明"]
    assert emergency.condition == "急诊"


def test_tacheng_3_residence_permit_only_for_non_local_residents() -> None:
    assert "本地有效居住证" not in _required("tacheng", "resident_registration")


def test_a_material_named_twice_is_refused_at_load(tmp_path: Path) -> None:
    source = (Path(load_region.__code__.co_filename).parent / "data" / "bingtuan.toml").read_text(
        encoding="utf-8"
    )
    doubled = source.replace(
        'name = "急诊诊断证明"\ncondition = "急诊"\n',
        'name = "急诊诊断证明"\ncondition = "急诊"\n\n[[items.materials]]\nname = "处方底方"\n',
        1,
    )
    assert doubled != source
    path = tmp_path / "bingtuan.toml"
    path.write_text(doubled, encoding="utf-8")
    with pytest.raises(CatalogError, match="材料“处方底方”重复"):
        load_region(path)


def test_definitions_keep_alternatives_and_unchanged_items_their_digest() -> None:
    item = CATALOG.item("sichuan", "hospital_designation")
    assert decode(encode(item)) == item
    plain = CATALOG.item("tacheng", "unit_registration")
    encoded = encode(plain)
    assert all("alternatives" not in m and "unless" not in m for m in encoded["materials"])  # type: ignore[union-attr]
    assert digest(decode(encoded)) == digest(plain)

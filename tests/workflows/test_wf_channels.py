"""The channels a case of an item may be registered under, from its guide: 网上办理 only
(沙湾 3, 10, 16; 塔城 27, 28) refuses the window; 喀什 19–22 take online only 跨省办理."""

from __future__ import annotations

from jingban.workflows import load_catalog
from jingban.workflows.channels import case_channels, channel_problem
from jingban.workflows.definition import decode, digest, encode

CROSS = frozenset({"cross_province"})


def test_online_only_items_are_exactly_those_whose_guide_lists_only_online() -> None:
    catalog = load_catalog()
    online_only = sorted(
        (region.key, item.seq)
        for region in catalog.regions.values()
        for item in region.items
        if case_channels(item) == ("online",)
    )
    assert online_only == [
        ("shawan", 3),
        ("shawan", 10),
        ("shawan", 16),
        ("tacheng", 27),
        ("tacheng", 28),
    ]
    item = catalog.item("shawan", "hospital_designation")
    assert item.channels_text == "网上办理"
    assert channel_problem(item, "window") == (
        "「医疗机构申请定点协议管理」只能网上办理 (办理渠道: 网上办理)，不能窗口登记"
    )
    assert channel_problem(item, "online") is None


def test_items_without_an_online_channel_refuse_online() -> None:
    catalog = load_catalog()
    window_only = [
        item
        for region in catalog.regions.values()
        for item in region.items
        if case_channels(item) == ("window",)
    ]
    assert window_only, "some items have no online channel"
    assert channel_problem(window_only[0], "online") == f"「{window_only[0].name}」不支持网上办理"


def test_kashgar_maternity_items_take_online_only_cross_province_cases() -> None:
    catalog = load_catalog()
    scoped = sorted(
        (region.key, item.seq, dict(item.channel_scopes))
        for region in catalog.regions.values()
        for item in region.items
        if item.channel_scopes
    )
    assert scoped == [("kashgar", seq, {"online": "cross_province"}) for seq in (19, 20, 21, 22)]
    for seq_item in catalog.region("kashgar").items:
        if seq_item.channel_scopes:
            assert "通过线上渠道办理（仅支持跨省办理）" in (seq_item.stages_text or "")
    item = catalog.item("kashgar", "prenatal_exam_payment")
    problem = channel_problem(item, "online")
    assert problem is not None and "网上办理仅支持跨省办理" in problem
    assert channel_problem(item, "online", CROSS) is None
    assert channel_problem(item, "window") is None  # the counter takes every case


def test_scopes_are_part_of_the_definition_and_absent_elsewhere() -> None:
    catalog = load_catalog()
    scoped = catalog.item("kashgar", "prenatal_exam_payment")
    assert decode(encode(scoped)) == scoped
    assert encode(scoped)["channel_scopes"] == {"online": "cross_province"}
    plain = catalog.item("kashgar", "inpatient_reimbursement")
    assert "channel_scopes" not in encode(plain)  # versions of other items are unchanged
    assert decode(encode(plain)) == plain and digest(decode(encode(plain))) == digest(plain)

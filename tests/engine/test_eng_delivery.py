"""送达: the result of an ended case reaches the applicant, and by when it must have.

Expected dues counted by hand on the 2026 calendar (春节 02-15..02-23 with 调休上班
Saturdays 02-14 and 02-28; 国庆 10-01..10-07 with 调休上班 Saturday 10-10; Xinjiang's
古尔邦节 05-27..29). Sichuan offices close at 17:30 in winter, Xinjiang's at 20:00.
"""

from __future__ import annotations

import pytest
from engine_support import (
    CLERK,
    REVIEWER,
    SUPERVISOR,
    act,
    at,
    calendar,
    close,
    make_engine,
    open_case,
)

from jingban.engine import Case, Engine
from jingban.engine.delivery import delivery_json, public_delivery
from jingban.engine.present import case_detail
from jingban.engine.replay import replay
from jingban.errors import BadInput, NotAllowed
from jingban.workflows import load_catalog

SC_ITEM = ("sichuan", "unit_info_change")  # 申请—受理—审核—办结
SW_ITEM = ("shawan", "unit_info_change")


def _completed(eng: Engine, key: tuple[str, str], done: str, *, deny: bool = False) -> Case:
    """A case of ``key`` accepted and approved (or denied) the same morning, completed at
    ``done`` (Beijing time)."""
    day = done[:10]
    case = open_case(eng, key[0], key[1], now=at(f"{day} 09:00")).case
    case = act(eng, case, "accept", CLERK, at(f"{day} 09:10")).case
    if deny:
        return act(eng, case, "deny", REVIEWER, at(done), reason="不符合条件").case
    case = act(eng, case, "approve", REVIEWER, at(f"{day} 09:20")).case
    while case.state != "completed":
        case = act(eng, case, "advance", SUPERVISOR, at(done)).case
    return case


def test_completion_before_the_make_up_saturday_counts_it() -> None:
    # Completed Friday 10-09: 10-10 Sat 调休上班 = 1, 10-12 = 2, 10-13 = 3, 10-14 = 4,
    # 10-15 = 5 → due Thursday 10-15 at 17:30 (winter).
    case = _completed(make_engine(), SC_ITEM, "2026-10-09 10:00")
    assert case.delivery_due == close("2026-10-15", 17, 30)


def test_completion_before_the_spring_festival_skips_it() -> None:
    # Completed Friday 02-13: 02-14 Sat 调休上班 = 1, 02-15..23 春节, 02-24 = 2, 02-25 = 3,
    # 02-26 = 4, 02-27 = 5 → due Friday 02-27 at 17:30.
    case = _completed(make_engine(), SC_ITEM, "2026-02-13 10:00")
    assert case.delivery_due == close("2026-02-27", 17, 30)


def test_a_xinjiang_completion_skips_the_regional_holiday() -> None:
    # Completed Tuesday 05-26 in 沙湾: 05-27..29 古尔邦节, weekend, 06-01 = 1 … 06-05 = 5.
    case = _completed(make_engine(), SW_ITEM, "2026-05-26 11:00")
    assert case.state == "completed"
    assert case.delivery_due == close("2026-06-05")


def test_a_completion_after_office_close_counts_from_the_next_working_day() -> None:
    # Completed Friday 10-09 at 19:00 (closed): counted as received at the opening of
    # Saturday 10-10 (调休上班), which itself does not count: 10-12 … 10-16 → 10-16 17:30.
    case = _completed(make_engine(), SC_ITEM, "2026-10-09 19:00")
    assert case.delivery_due == close("2026-10-16", 17, 30)


def test_refusals_and_denials_await_delivery_withdrawals_do_not() -> None:
    eng = make_engine()
    denied = _completed(eng, SC_ITEM, "2026-10-09 10:00", deny=True)
    assert (denied.outcome, denied.delivery_due) == ("denied", close("2026-10-15", 17, 30))
    opened = open_case(eng, *SC_ITEM, now=at("2026-10-09 09:00")).case
    refused = act(eng, opened, "not_accept", CLERK, at("2026-10-09 10:00"), reason="不属于本机构")
    assert refused.case.delivery_due == close("2026-10-15", 17, 30)
    assert refused.event.payload["dues"]["delivery"] == [None, close("2026-10-15", 17, 30)]
    withdrawn = act(eng, opened, "withdraw", CLERK, at("2026-10-09 10:00")).case
    assert withdrawn.delivery_due is None
    with pytest.raises(NotAllowed, match="不能「送达」"):
        act(eng, withdrawn, "deliver", CLERK, at("2026-10-09 11:00"), method="window")
    assert eng.available_actions(withdrawn, "clerk") == ["reissue_code"]


def test_an_open_case_has_nothing_to_deliver() -> None:
    eng = make_engine()
    case = open_case(eng, *SC_ITEM, now=at("2026-10-09 09:00")).case
    assert "deliver" not in eng.available_actions(case, "clerk")
    with pytest.raises(NotAllowed, match="只有已办结、不予受理的办件才能「送达」"):
        act(eng, case, "deliver", CLERK, at("2026-10-09 10:00"), method="window")


def test_delivery_by_post_records_carrier_and_number_and_clears_the_due() -> None:
    eng = make_engine()
    case = _completed(eng, SC_ITEM, "2026-10-09 10:00")
    assert eng.available_actions(case, "clerk") == ["reissue_code", "deliver"]
    done = act(
        eng,
        case,
        "deliver",
        CLERK,
        at("2026-10-12 15:00"),
        method="post",
        tracking=" EMS  1187654321098 ",
    )
    assert done.case.state == "completed" and done.case.delivery_due is None
    payload = done.event.payload
    assert (payload["method"], payload["carrier"], payload["tracking_no"]) == (
        "post",
        "EMS",
        "1187654321098",
    )
    assert payload["dues"] == {"delivery": [close("2026-10-15", 17, 30), None]}
    history = [done.event]
    shown = delivery_json(done.case, history)
    assert shown is not None and shown["delivered"] is True and shown["due"] is None
    assert shown["method_label"] == "邮寄送达" and shown["at"] == "2026-10-12T15:00:00+08:00"
    assert public_delivery(history) == {
        "date": "2026-10-12",
        "method": "post",
        "method_label": "邮寄送达",
        "carrier": "EMS",
        "tracking_no": "1187654321098",
    }
    # A second delivery (the parcel came back) is recorded beside the first.
    again = act(eng, done.case, "deliver", CLERK, at("2026-10-20 10:00"), method="window").case
    assert again.delivery_due is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "必须选择送达方式"),
        ({"method": "fax"}, "未知的送达方式"),
        ({"method": "post"}, "邮寄送达须填写承运商和运单号"),
        ({"method": "post", "tracking": "1187654321098"}, "邮寄送达须填写承运商和运单号"),
        ({"method": "window", "tracking": "EMS 1187654321098"}, "窗口领取不填写运单号"),
        ({"method": "electronic", "tracking": "x" * 61}, "过长"),
    ],
)
def test_bad_delivery_input_is_refused_and_changes_nothing(
    params: dict[str, str], message: str
) -> None:
    eng = make_engine()
    case = _completed(eng, SC_ITEM, "2026-10-09 10:00")
    with pytest.raises(BadInput, match=message):
        act(eng, case, "deliver", CLERK, at("2026-10-12 15:00"), **params)
    assert case.delivery_due == close("2026-10-15", 17, 30)


def test_an_electronic_delivery_keeps_where_it_went() -> None:
    eng = make_engine()
    case = _completed(eng, SC_ITEM, "2026-10-09 10:00")
    done = act(
        eng,
        case,
        "deliver",
        CLERK,
        at("2026-10-09 16:00"),
        method="electronic",
        tracking="四川医保公共服务平台个人账户",
    )
    assert done.event.payload["reference"] == "四川医保公共服务平台个人账户"
    assert "carrier" not in done.event.payload


def test_no_watch_when_configured_off() -> None:
    eng = Engine(load_catalog(), calendar, delivery_days=0)
    case = _completed(eng, SC_ITEM, "2026-10-09 10:00")
    assert case.delivery_due is None
    assert delivery_json(case, []) is None


def test_the_chain_replayed_gives_the_delivery_due() -> None:
    eng = make_engine()
    opened = open_case(eng, *SC_ITEM, now=at("2026-10-09 09:00"))
    events = [opened.event]
    case = opened.case
    for action, who, when in (
        ("accept", CLERK, "09:10"),
        ("approve", REVIEWER, "09:20"),
        ("complete", REVIEWER, "10:00"),
    ):
        result = act(eng, case, action, who, at(f"2026-10-09 {when}"))
        case = result.case
        events.append(result.event)
    assert case.delivery_due is not None
    assert replay(events).dues["delivery"] == case.delivery_due
    delivered = act(eng, case, "deliver", CLERK, at("2026-10-12 09:00"), method="window")
    assert replay([*events, delivered.event]).dues["delivery"] is None
    detail = case_detail(delivered.case, [*events, delivered.event])
    assert detail["delivery_due"] is None
    assert isinstance(detail["delivery"], dict) and detail["delivery"]["method"] == "window"

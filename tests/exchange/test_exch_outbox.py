"""Every action the platform is told about writes its event in the action's own unit, with
its idempotency key, its place in the case and the fields of docs/exchange.md."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from exchange_support import (
    APPLICANT_ID,
    CLERK,
    REVIEWER,
    SUPERVISOR,
    act,
    open_case,
    rows,
    services_on,
)

from jingban.calendar import BEIJING, WorkCalendar
from jingban.errors import NotAllowed
from jingban.storage.exchange_events import EVENT_KINDS, event_key, event_kind, sent_payload
from jingban.workflows.actions import ACTIONS


def _adjusted_sunday(year: int) -> dt.date:
    """The first Sunday of ``year`` that the State Council made a working day (调休)."""
    cal = WorkCalendar.for_region("kashgar")
    day = dt.date(year, 1, 1)
    while not (day.weekday() == 6 and cal.is_working_day(day)):
        day += dt.timedelta(days=1)
    return day


SUNDAY = _adjusted_sunday(2026)
AT = dt.datetime.combine(SUNDAY, dt.time(10, 30), BEIJING).astimezone(dt.UTC)


def _events(services, case_no: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The case's event rows, each with the ``document`` its stored payload sends."""
    found = rows(
        services, "SELECT * FROM exchange_events WHERE case_no = :n ORDER BY seq", n=case_no
    )
    return [
        {**r, "event_key": event_key(r["case_no"], r["seq"]), "document": sent_payload(r)}
        for r in found
    ]


def test_the_map_names_only_actions_that_exist_or_are_still_to_come() -> None:
    assert set(EVENT_KINDS) <= set(ACTIONS)  # 送达 (deliver) included
    assert event_kind("approve", "completed").key == "complete"
    assert event_kind("approve", "reviewed") is None
    assert event_kind("reassign", "accepted") is None


def test_a_case_writes_one_event_per_reported_action_in_order(db_url: str) -> None:
    with services_on(db_url) as services:
        no = open_case(services, AT)
        step = AT
        for action, who, params in [
            ("accept", CLERK, {}),
            ("suspend", REVIEWER, {"procedure": "专家评审", "days": 5, "reason": "需专家评审"}),
            ("resume", REVIEWER, {"reason": "评审完毕"}),
            ("extend", SUPERVISOR, {"days": 10, "reason": "情况复杂，经负责人批准延期"}),
            ("approve", REVIEWER, {}),  # 审核通过: not an event of the platform's
        ]:
            step += dt.timedelta(minutes=7)
            act(services, no, action, who, step, **params)
        found = _events(services, no)
    kinds = [(e["seq"], e["kind"]) for e in found]
    assert kinds == [
        (1, "receive"),
        (2, "accept"),
        (3, "special_procedure"),
        (4, "special_procedure_result"),
        (5, "extend"),
    ]
    assert [e["event_key"] for e in found] == [f"jingban-{no}-{s}" for s, _ in kinds]
    assert {e["status"] for e in found} == {"pending"}
    payloads = [e["document"] for e in found]
    accept = payloads[1]
    assert accept["format"] == "jingban.exchange/1"
    assert (accept["kind_label"], accept["state"], accept["state_label"]) == (
        "受理",
        "accepted",
        "已受理",
    )
    assert accept["notice_no"]  # the number of its 受理通知书, taken in the same unit
    assert accept["accepted_at"].endswith("+08:00") and accept["promised_due"]
    assert accept["applicant"]["id_masked"] == APPLICANT_ID[:6] + "********" + APPLICANT_ID[-4:]
    assert (
        accept["applicant"]["name_masked"].startswith("买")
        and "*" in accept["applicant"]["name_masked"]
    )
    assert accept["promised_limit"] and accept["statutory_limit"]
    assert payloads[2]["procedure"] == "专家评审"
    assert payloads[4]["extension_days"] == 10
    for e in found:
        assert APPLICANT_ID not in e["payload"]  # never the whole number


def test_completion_carries_its_outcome_and_refusals_write_nothing(db_url: str) -> None:
    with services_on(db_url) as services:
        no = open_case(services, AT)
        act(services, no, "accept", CLERK, AT + dt.timedelta(minutes=1))
        with pytest.raises(NotAllowed):
            act(services, no, "pay", CLERK, AT + dt.timedelta(minutes=2))
        act(services, no, "deny", REVIEWER, AT + dt.timedelta(minutes=3), reason="不符合报销条件")
        found = _events(services, no)
        state = services.cases.get(no).state
    last = found[-1]["document"]
    assert [e["kind"] for e in found] == ["receive", "accept", "complete"]
    assert (state, last["outcome"], last["outcome_label"]) == ("completed", "denied", "不予批准")
    assert last["reason"] == "不符合报销条件" and last["completed_at"]


def test_not_accepted_and_withdrawn_cases_report_their_end(db_url: str) -> None:
    with services_on(db_url) as services:
        first = open_case(services, AT)
        act(services, first, "not_accept", CLERK, AT, reason="不属于本机构受理范围")
        second = open_case(services, AT, all_materials=False)
        act(services, second, "request_supplement", CLERK, AT, reason="缺少发票原件")
        act(services, second, "supplement", CLERK, AT + dt.timedelta(hours=1))
        act(services, second, "withdraw", CLERK, AT + dt.timedelta(hours=2), reason="申请人撤回")
        one, two = _events(services, first), _events(services, second)
    assert [e["kind"] for e in one] == ["receive", "not_accept"]
    assert one[1]["document"]["notice_no"]  # 不予受理通知书's number
    assert [e["kind"] for e in two] == [
        "receive",
        "supplement_notice",
        "supplement_accept",
        "withdraw",
    ]


def test_a_bingtuan_event_carries_the_guides_item_codes(db_url: str) -> None:
    with services_on(db_url) as services:
        opened = services.cases.open(
            now=AT,
            region="bingtuan",
            item="unit_registration",
            applicant_name="石河子某某有限公司",
            applicant_id=APPLICANT_ID,
            actor=CLERK[0],
            role=CLERK[1],
            all_materials=True,
        )
        (event,) = _events(services, opened.case.case_no)
    payload = event["document"]
    # 003_725cb60817f17af5.txt: 单位参保登记, 主项编码 00203600100Y, 子项编码 002036001001.
    assert (payload["main_item_code"], payload["basic_code"]) == ("00203600100Y", "002036001001")


def test_the_stored_form_sends_exactly_the_event_decided(db_url: str, monkeypatch) -> None:
    """Each row's compact payload turns back into the very event the effect decided, key for
    key; a payload stored whole (before the compact form) is sent as it was stored."""
    from jingban.storage.exchange_events import ExchangeEffect

    decided: list[dict] = []
    payload = ExchangeEffect.payload

    def recording(self, written, kind):  # type: ignore[no-untyped-def]
        found = payload(self, written, kind)
        decided.append(found)
        return found

    monkeypatch.setattr(ExchangeEffect, "payload", recording)
    with services_on(db_url) as services:
        no = open_case(services, AT)
        step = AT
        for action, who, params in [
            ("accept", CLERK, {}),
            ("suspend", REVIEWER, {"procedure": "专家评审", "days": 5, "reason": "需专家评审"}),
            ("resume", REVIEWER, {"reason": "评审完毕"}),
            ("extend", SUPERVISOR, {"days": 10, "reason": "情况复杂，经负责人批准延期"}),
            ("deny", REVIEWER, {"reason": "不符合报销条件"}),
        ]:
            step += dt.timedelta(minutes=7)
            act(services, no, action, who, step, **params)
        found = _events(services, no)
    assert [e["document"] for e in found] == decided and len(decided) == 6
    assert all(
        len(e["payload"]) < len(json.dumps(e["document"], ensure_ascii=False)) / 2 for e in found
    )
    whole = {**found[1], "payload": json.dumps(decided[1], ensure_ascii=False, sort_keys=True)}
    assert sent_payload(whole) == decided[1]

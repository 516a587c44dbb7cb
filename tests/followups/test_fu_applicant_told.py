"""The applicant is told of what the follow-up run does on its own: a supplement that lapses
(逾期未补正，视为撤回) is an action of the system, and like every milestone it records the
applicant's text message in the action's own unit — once, however often the run repeats."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fu_support import CLERK, act, open_case, services_on
from support import at

from jingban.scheduler.followups import run_followups
from jingban.services import Services

PHONE = "13812345678"


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as built:
        yield built


def test_a_lapse_tells_the_applicant_once(services: Services) -> None:
    # The notice goes out the day before 春节 2027's holiday (Fri 5 Feb 2027); 3 working days
    # later is after the holiday, so nothing lapses during it.
    received = at("2027-02-05 10:00")
    case_no = open_case(
        services, "sichuan", "inpatient_reimbursement", received, all_materials=False, phone=PHONE
    )
    act(services, case_no, "request_supplement", CLERK, received, days=3, reason="急需")
    due = services.cases.get(case_no).supplement_due
    assert due is not None and due.date().isoformat() > "2027-02-15"
    assert run_followups(services, at("2027-02-12 10:00"), remind_days=0).lapsed == []
    lapsed = run_followups(services, due.replace(minute=due.minute + 1), remind_days=0)
    assert lapsed.lapsed == [case_no]
    assert run_followups(services, due.replace(hour=23), remind_days=0).lapsed == []
    told = [m for m in services.applicant_messages.messages(case_no) if m["kind"] == "lapse"]
    assert len(told) == 1
    text = told[0]["text"]
    assert case_no in text and "视为撤回" in text
    assert PHONE not in text and "张三" not in text
    # no gateway is configured in the tests: recorded, not sent, nothing failed
    assert told[0]["status"] == "not_sent"


def test_a_reminder_before_the_deadline_is_a_text_message_once(services: Services) -> None:
    # Wed 16 Sept 2026, 3 working days: the deadline is the 调休 Sunday 20 Sept, 18:00; one
    # working day before, the reminder is due from Friday 18 Sept.
    received = at("2026-09-16 10:00")
    case_no = open_case(
        services, "sichuan", "inpatient_reimbursement", received, all_materials=False, phone=PHONE
    )
    act(services, case_no, "request_supplement", CLERK, received, days=3, reason="急需")
    run_followups(services, at("2026-09-17 16:00"), remind_days=1)
    assert [m["kind"] for m in services.applicant_messages.messages(case_no)] == [
        "request_supplement"
    ]
    for when in ("2026-09-18 08:30", "2026-09-18 09:30", "2026-09-19 10:00"):
        run_followups(services, at(when), remind_days=1)
    reminders = [
        m for m in services.applicant_messages.messages(case_no) if m["kind"] == "supplement_remind"
    ]
    assert len(reminders) == 1
    assert reminders[0]["label"] == "补正期限提醒"
    assert case_no in reminders[0]["text"] and "2026-09-20" in reminders[0]["text"]
    assert PHONE not in reminders[0]["text"] and "张三" not in reminders[0]["text"]


def test_no_reminder_message_without_a_mobile_number(services: Services) -> None:
    received = at("2026-09-16 10:00")
    case_no = open_case(
        services, "sichuan", "inpatient_reimbursement", received, all_materials=False
    )
    act(services, case_no, "request_supplement", CLERK, received, days=3, reason="急需")
    run_followups(services, at("2026-09-18 08:30"), remind_days=1)
    assert services.applicant_messages.messages(case_no) == []

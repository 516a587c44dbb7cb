"""A suspended case (中止) is watched, on SQLite and PostgreSQL: once the day after its
expected resume date begins (Beijing time) and the case is still suspended, the follow-up run
raises one card; resuming or withdrawing the case closes it, and a case resumed in time
raises none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fu_support import CLERK, REVIEWER, SUPERVISOR, act, open_case, recorded, services_on
from support import at

from jingban.scheduler.followups import run_followups
from jingban.services import Services
from jingban.storage.followup_messages import staff_message


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as built:
        yield built


def _suspended(services: Services) -> str:
    """A sichuan case suspended on Friday 18 Sept 2026 for one working day: the next working
    day is Sunday 20 Sept, a make-up working day (调休) before 国庆, so it is expected back
    on the 20th and overdue from Monday 21 Sept 00:00."""
    case_no = open_case(services, "sichuan", "inpatient_reimbursement", at("2026-09-18 09:00"))
    act(services, case_no, "accept", CLERK, at("2026-09-18 09:10"))
    suspended = act(
        services,
        case_no,
        "suspend",
        REVIEWER,
        at("2026-09-18 10:00"),
        reason="需现场核查",
        days=1,
        procedure="现场核查",
    )
    assert str(suspended.event.payload["expected_resume"])[:10] == "2026-09-20"
    return case_no


def test_a_suspension_past_its_expected_resume_raises_one_card(services: Services) -> None:
    case_no = _suspended(services)
    assert run_followups(services, at("2026-09-20 23:59"), remind_days=0).raised == {}
    first = run_followups(services, at("2026-09-21 00:01"), remind_days=0)
    assert first.raised == {"suspension_overdue": [case_no]}
    assert run_followups(services, at("2026-09-22 09:00"), remind_days=0).raised == {}
    assert [c.kind for c in services.followups.cards("sichuan")] == ["suspension_overdue"]
    act(services, case_no, "resume", REVIEWER, at("2026-09-22 10:00"))
    run_followups(services, at("2026-09-22 10:05"), remind_days=0)
    assert services.followups.cards("sichuan") == []
    assert recorded(services, case_no) == ["suspension_overdue"]


def test_a_case_resumed_in_time_raises_nothing(services: Services) -> None:
    case_no = _suspended(services)
    act(services, case_no, "resume", REVIEWER, at("2026-09-20 11:00"))
    assert run_followups(services, at("2026-09-25 09:00"), remind_days=0).raised == {}
    assert recorded(services, case_no) == []


def test_a_second_suspension_is_watched_on_its_own_date(services: Services) -> None:
    case_no = _suspended(services)
    act(services, case_no, "resume", REVIEWER, at("2026-09-20 11:00"))
    act(
        services,
        case_no,
        "suspend",
        SUPERVISOR,
        at("2026-09-21 10:00"),
        reason="等待鉴定结论",
        days=2,
        procedure="鉴定",
    )
    # Two working days after Monday 21 Sept: Wednesday 23 Sept; overdue from the 24th.
    assert run_followups(services, at("2026-09-23 20:00"), remind_days=0).raised == {}
    assert run_followups(services, at("2026-09-24 08:00"), remind_days=0).raised == {
        "suspension_overdue": [case_no]
    }
    act(services, case_no, "withdraw", CLERK, at("2026-09-24 09:00"), reason="申请人撤回")
    run_followups(services, at("2026-09-24 09:05"), remind_days=0)
    assert services.followups.cards("sichuan") == []


def test_the_supervisor_is_told_what_to_do() -> None:
    message = staff_message(
        kind="suspension_overdue",
        case_no="SC-2026-000001",
        item_name="住院医疗费用报销",
        name="",
        due_at=at("2026-09-21 00:00"),
        office=None,
    )
    assert "中止已过预计恢复日期" in message.subject
    assert "恢复办理或说明原因" in message.text

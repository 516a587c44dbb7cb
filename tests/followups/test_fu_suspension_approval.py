"""中止待批 on SQLite and PostgreSQL: in 塔城, whose suspensions need the 科长's approval, a
reviewer's 中止 puts the case in 中止待批 with its clock still running; the supervisor's
approval suspends it from that moment (and its expected resume is watched), a refusal returns
it to where it was; a supervisor's own 中止 and a region without the rule need no approval."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fu_support import CLERK, REVIEWER, SUPERVISOR, act, open_case, services_on
from support import at

from jingban.engine.roles import WrongRole
from jingban.errors import BadInput, NotAllowed
from jingban.scheduler.followups import run_followups
from jingban.services import Services

SUSPEND = {"reason": "需现场核查", "days": 3, "procedure": "现场核查"}


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as built:
        yield built


def _requested(services: Services) -> str:
    case_no = open_case(services, "tacheng", "employee_registration", at("2026-11-02 10:00"))
    act(services, case_no, "accept", CLERK, at("2026-11-02 10:10"))
    asked = act(services, case_no, "suspend", REVIEWER, at("2026-11-02 11:00"), **SUSPEND)
    assert asked.event.action == "request_suspension"
    assert (asked.case.state, asked.case.suspended_at) == ("suspension_pending", None)
    assert asked.case.pending_suspension.days == 3
    return case_no


def test_an_approved_suspension_stops_the_clock_from_the_approval(services: Services) -> None:
    case_no = _requested(services)
    case = services.cases.get(case_no)
    reviewer = services.engine.available_actions(case, "reviewer")
    assert "approve_suspension" not in reviewer and "approve" not in reviewer
    assert "approve_suspension" in services.engine.available_actions(case, "supervisor")
    with pytest.raises(WrongRole):
        act(services, case_no, "approve_suspension", REVIEWER, at("2026-11-03 09:00"))
    approved = act(services, case_no, "approve_suspension", SUPERVISOR, at("2026-11-03 09:00"))
    assert approved.case.state == "suspended"
    assert approved.case.suspended_at == at("2026-11-03 09:00")
    assert approved.case.pending_suspension is None
    # 3 working days after Tuesday 3 Nov: Friday 6 Nov; watched from Saturday 00:00.
    assert str(approved.event.payload["expected_resume"])[:10] == "2026-11-06"
    assert approved.event.payload["requested_by"] == REVIEWER[0]
    assert run_followups(services, at("2026-11-07 00:01"), remind_days=0).raised == {
        "suspension_overdue": [case_no]
    }
    resumed = act(services, case_no, "resume", REVIEWER, at("2026-11-09 10:00"))
    assert resumed.case.state == "accepted"
    # Stopped from the approval (Tue 3 Nov) to Monday 9 Nov: 4 working days (4, 5, 6, 9).
    assert resumed.event.payload["stopped_working_days"] == 4
    assert services.cases.verify(case_no)[1] == []


def test_a_refused_suspension_returns_the_case_and_needs_a_reason(services: Services) -> None:
    case_no = _requested(services)
    with pytest.raises(BadInput):
        act(services, case_no, "refuse_suspension", SUPERVISOR, at("2026-11-03 09:00"))
    refused = act(
        services, case_no, "refuse_suspension", SUPERVISOR, at("2026-11-03 09:00"),
        reason="协查可并行办理，不中止",
    )  # fmt: skip
    assert (refused.case.state, refused.case.pending_suspension) == ("accepted", None)
    assert refused.case.pauses == ()
    act(services, case_no, "approve", REVIEWER, at("2026-11-03 10:00"))


def test_no_approval_for_a_supervisor_or_where_the_region_has_no_rule(services: Services) -> None:
    case_no = open_case(services, "tacheng", "employee_registration", at("2026-11-02 10:00"))
    act(services, case_no, "accept", CLERK, at("2026-11-02 10:10"))
    own = act(services, case_no, "suspend", SUPERVISOR, at("2026-11-02 11:00"), **SUSPEND)
    assert (own.event.action, own.case.state) == ("suspend", "suspended")
    other = open_case(services, "sichuan", "employee_registration", at("2026-11-02 10:00"))
    act(services, other, "accept", CLERK, at("2026-11-02 10:10"))
    direct = act(services, other, "suspend", REVIEWER, at("2026-11-02 11:00"), **SUSPEND)
    assert (direct.event.action, direct.case.state) == ("suspend", "suspended")
    with pytest.raises(NotAllowed):
        act(services, other, "request_suspension", REVIEWER, at("2026-11-02 12:00"), **SUSPEND)

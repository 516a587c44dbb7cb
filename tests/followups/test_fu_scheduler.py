"""The follow-up run is a job of the scheduler's leader: `SchedulerService.followups_once`
runs it at the scheduler's clock with `JINGBAN_SUPPLEMENT_REMIND_DAYS`, and the leader's
job list has it (a standby has none)."""

from __future__ import annotations

import pytest
from fu_support import CLERK, act, open_case, services_on
from support import at

from jingban.scheduler.runner import SchedulerService


def test_the_leader_runs_follow_ups_with_the_configured_reminder(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINGBAN_SUPPLEMENT_REMIND_DAYS", "2")
    with services_on(db_url) as services:
        case_no = open_case(
            services, "sichuan", "inpatient_reimbursement", at("2026-09-16 10:00"),
            all_materials=False,
        )  # fmt: skip
        act(services, case_no, "request_supplement", CLERK, at("2026-09-16 10:00"), days=3,
            reason="急需")  # fmt: skip
        clock = {"now": at("2026-09-17 08:00")}  # two working days before Sunday 20 Sept
        service = SchedulerService(services, clock=lambda: clock["now"], node="test:1")
        assert service.followups_once().raised == {
            "supplement_remind": [case_no],
            "applicant_remind": [case_no],
        }
        clock["now"] = at("2026-09-21 09:00")
        assert service.followups_once().lapsed == [case_no]
        service._lead()
        try:
            assert service.scheduler.get_job("followups") is not None
        finally:
            service._follow()
        assert service.scheduler.get_job("followups") is None

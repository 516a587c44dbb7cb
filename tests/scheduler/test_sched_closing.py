"""Alerts that close on their own, and items that have no warning window."""

from __future__ import annotations

from sched_support import CLERK, act, alert_keys, at, open_case, scan_at, services_on


def test_a_red_acceptance_window_closes_once_the_case_is_accepted(db_url: str) -> None:
    with services_on(db_url) as services:
        # kashgar 门诊费用报销, received Mon 2026-03-02 10:00: the 5-working-day window ends
        # at office close (20:00) of Mon 03-09.
        case_no = open_case(services, "kashgar", "outpatient_reimbursement", at("2026-03-02 10:00"))
        scan_at(services, at("2026-03-10 11:00"))
        assert (case_no, "red", "accept") in alert_keys(services, open_only=True)
        act(services, case_no, "accept", CLERK, at("2026-03-10 12:00"))
        result = scan_at(services, at("2026-03-10 12:30"))
        assert result.closed >= 1
        assert (case_no, "red", "accept") not in alert_keys(services, open_only=True)
        assert (case_no, "red", "accept") in alert_keys(services)  # kept, closed


def test_an_instant_item_raises_no_warning_before_its_due_passes(db_url: str) -> None:
    with services_on(db_url) as services:
        # kashgar 单位参保登记 is 即时办结: due at office close (20:00) the day it starts.
        case_no = open_case(services, "kashgar", "unit_registration", at("2026-03-02 10:00"))
        assert scan_at(services, at("2026-03-02 19:59")).alerts == []
        late = {(a.level, a.due_kind) for a in scan_at(services, at("2026-03-02 20:01")).alerts}
        assert ("red", "statutory") in late and ("orange", "promised") in late
        assert ("yellow", "promised") not in late
        assert all(key[0] == case_no for key in alert_keys(services))

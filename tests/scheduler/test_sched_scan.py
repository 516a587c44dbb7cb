"""The scan records each alert once: re-runs, a second process, stopped clocks, cases that
end, dues that move, and the dry-run forecast. SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import threading

from sched_support import (
    CLERK,
    REVIEWER,
    SUPERVISOR,
    act,
    alert_keys,
    at,
    count,
    found,
    open_case,
    passed,
    rows,
    scan_at,
    services_on,
)

from jingban.services import Services
from jingban.storage.scan import ScanResult, scan

SECOND = dt.timedelta(seconds=1)
ITEM = "hypertension_diabetes_recognition"  # Sichuan, 10 working days

# Received Friday 2026-09-18 10:00: accept due 09-24 18:00 (09-20 调休 Sunday, 21, 22, 23,
# 24); promised = statutory due 10-09 17:30 (… 09-28, 29, 30, 国庆, 10-08, 10-09).
RECEIVED = at("2026-09-18 10:00")
ACCEPT_DUE = at("2026-09-24 18:00")
DUE = at("2026-10-09 17:30")


def test_a_rerun_of_the_same_scan_raises_nothing(db_url: str) -> None:
    with services_on(db_url) as services:
        late = open_case(services, "sichuan", ITEM, RECEIVED)  # never accepted
        accepted = open_case(services, "sichuan", ITEM, RECEIVED)
        act(services, accepted, "accept", CLERK, RECEIVED)
        first = scan_at(services, DUE + SECOND)
        expected = [
            (late, "orange", "promised"),
            (late, "red", "accept"),
            (late, "red", "statutory"),
            (accepted, "orange", "promised"),
            (accepted, "red", "statutory"),
        ]
        assert passed(first) == sorted(expected)
        stored = alert_keys(services)

        # The very same call: its slot is in the ledger, so it is skipped.
        again = scan_at(services, DUE + SECOND)
        assert (again.alerts, again.skipped) == ([], True)
        # Another run as of the same instant (another slot): the unique key stops it.
        other = scan(services.db, services.calendar, DUE + SECOND, slot="rerun", node="b")
        assert (other.alerts, other.skipped) == ([], False)
        # And a later run, the dues unchanged.
        assert scan_at(services, DUE + dt.timedelta(days=3)).alerts == []
        assert alert_keys(services) == stored


def test_two_processes_scanning_at_once_record_each_alert_once(db_url: str) -> None:
    with services_on(db_url) as one, services_on(db_url) as two:
        numbers = [open_case(one, "sichuan", ITEM, RECEIVED) for _ in range(6)]
        for number in numbers[:3]:
            act(two, number, "accept", CLERK, RECEIVED)
        start = threading.Barrier(2)
        results: dict[str, ScanResult] = {}

        def run(name: str, services: Services) -> None:
            start.wait(timeout=10)
            results[name] = scan(
                services.db, services.calendar, DUE + SECOND, slot=f"slot-{name}", node=name
            )

        threads = [
            threading.Thread(target=run, args=(name, services))
            for name, services in (("one", one), ("two", two))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        raised = passed(results["one"]) + passed(results["two"])
        # 6 cases × (red statutory, orange promised) + 3 unaccepted × red accept = 15.
        assert len(raised) == 15
        assert len(set(raised)) == 15
        assert sorted(k for k in alert_keys(one) if k in set(raised)) == sorted(raised)
        assert count(one, "scan_runs") == 2


def test_one_slot_is_scanned_by_one_node_only(db_url: str) -> None:
    with services_on(db_url) as one, services_on(db_url) as two:
        open_case(one, "sichuan", ITEM, RECEIVED)
        first = scan(one.db, one.calendar, DUE + SECOND, slot="every60s:1", node="a")
        second = scan(two.db, two.calendar, DUE + SECOND, slot="every60s:1", node="b")
        assert first.alerts and not first.skipped
        assert (second.alerts, second.skipped, second.scan_id) == ([], True, None)
        assert [r["node"] for r in rows(one, "SELECT node FROM scan_runs")] == ["a"]


def test_stopped_clocks_raise_nothing_and_a_resume_moves_the_dues(db_url: str) -> None:
    with services_on(db_url) as services:
        running = open_case(services, "sichuan", ITEM, RECEIVED)
        act(services, running, "accept", CLERK, RECEIVED)
        suspended = open_case(services, "sichuan", ITEM, RECEIVED)
        act(services, suspended, "accept", CLERK, RECEIVED)
        act(
            services,
            suspended,
            "suspend",
            REVIEWER,
            at("2026-09-21 10:30"),
            reason="现场核查",
            days=10,
            procedure="现场核查",
        )
        waiting = open_case(services, "sichuan", ITEM, RECEIVED, all_materials=False)
        act(services, waiting, "request_supplement", CLERK, at("2026-09-18 10:30"))
        assert services.cases.get(waiting).state == "supplement_requested"

        result = scan_at(services, at("2026-10-12 09:00"))
        assert {a.case_no for a in result.alerts} == {running}

        # Resumed Monday 10-12: stopped working days x with 09-21 < x ≤ 10-12: 09-22, 23,
        # 24, 28, 29, 30, 10-08, 09, 10 (调休 Saturday), 12 = 10. Dues move 10 working days
        # from 10-09: 10-10, 12, 13, 14, 15, 16, 19, 20, 21, 22 → 10-22 17:30.
        act(services, suspended, "resume", REVIEWER, at("2026-10-12 10:00"))
        moved = at("2026-10-22 17:30")
        case = services.cases.get(suspended)
        assert (case.state, case.promised_due, case.statutory_due) == ("accepted", moved, moved)
        assert [k for k in passed(scan_at(services, moved - SECOND)) if k[0] == suspended] == []
        assert [k for k in passed(scan_at(services, moved + SECOND)) if k[0] == suspended] == [
            (suspended, "orange", "promised"),
            (suspended, "red", "statutory"),
        ]
        assert waiting not in {k[0] for k in alert_keys(services)}


def test_cases_that_end_have_their_alerts_closed_on_the_next_scan(db_url: str) -> None:
    with services_on(db_url) as services:
        done = open_case(services, "sichuan", ITEM, RECEIVED)
        refused = open_case(services, "sichuan", ITEM, RECEIVED)
        withdrawn = open_case(services, "sichuan", ITEM, RECEIVED)
        still = open_case(services, "sichuan", ITEM, RECEIVED)
        assert len(passed(scan_at(services, ACCEPT_DUE + SECOND))) == 4  # red accept ×4

        act(services, done, "accept", CLERK, at("2026-09-25 10:00"))
        act(services, done, "approve", REVIEWER, at("2026-09-28 10:00"))
        act(services, done, "complete", REVIEWER, at("2026-09-28 11:00"))
        act(services, refused, "not_accept", CLERK, at("2026-09-25 10:00"), reason="不属于受理范围")
        act(services, withdrawn, "withdraw", CLERK, at("2026-09-25 10:00"), reason="申请人撤回")

        after = scan_at(services, at("2026-09-28 12:00"))
        assert after.alerts == []
        assert after.closed == 3
        closed = rows(
            services,
            "SELECT case_no, closed_reason FROM alerts WHERE closed_at IS NOT NULL",
        )
        assert sorted((r["case_no"], r["closed_reason"]) for r in closed) == sorted(
            (n, "case_ended") for n in (done, refused, withdrawn)
        )
        assert alert_keys(services, open_only=True) == [(still, "red", "accept")]
        # Nothing is raised for them later either.
        late = scan_at(services, DUE + SECOND)
        assert {a.case_no for a in late.alerts} == {still}


def test_an_extension_closes_the_old_warning_and_the_new_due_alerts_again(db_url: str) -> None:
    # An extension is decided before the statutory limit passes (docs/rules.md): the case
    # has its statutory warning (orange) then, not yet a red card.
    with services_on(db_url) as services:
        case_no = open_case(services, "sichuan", ITEM, RECEIVED)
        act(services, case_no, "accept", CLERK, RECEIVED)
        before = at("2026-10-09 16:30")
        assert found(scan_at(services, before)) == [
            (case_no, "orange", "statutory"),
            (case_no, "yellow", "promised"),
        ]
        # 延期 +10 working days from 10-09: 10-10 (调休 Saturday), 12..16, 19..22 → 10-22.
        act(
            services,
            case_no,
            "extend",
            SUPERVISOR,
            at("2026-10-09 16:40"),
            reason="需组织专家评审",
            days=10,
        )
        extended = at("2026-10-22 17:30")
        assert services.cases.get(case_no).statutory_due == extended
        moved = scan_at(services, at("2026-10-09 16:41"))
        assert moved.alerts == []
        assert moved.closed == 1
        assert alert_keys(services, open_only=True) == [(case_no, "yellow", "promised")]
        assert passed(scan_at(services, extended - SECOND)) == [(case_no, "orange", "promised")]
        assert passed(scan_at(services, extended + SECOND)) == [(case_no, "red", "statutory")]
        statutory = rows(
            services,
            "SELECT level, closed_reason FROM alerts WHERE due_kind = 'statutory' ORDER BY id",
        )
        assert [(r["level"], r["closed_reason"]) for r in statutory] == [
            ("orange", "due_moved"),
            ("orange", None),
            ("red", None),
        ]


def test_dry_run_records_nothing_and_forecasts_what_will_be_red_by_friday(db_url: str) -> None:
    with services_on(db_url) as services:
        # Received Wednesday 09-23: 09-24, 28, 29, 30, 10-08, 09, 10, 12, 13, 14 → due
        # Wednesday 10-14. Received Tuesday 09-29: 09-30, 10-08, 09, 10, 12, 13, 14, 15,
        # 16, 19 → due Monday 10-19, after the Friday.
        wednesday = open_case(services, "sichuan", ITEM, at("2026-09-23 10:00"))
        monday = open_case(services, "sichuan", ITEM, at("2026-09-29 10:00"))
        for number in (wednesday, monday):
            act(services, number, "accept", CLERK, at("2026-09-30 10:00"))
        assert services.cases.get(wednesday).statutory_due == at("2026-10-14 17:30")
        assert services.cases.get(monday).statutory_due == at("2026-10-19 17:30")

        friday = at("2026-10-16 23:59:59")
        forecast = scan(services.db, services.calendar, friday, dry_run=True)
        red = [(a.case_no, a.due_kind) for a in forecast.alerts if a.level == "red"]
        assert red == [(wednesday, "statutory")]
        assert all(a.raised_at is None and a.alert_id is None for a in forecast.alerts)
        assert forecast.scan_id is None
        for table in ("alerts", "scan_runs", "alert_deliveries"):
            assert count(services, table) == 0, table

        # When Friday comes, the real scan raises what was forecast.
        assert passed(scan_at(services, friday)) == passed(forecast)
        # A forecast lists what would stand as of then, recorded or not.
        assert passed(scan(services.db, services.calendar, friday, dry_run=True)) == passed(
            forecast
        )

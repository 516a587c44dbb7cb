"""Alert levels at their boundaries, on real 2026 dates, on SQLite and PostgreSQL.

Every expected instant is counted by hand in the comments (the calendar of 2026: 中秋
09-25; 国庆 10-01..10-07 with 调休上班 Sunday 09-20 and Saturday 10-10; 春节 02-15..02-23
with 调休上班 Saturdays 02-14 and 02-28; Xinjiang's 古尔邦节 05-27..29). Office close:
Sichuan 18:00 in summer (05-01..09-30) and 17:30 in winter; Xinjiang 20:00 all year.
"""

from __future__ import annotations

import datetime as dt

from sched_support import (
    APPLICANT_ID,
    CLERK,
    REVIEWER,
    WARNINGS,
    act,
    at,
    found,
    open_case,
    passed,
    scan_at,
    services_on,
)

from jingban.calendar import WorkCalendar
from jingban.engine.deadlines import default_warn_days, warn_at, working_days_left
from jingban.workflows import Limit

US = dt.timedelta(microseconds=1)
SECOND = dt.timedelta(seconds=1)

# --- Sichuan, 10 working days (hypertension_diabetes_recognition), across 国庆 ---------
# Received Friday 2026-09-18 10:00. Counting from the next day: 09-19 Sat no; 09-20 Sun
# 调休上班 = 1; 09-21..24 = 2..5; 09-25 中秋 no; 09-26/27 weekend; 09-28 = 6, 09-29 = 7,
# 09-30 = 8; 10-01..10-07 国庆 no; 10-08 = 9; 10-09 Fri = 10 → due 10-09 at office close,
# winter timetable since 10-01: 17:30. Promised = statutory (one limit in the document).
SC_RECEIVED = at("2026-09-18 10:00")
SC_DUE = at("2026-10-09 17:30")
# Acceptance window, 5 working days: 09-20, 21, 22, 23, 24 → 09-24 close (summer) 18:00.
SC_ACCEPT_DUE = at("2026-09-24 18:00")
# Warning window, 3 working days before the due day: 10-08 (1), 09-30 (2), 09-29 (3) →
# from 00:00 of Tuesday 09-29: three working days spread over eleven calendar days.
SC_WARN = at("2026-09-29 00:00")

# --- Shawan (Xinjiang), transfer_continuation: promised 10, statutory 15, across 古尔邦节 -
# Received Wednesday 2026-05-13 11:00. 05-14 = 1, 05-15 = 2, 05-18..22 = 3..7,
# 05-25 = 8, 05-26 = 9, 05-27..29 古尔邦节 no, weekend, 06-01 Mon = 10 → promised 06-01 20:00.
# Then 06-02 = 11, 06-03 = 12, 06-04 = 13, 06-05 = 14, 06-08 Mon = 15 → statutory 06-08 20:00.
SW_RECEIVED = at("2026-05-13 11:00")
SW_PROMISED = at("2026-06-01 20:00")
SW_STATUTORY = at("2026-06-08 20:00")
# Promised window: 05-26 (1), 05-25 (2), 05-22 (3) → from Friday 05-22 00:00.
SW_PROMISED_WARN = at("2026-05-22 00:00")
# Statutory window: 06-05 (1), 06-04 (2), 06-03 (3) → from Wednesday 06-03 00:00.
SW_STATUTORY_WARN = at("2026-06-03 00:00")

# --- Bingtuan transfer_continuation: stage 转出地 accepted→reviewed 10 working days -----
# Received Monday 2026-02-09 11:00, accepted Tuesday 02-10 11:00. From 02-10: 02-11 = 1,
# 02-12 = 2, 02-13 = 3, 02-14 Sat 调休上班 = 4, 02-15 Sun no, 02-16..23 春节 (02-20 and
# 02-23 are the days off traded for the Saturdays) no, 02-24 = 5 … 02-27 = 8, 02-28 Sat
# 调休上班 = 9, 03-01 Sun no, 03-02 Mon = 10 → stage due 03-02 20:00.
# Statutory 15 from 02-09: 02-10..14 = 1..5, 02-24..28 = 6..10, 03-02..06 = 11..15 →
# 03-06 20:00.
BT_RECEIVED = at("2026-02-09 11:00")
BT_ACCEPTED = at("2026-02-10 11:00")
BT_STAGE_DUE = at("2026-03-02 20:00")
BT_STATUTORY = at("2026-03-06 20:00")


def test_default_thresholds_follow_the_issue() -> None:
    """3 working days for limits of 5 working days or more, 1 for shorter, 0 for 即办."""
    assert default_warn_days(Limit(5, "working_days")) == 3
    assert default_warn_days(Limit(30, "working_days")) == 3
    assert default_warn_days(Limit(4, "working_days")) == 1
    assert default_warn_days(Limit(1, "working_days")) == 1
    assert default_warn_days(Limit(0, "instant")) == 0


def test_warning_instants_counted_back_across_holidays() -> None:
    sichuan = WorkCalendar.for_region("sichuan")
    shawan = WorkCalendar.for_region("shawan")
    assert warn_at(sichuan, SC_DUE, 3) == SC_WARN
    # 1 working day (limits under 5): 00:00 of the working day before: 10-08.
    assert warn_at(sichuan, SC_DUE, 1) == at("2026-10-08 00:00")
    assert warn_at(sichuan, SC_DUE, 0) == SC_DUE  # no window: no warning before the due
    assert warn_at(shawan, SW_PROMISED, 3) == SW_PROMISED_WARN
    assert warn_at(shawan, SW_STATUTORY, 3) == SW_STATUTORY_WARN
    # The same due in Sichuan (no 古尔邦节): 05-29, 05-28, 05-27 → 05-27 00:00.
    assert warn_at(sichuan, at("2026-06-01 18:00"), 3) == at("2026-05-27 00:00")


def test_working_days_left_counts_make_up_saturdays_and_goes_negative() -> None:
    cal = WorkCalendar.for_region("sichuan")
    # From 09-29: 09-30, 10-08, 10-09 are left.
    assert working_days_left(cal, SC_WARN, SC_DUE) == 3
    assert working_days_left(cal, SC_DUE - SECOND, SC_DUE) == 0
    assert working_days_left(cal, SC_DUE + SECOND, SC_DUE) == -1
    # Monday 10-12: overdue by Saturday 10-10 (调休上班) and Monday itself.
    assert working_days_left(cal, at("2026-10-12 10:00"), SC_DUE) == -2


def test_engine_computes_the_warning_instants(db_url: str) -> None:
    with services_on(db_url) as services:
        opened = services.cases.open(
            now=SC_RECEIVED,
            region="sichuan",
            item="hypertension_diabetes_recognition",
            applicant_name="张三",
            applicant_id=APPLICANT_ID,
            actor=CLERK[0],
            role=CLERK[1],
            all_materials=True,
        )
        assert opened.case.accept_due == SC_ACCEPT_DUE
        assert opened.case.promised_due == opened.case.statutory_due == SC_DUE
        assert opened.case.promised_warn_at == SC_WARN
        assert opened.case.statutory_warn_at == SC_WARN


def test_warning_instants_survive_storage(db_url: str) -> None:
    with services_on(db_url) as services:
        case_no = open_case(services, "sichuan", "hypertension_diabetes_recognition", SC_RECEIVED)
        stored = services.cases.get(case_no)
        assert stored.promised_warn_at == SC_WARN
        assert stored.statutory_warn_at == SC_WARN


def test_yellow_and_orange_from_00_00_of_the_window(db_url: str) -> None:
    with services_on(db_url) as services:
        sc = open_case(services, "sichuan", "hypertension_diabetes_recognition", SC_RECEIVED)
        act(services, sc, "accept", CLERK, SC_RECEIVED)
        sw = open_case(services, "shawan", "transfer_continuation", SW_RECEIVED)
        act(services, sw, "accept", CLERK, SW_RECEIVED)

        assert found(scan_at(services, SW_PROMISED_WARN - US)) == []
        first = scan_at(services, SW_PROMISED_WARN)
        assert found(first) == [(sw, "yellow", "promised")]
        # 05-22 00:00 → 06-01: 05-25, 05-26, 06-01 are left (古尔邦节 is not).
        assert [a.working_days_left for a in first.alerts] == [3]
        assert found(scan_at(services, SW_PROMISED + SECOND)) == [(sw, "orange", "promised")]
        assert found(scan_at(services, SW_STATUTORY_WARN - US)) == []
        assert found(scan_at(services, SW_STATUTORY_WARN)) == [(sw, "orange", "statutory")]
        assert found(scan_at(services, SW_STATUTORY + SECOND)) == [(sw, "red", "statutory")]

        assert found(scan_at(services, SC_WARN - US)) == []
        window = scan_at(services, SC_WARN)
        assert found(window) == [(sc, "orange", "statutory"), (sc, "yellow", "promised")]
        assert {a.working_days_left for a in window.alerts} == {3}
        assert {a.due_at for a in window.alerts} == {SC_DUE}
        # The orange for the statutory window does not come again when the due passes;
        # red and the promised orange do.
        assert found(scan_at(services, SC_DUE + SECOND)) == [
            (sc, "orange", "promised"),
            (sc, "red", "statutory"),
        ]


def test_a_short_limit_warns_one_working_day_ahead(db_url: str) -> None:
    # Sichuan unit_registration, 3 working days: received Friday 09-18 10:00 → 09-20 (调休
    # Sunday) = 1, 09-21 = 2, 09-22 = 3 → due Tuesday 09-22 18:00; a limit under 5 working
    # days warns 1 working day ahead: from Monday 09-21 00:00 (not Sunday 09-20, a working
    # day two working days ahead).
    with services_on(db_url) as services:
        case_no = open_case(services, "sichuan", "unit_registration", SC_RECEIVED)
        act(services, case_no, "accept", CLERK, SC_RECEIVED)
        assert services.cases.get(case_no).promised_due == at("2026-09-22 18:00")
        assert found(scan_at(services, at("2026-09-21 00:00") - US)) == []
        assert found(scan_at(services, at("2026-09-21 00:00"))) == [
            (case_no, "orange", "statutory"),
            (case_no, "yellow", "promised"),
        ]


def test_red_when_the_acceptance_window_passes_without_a_decision(db_url: str) -> None:
    with services_on(db_url) as services:
        waiting = open_case(services, "sichuan", "hypertension_diabetes_recognition", SC_RECEIVED)
        accepted = open_case(services, "sichuan", "hypertension_diabetes_recognition", SC_RECEIVED)
        act(services, accepted, "accept", CLERK, SC_RECEIVED + dt.timedelta(days=5))
        assert passed(scan_at(services, SC_ACCEPT_DUE - SECOND)) == []
        late = scan_at(services, SC_ACCEPT_DUE + SECOND)
        assert passed(late) == [(waiting, "red", "accept")]
        (alert,) = late.alerts
        assert alert.due_at == SC_ACCEPT_DUE
        assert alert.working_days_left == -1


def test_orange_and_red_when_the_dues_pass_at_office_close(db_url: str) -> None:
    with services_on(db_url) as services:
        sc = open_case(services, "sichuan", "hypertension_diabetes_recognition", SC_RECEIVED)
        act(services, sc, "accept", CLERK, SC_RECEIVED)
        assert passed(scan_at(services, SC_DUE - SECOND)) == []
        overdue = scan_at(services, SC_DUE + SECOND)
        assert passed(overdue) == [(sc, "orange", "promised"), (sc, "red", "statutory")]
        assert {a.working_days_left for a in overdue.alerts} == {-1}
        # Listed on Monday 10-12: overdue by the 调休 Saturday 10-10 and Monday.
        listed = services.alerts.alerts(as_of=at("2026-10-12 10:00"))
        assert [
            (a.level, a.working_days_left) for a in listed if (a.level, a.due_kind) not in WARNINGS
        ] == [("red", -2), ("orange", -2)]


def test_xinjiang_dues_skip_gurban_and_promised_comes_before_statutory(db_url: str) -> None:
    with services_on(db_url) as services:
        sw = open_case(services, "shawan", "transfer_continuation", SW_RECEIVED)
        act(services, sw, "accept", CLERK, SW_RECEIVED)
        stored = services.cases.get(sw)
        assert stored.promised_due == SW_PROMISED
        assert stored.statutory_due == SW_STATUTORY
        assert passed(scan_at(services, SW_PROMISED - SECOND)) == []
        assert passed(scan_at(services, SW_PROMISED + SECOND)) == [(sw, "orange", "promised")]
        assert passed(scan_at(services, SW_STATUTORY - SECOND)) == []
        red = scan_at(services, SW_STATUTORY + SECOND)
        assert passed(red) == [(sw, "red", "statutory")]
        assert [a.due_at for a in red.alerts if a.level == "red"] == [SW_STATUTORY]


def test_red_when_a_stage_sub_limit_passes_across_spring_festival(db_url: str) -> None:
    with services_on(db_url) as services:
        bt = open_case(services, "bingtuan", "transfer_continuation", BT_RECEIVED)
        act(services, bt, "accept", CLERK, BT_ACCEPTED)
        stored = services.cases.get(bt)
        assert (stored.stage_due, stored.stage_due_key) == (BT_STAGE_DUE, "transfer_out")
        assert stored.statutory_due == BT_STATUTORY
        assert passed(scan_at(services, BT_STAGE_DUE - SECOND)) == []
        stage = scan_at(services, BT_STAGE_DUE + SECOND)
        assert passed(stage) == [(bt, "red", "stage")]
        assert [a.working_days_left for a in stage.alerts if a.due_kind == "stage"] == [-1]

        # Reviewed on 03-03: the 转入地 sub-limit (reviewed→completed, 5 working days)
        # starts: 03-04, 05, 06, 09, 10 → 03-10 20:00; the old stage red closes.
        act(services, bt, "approve", REVIEWER, at("2026-03-03 11:00"))
        assert services.cases.get(bt).stage_due == at("2026-03-10 20:00")
        moved = scan_at(services, at("2026-03-03 11:01"))
        assert (passed(moved), moved.closed) == ([], 1)
        assert passed(scan_at(services, BT_STATUTORY + SECOND)) == [
            (bt, "orange", "promised"),
            (bt, "red", "statutory"),
        ]

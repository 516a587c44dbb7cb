"""Supplement deadlines (一次性告知 with a 补正期限) that remind and lapse, on SQLite and
PostgreSQL, at the calendar's awkward dates: a deadline over 春节, a lapse on a 调休 Sunday
(2026-09-20 is a working day), and a lapse raced by two stores on one database."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from fu_support import (
    CLERK,
    SUPERVISOR,
    act,
    beijing_day,
    open_case,
    recorded,
    rows,
    services_on,
)
from support import at

from jingban.engine.present import case_summary, public_progress
from jingban.errors import BadInput
from jingban.scheduler.followups import run_followups
from jingban.services import Services

ITEM = "inpatient_reimbursement"


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as built:
        yield built


def _waiting(services: Services, region: str, received: dt.datetime, **params: object) -> str:
    """A case of ``region`` whose one-time notice went out at ``received``."""
    case_no = open_case(services, region, ITEM, received, all_materials=False)
    act(services, case_no, "request_supplement", CLERK, received, **params)
    return case_no


def _route(services: Services, region: str) -> None:
    services.routes.add_route(
        region=region,
        name="张科长",
        kind="email",
        target="zhang@example.org",
        options={"host": "127.0.0.1", "sender": "jingban@example.org"},
    )


def _queued(services: Services) -> list[str]:
    return [
        r["dedup_key"] for r in rows(services, "SELECT dedup_key FROM alert_deliveries ORDER BY id")
    ]


def test_the_deadline_over_spring_festival_counts_working_days_only(services: Services) -> None:
    # Friday 13 Feb 2026; then 14 Feb (a make-up Saturday) is day 1, 15-23 Feb (春节) are
    # off, 24 Feb is day 2 and 25 Feb day 3: due at office close (17:30) on 25 Feb.
    case_no = _waiting(services, "sichuan", at("2026-02-13 10:00"), days=3, reason="申请人出差")
    case = services.cases.get(case_no)
    assert case.supplement_due == at("2026-02-25 17:30").astimezone(dt.UTC)
    shown = case_summary(case)
    assert shown["supplement_due"] == "2026-02-25T17:30:00+08:00"
    history = services.cases.history(case_no)
    assert history[-1].payload["supplement_days"] == 3
    item = services.engine.item_of(case)
    public = public_progress(case, history, item.stages)
    assert public["supplement_due_date"] == "2026-02-25"


def test_the_region_default_applies_and_another_deadline_needs_a_reason(
    services: Services,
) -> None:
    case_no = open_case(services, "sichuan", ITEM, at("2026-03-02 10:00"), all_materials=False)
    with pytest.raises(BadInput, match="理由"):
        act(services, case_no, "request_supplement", CLERK, at("2026-03-02 10:05"), days=10)
    assert services.cases.get(case_no).state == "submitted"  # nothing stored
    act(services, case_no, "request_supplement", CLERK, at("2026-03-02 10:05"))
    case = services.cases.get(case_no)
    assert services.cases.history(case_no)[-1].payload["supplement_days"] == 30
    # 30 working days from Monday 2 March: March has 22 working days from the 3rd on (no
    # holiday), April's 1st-3rd are days 23-25, 3-6 April is 清明 (4-6 off), so 7-13 April.
    assert beijing_day(case.supplement_due) == "2026-04-14"


def test_a_supplement_clears_the_deadline_and_nothing_lapses(services: Services) -> None:
    case_no = _waiting(services, "sichuan", at("2026-09-16 10:00"), days=3, reason="急需")
    act(services, case_no, "supplement", CLERK, at("2026-09-18 09:00"))
    assert services.cases.get(case_no).supplement_due is None
    report = run_followups(services, at("2026-09-21 09:00"), remind_days=1)
    assert report.lapsed == [] and recorded(services, case_no) == []
    assert services.cases.get(case_no).state == "submitted"


def test_a_lapse_on_a_make_up_sunday_withdraws_the_case_as_the_system(
    services: Services,
) -> None:
    _route(services, "sichuan")
    # Wed 16 Sept; Thu 17 day 1, Fri 18 day 2, Sat 19 off, Sun 20 (调休 working day) day 3.
    case_no = _waiting(services, "sichuan", at("2026-09-16 10:00"), days=3, reason="急需")
    assert services.cases.get(case_no).supplement_due == at("2026-09-20 18:00").astimezone(dt.UTC)
    # One working day before: the reminder is due from 00:00 on Friday 18 Sept.
    assert run_followups(services, at("2026-09-17 16:00"), remind_days=1).raised == {}
    reminded = run_followups(services, at("2026-09-18 08:30"), remind_days=1)
    assert reminded.raised == {"supplement_remind": [case_no], "applicant_remind": [case_no]}
    assert run_followups(services, at("2026-09-19 10:00"), remind_days=1).raised == {}
    # On the Sunday itself the office is open until 18:00: not yet lapsed.
    assert run_followups(services, at("2026-09-20 17:59"), remind_days=1).lapsed == []
    lapsed = run_followups(services, at("2026-09-20 18:01"), remind_days=1)
    assert lapsed.lapsed == [case_no]
    case = services.cases.get(case_no)
    assert (case.state, case.outcome) == ("withdrawn", "lapsed")
    last = services.cases.history(case_no)[-1]
    assert (last.action, last.actor, last.role) == ("lapse", "system", "system")
    assert last.from_state == "supplement_requested" and last.to_state == "withdrawn"
    assert run_followups(services, at("2026-09-21 09:00"), remind_days=1).raised == {}
    assert recorded(services, case_no) == [
        "supplement_remind",
        "applicant_remind",
        "lapsed",
        "applicant_lapsed",
    ]
    events = [e.action for e in services.cases.history(case_no)]
    assert events.count("lapse") == 1
    # The assignee's route got the reminder and the lapse, once each.
    assert len(_queued(services)) == 2
    _, breaks = services.cases.verify(case_no)  # the chain replays to the stored row
    assert breaks == []


def test_where_the_region_says_card_a_supervisor_card_is_raised_once(
    services: Services,
) -> None:
    _route(services, "kashgar")
    case_no = _waiting(services, "kashgar", at("2026-09-16 10:00"), days=3, reason="急需")
    first = run_followups(services, at("2026-09-21 09:00"), remind_days=0)
    assert first.lapsed == [] and first.raised == {"supplement_overdue": [case_no]}
    assert run_followups(services, at("2026-09-22 09:00"), remind_days=0).raised == {}
    assert services.cases.get(case_no).state == "supplement_requested"
    cards = services.followups.cards("kashgar")
    assert [(c.case_no, c.kind) for c in cards] == [(case_no, "supplement_overdue")]
    assert len(_queued(services)) == 1
    # The supervisor withdraws it by hand; the card closes.
    act(services, case_no, "withdraw", SUPERVISOR, at("2026-09-22 10:00"), reason="逾期未补正")
    run_followups(services, at("2026-09-22 10:05"), remind_days=0)
    assert services.followups.cards("kashgar") == []


def test_two_stores_racing_on_one_database_withdraw_once(db_url: str) -> None:
    with services_on(db_url) as one, services_on(db_url) as two:
        case_nos = [
            _waiting(one, "sichuan", at(f"2026-09-16 10:0{n}"), days=3, reason="急需")
            for n in range(3)
        ]
        now = at("2026-09-21 09:00")
        barrier = threading.Barrier(2)
        reports = []

        def run(services: Services) -> None:
            barrier.wait()
            reports.append(run_followups(services, now, remind_days=0))

        threads = [threading.Thread(target=run, args=(s,)) for s in (one, two)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        lapsed = sorted(n for report in reports for n in report.lapsed)
        assert lapsed == sorted(case_nos)  # each case by exactly one of the two
        for case_no in case_nos:
            actions = [e.action for e in one.cases.history(case_no)]
            assert actions.count("lapse") == 1
            assert one.cases.get(case_no).outcome == "lapsed"
            assert recorded(one, case_no).count("lapsed") == 1


_RUN = (
    "import sys, datetime as dt\n"
    "from jingban.services import Services\n"
    "from jingban.storage import Database\n"
    "from jingban.scheduler.followups import run_followups\n"
    "services = Services(Database(sys.argv[1]))\n"
    "report = run_followups(services, dt.datetime.fromisoformat(sys.argv[2]), remind_days=0)\n"
    "print(','.join(report.lapsed))\n"
    "services.db.dispose()\n"
)


def test_two_scheduler_processes_lapse_each_case_once(db_url: str) -> None:
    with services_on(db_url) as services:
        case_nos = [
            _waiting(services, "sichuan", at(f"2026-09-16 10:{n:02d}"), days=3, reason="急需")
            for n in range(8)
        ]
        now = at("2026-09-21 09:00").isoformat()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _RUN, db_url, now],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        lapsed: list[str] = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-800:]
            lapsed += [n for n in out.strip().split(",") if n]
        assert sorted(lapsed) == sorted(case_nos)  # every case once, by one of the two
        for case_no in case_nos:
            assert [e.action for e in services.cases.history(case_no)].count("lapse") == 1
            assert recorded(services, case_no) == ["lapsed", "applicant_lapsed"]

"""A calendar change reaches every open case: the change and the recalculation it owes are
recorded in one transaction, a process killed half-way through the recalculation leaves it
pending, and `jingban calendar recalc` or the scheduler's leader finishes it. Every action
computes with the calendar version the database holds, whatever another process cached.
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sched_support import (
    CLERK,
    SUPERVISOR,
    act,
    at,
    jingban_command,
    open_case,
    services_on,
)
from support import NOTICE_2027

from jingban.calendar import read_notice
from jingban.scheduler.runner import SchedulerService
from jingban.services import Services
from jingban.storage.calendar_changes import changes

# Sichuan outpatient_reimbursement, 30 working days, received Monday 2026-12-28 10:00: due
# 2027-02-15 on the guessed 2027 calendar, 2027-02-16 with the 2027 notice (see
# test_sched_calendar_change).
RECEIVED = at("2026-12-28 10:00")
GUESSED_DUE = at("2027-02-15 17:30")
NOTICE_DUE = at("2027-02-16 17:30")
IMPORTED_AT = "2026-12-29 02:00:00"  # 10:00 Beijing

# Runs `jingban ARGS…` at IMPORTED_AT, killing itself (SIGKILL, no clean-up of any kind)
# when it is about to recalculate its KILL_AFTER+1-th case: the kill lands mid-job at the
# same point on every run.
DYING = """\
import os, signal, sys
from freezegun import freeze_time
from jingban.storage.case_store import CaseStore
freeze_time(os.environ["FROZEN_AT"]).start()
limit, done = int(os.environ["KILL_AFTER"]), [0]
original = CaseStore.recalculate_case
def dying(self, *args, **kwargs):
    if done[0] == limit:
        os.kill(os.getpid(), signal.SIGKILL)
    done[0] += 1
    return original(self, *args, **kwargs)
CaseStore.recalculate_case = dying
from jingban.cli.main import main
sys.argv = ["jingban", *sys.argv[1:]]
main()
"""


def _run(url: str, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "JINGBAN_DATABASE_URL": url,
        "PYTHONIOENCODING": "utf-8",
        **env,
    }
    return subprocess.run(
        args,
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def _killed_import(url: str, tmp_path: Path, services: Services) -> list[str]:
    """Six open cases; an import killed after recalculating three of them (batches of
    two: the first batch's progress saved, the second's not). Returns the case numbers."""
    numbers = [open_case(services, "sichuan", "outpatient_reimbursement", RECEIVED)]
    numbers += [
        open_case(services, "sichuan", "outpatient_reimbursement", RECEIVED) for _ in range(5)
    ]
    for number in numbers:
        assert services.cases.get(number).statutory_due == GUESSED_DUE
    script = tmp_path / "dying.py"
    script.write_text(DYING, encoding="utf-8")
    killed = _run(
        url,
        tmp_path,
        sys.executable,
        str(script),
        "calendar",
        "import",
        str(NOTICE_2027),
        JINGBAN_CALENDAR_RECALC_BATCH="2",
        KILL_AFTER="3",
        FROZEN_AT=IMPORTED_AT,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    dues = [services.cases.get(n).statutory_due for n in numbers]
    assert dues == [NOTICE_DUE] * 3 + [GUESSED_DUE] * 3
    pending = changes(services.db, pending_only=True)
    assert [(c.kind, c.year, c.recalculated) for c in pending] == [("import", 2027, 2)]
    assert pending[0].last_case_id > 0
    return numbers


def _all_on_the_notice(services: Services, numbers: list[str]) -> None:
    for number in numbers:
        case = services.cases.get(number)
        assert (case.promised_due, case.statutory_due, case.provisional) == (
            NOTICE_DUE,
            NOTICE_DUE,
            False,
        )
        recalculations = [e for e in services.cases.history(number) if e.action == "recalculate"]
        assert len(recalculations) == 1  # a case done before the kill is not done twice
        assert services.cases.verify(number)[1] == []
    assert changes(services.db, pending_only=True) == []
    (change,) = changes(services.db)
    # Counted per saved batch: the third case moved in the batch the kill cut short.
    assert (change.recalculated, change.finished_at is not None) == (5, True)


def test_calendar_recalc_finishes_what_a_killed_import_left(db_url: str, tmp_path: Path) -> None:
    with services_on(db_url) as services:
        numbers = _killed_import(db_url, tmp_path, services)
        # The state is visible before anything finishes it.
        show = _run(db_url, tmp_path, *jingban_command(), "calendar", "show", "2027")
        assert "重新计算进行中" in show.stderr
        history = _run(db_url, tmp_path, *jingban_command(), "calendar", "history", "--json")
        assert [c["pending"] for c in json.loads(history.stdout)] == [True]
        # Importing again is still refused: the notice is stored, only the cases wait.
        again = _run(db_url, tmp_path, *jingban_command(), "calendar", "import", str(NOTICE_2027))
        assert again.returncode == 3
        assert "--replace" in again.stderr

        recalc = _run(db_url, tmp_path, *jingban_command(), "calendar", "recalc", "--json")
        assert recalc.returncode == 0, recalc.stderr
        report = json.loads(recalc.stdout)
        assert sorted(report["changed_cases"]) == sorted(numbers[3:])
        assert report["pending"] == []
        _all_on_the_notice(services, numbers)

        nothing = _run(db_url, tmp_path, *jingban_command(), "calendar", "recalc")
        assert (nothing.returncode, nothing.stdout.strip()) == (0, "没有待完成的日历重新计算")


def test_the_scheduler_leader_finishes_what_a_killed_import_left(
    db_url: str, tmp_path: Path
) -> None:
    with services_on(db_url) as services:
        numbers = _killed_import(db_url, tmp_path, services)
    # A process started afterwards (its calendars read fresh) leads and scans.
    with services_on(db_url) as later:
        leader = SchedulerService(later, clock=lambda: at("2026-12-29 11:00"))
        leader.scan_once()
        _all_on_the_notice(later, numbers)


def test_an_action_uses_the_calendar_another_process_just_changed(db_url: str) -> None:
    with services_on(db_url) as here, services_on(db_url) as there:
        assert here.calendar_ttl_seconds >= 30  # the window the defect lived in
        case_no = open_case(here, "sichuan", "outpatient_reimbursement", RECEIVED)
        act(here, case_no, "accept", CLERK, RECEIVED)
        assert here.calendar("sichuan").is_provisional(NOTICE_DUE.date())  # cached, old

        # Another process imports the 2027 notice and recalculates the open cases.
        imported = at("2026-12-29 10:00")
        there.calendar_store.install_notice(read_notice(str(NOTICE_2027)), now=imported)
        assert there.finish_calendar_changes(imported)
        assert here.cases.get(case_no).statutory_due == NOTICE_DUE

        # Within this process's TTL: an extension counts 10 working days on the new
        # calendar (02-20, a 调休 Saturday, works; the guessed calendar would give 03-02).
        extended = act(
            here,
            case_no,
            "extend",
            SUPERVISOR,
            at("2026-12-30 10:00"),
            reason="需专家评审",
            days=10,
        )
        assert extended.case.statutory_due == at("2027-03-01 17:30")
        assert extended.case.provisional is False
        # A registration computes on it too.
        opened = open_case(here, "sichuan", "outpatient_reimbursement", RECEIVED)
        assert here.cases.get(opened).statutory_due == NOTICE_DUE


def test_a_change_and_its_recalculation_are_recorded_together(db_url: str) -> None:
    with services_on(db_url) as services:
        open_case(services, "sichuan", "outpatient_reimbursement", RECEIVED)
        version = services.calendar_version()
        day = RECEIVED.date()
        services.calendar_store.close("sichuan", day, "停电", actor="admin", now=RECEIVED)
        assert services.calendar_version() == version + 1
        (pending,) = changes(services.db, pending_only=True)
        assert (pending.kind, pending.region, pending.actor, pending.last_case_id) == (
            "close",
            "sichuan",
            "admin",
            0,
        )
        services.calendar_store.reopen("sichuan", day, actor="admin", now=RECEIVED)
        assert services.calendar_version() == version + 2
        finished = services.finish_calendar_changes(RECEIVED)
        assert [f.change.kind for f in finished] == ["close", "reopen"]
        assert changes(services.db, pending_only=True) == []
        assert [c.kind for c in changes(services.db)] == ["close", "reopen"]

"""`SchedulerService` in this process: the job defaults, the scan at start-up after downtime,
runs missed while the machine slept (APScheduler's own misfire machinery), and leadership.

Scans read a frozen clock passed to the service; APScheduler itself runs on the wall clock,
and the tests wait for its job events (bounded), never for time to pass.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler
from sched_support import (
    CLERK,
    act,
    at,
    fresh_pg_url,
    open_case,
    passed,
    rows,
    services_on,
)
from sqlalchemy import text

from jingban.calendar import BEIJING, region_keys
from jingban.scheduler.leader import AdvisoryLock, FileLock
from jingban.scheduler.runner import JOB_DEFAULTS, SchedulerService
from jingban.services import Services

ITEM = "hypertension_diabetes_recognition"  # Sichuan, 10 working days
# Received Friday 09-18: accept due 09-24 18:00, promised = statutory due 10-09 17:30.
RECEIVED = at("2026-09-18 10:00")
# The server stopped on Thursday 09-24 at noon and came back on Monday 10-12 at 09:00.
STOPPED = at("2026-09-24 12:00")
BACK = at("2026-10-12 09:00")
WAIT = 15.0  # seconds, at most, for a job event


class Events:
    """Job events of one scheduler, by job id."""

    def __init__(self, scheduler: Any) -> None:
        self.seen: list[tuple[str, int]] = []
        self.changed = threading.Condition()
        scheduler.add_listener(self, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)

    def __call__(self, event: Any) -> None:
        with self.changed:
            self.seen.append((event.job_id, event.code))
            self.changed.notify_all()

    def of(self, job_id: str) -> list[int]:
        return [code for jid, code in self.seen if jid == job_id]

    def wait_for(self, job_id: str) -> list[int]:
        with self.changed:
            if not self.changed.wait_for(lambda: self.of(job_id), timeout=WAIT):
                pytest.fail(f"no event for job {job_id!r} within {WAIT} s")
            return self.of(job_id)


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'jingban.db'}"


@pytest.fixture
def downtime_cases(db_url: str) -> Iterator[tuple[Services, list[tuple[str, str, str]]]]:
    """Cases whose dues passed while the server was down, and those alerts."""
    with services_on(db_url) as services:
        accepted = open_case(services, "sichuan", ITEM, RECEIVED)
        act(services, accepted, "accept", CLERK, RECEIVED)
        undecided = open_case(services, "sichuan", ITEM, RECEIVED)
        # Received 10-08: 10 working days → 10-22, still ahead on 10-12.
        open_case(services, "sichuan", ITEM, at("2026-10-08 10:00"))
        expected = sorted(
            [
                (accepted, "orange", "promised"),
                (accepted, "red", "statutory"),
                (undecided, "red", "accept"),
                (undecided, "orange", "promised"),
                (undecided, "red", "statutory"),
            ]
        )
        yield services, expected


def _service(services: Services, now: dt.datetime, **kwargs: Any) -> SchedulerService:
    return SchedulerService(services, clock=lambda: now, node=f"node@{now:%m%d%H%M}", **kwargs)


def test_every_job_coalesces_and_has_no_misfire_limit(sqlite_url: str) -> None:
    assert JOB_DEFAULTS["coalesce"] is True
    assert JOB_DEFAULTS["misfire_grace_time"] is None
    with services_on(sqlite_url) as services:
        service = _service(services, BACK)
        service.scheduler.start(paused=True)
        try:
            assert service.elect()
            jobs = {job.id: job for job in service.scheduler.get_jobs()}
            assert set(jobs) == {
                "scan",
                "followups",
                "deliver",
                "exchange",
                "checkpoint",
                *(f"digest:{r}" for r in region_keys()),
            }
            for job in jobs.values():
                assert (job.coalesce, job.misfire_grace_time, job.max_instances) == (
                    True,
                    None,
                    1,
                ), job.id
        finally:
            service.stop()


def test_the_first_scan_at_start_up_raises_everything_due_during_downtime(
    downtime_cases: tuple[Services, list[tuple[str, str, str]]],
) -> None:
    services, expected = downtime_cases
    before = _service(services, STOPPED)
    assert passed(before.scan_once()) == []  # the last scan before the stop

    after = _service(services, BACK, scan_seconds=3600)
    events = Events(after.scheduler)
    try:
        after.start()
        assert after.leading
        assert events.wait_for("scan") == [EVENT_JOB_EXECUTED]
    finally:
        after.stop()
    assert after.last_scan is not None
    assert passed(after.last_scan) == expected
    # A restart raises none of them again.
    again = _service(services, BACK + dt.timedelta(hours=2), scan_seconds=3600)
    assert passed(again.scan_once()) == []
    ledger = rows(services, "SELECT node, new_alerts FROM scan_runs ORDER BY id")
    assert [r["node"] for r in ledger] == [before.node, after.node, again.node]
    assert sum(r["new_alerts"] for r in ledger) == len(after.last_scan.alerts)


def _missed_scan(service: SchedulerService) -> Events:
    """Start ``service``'s scheduler paused, lead, move the scan job's next run 2.5 hours
    into the past (the machine slept through two hourly runs and half of a third), then let
    APScheduler process it; returns the job events once the scan job reported."""
    events = Events(service.scheduler)
    service.scheduler.start(paused=True)
    assert service.elect()
    late = dt.datetime.now(BEIJING) - dt.timedelta(hours=2, minutes=30)
    service.scheduler.modify_job("scan", next_run_time=late)
    service.scheduler.resume()
    events.wait_for("scan")
    return events


def test_runs_missed_while_asleep_run_once_late(
    downtime_cases: tuple[Services, list[tuple[str, str, str]]],
) -> None:
    services, expected = downtime_cases
    service = _service(services, BACK, scan_seconds=3600)
    try:
        events = _missed_scan(service)
        job = service.scheduler.get_job("scan")
        assert job.next_run_time > dt.datetime.now(BEIJING)
    finally:
        service.stop()
    # Three run times were due (-2.5 h, -1.5 h, -0.5 h): coalesced into one run, not dropped.
    assert events.of("scan") == [EVENT_JOB_EXECUTED]
    assert service.last_scan is not None
    assert passed(service.last_scan) == expected
    assert len(rows(services, "SELECT id FROM scan_runs")) == 1


def test_with_apschedulers_default_grace_the_late_run_would_be_dropped(
    downtime_cases: tuple[Services, list[tuple[str, str, str]]],
) -> None:
    """The control: APScheduler's defaults (misfire_grace_time=1) drop the late scan, which
    is why the service sets its own."""
    services, _ = downtime_cases
    service = _service(services, BACK, scan_seconds=3600)
    service.scheduler = BackgroundScheduler(timezone=BEIJING)
    try:
        events = _missed_scan(service)
    finally:
        service.stop()
    assert events.of("scan") == [EVENT_JOB_MISSED]
    assert service.last_scan is None
    assert rows(services, "SELECT id FROM alerts") == []


def test_one_leader_at_a_time_and_a_standby_takes_over(db_url: str) -> None:
    with services_on(db_url) as services:
        first = _service(services, BACK)
        second = _service(services, BACK)
        for service in (first, second):
            service.scheduler.start(paused=True)
        try:
            assert first.elect()
            assert not second.elect()
            assert first.scheduler.get_job("scan") is not None
            assert second.scheduler.get_jobs() == []
            assert first.leadership.still_leading()
            first.stop()
            assert second.elect()
            assert second.scheduler.get_job("scan") is not None
            assert second.elect()  # staying leader is idempotent
        finally:
            first.stop()
            second.stop()


def test_file_lock_is_released_when_its_holder_lets_go(tmp_path: Any) -> None:
    path = tmp_path / "jingban.db.scheduler.lock"
    one, two = FileLock(path), FileLock(path)
    try:
        assert one.acquire()
        assert not two.acquire()
        one.release()
        assert two.acquire()
        assert not one.acquire()
    finally:
        one.release()
        two.release()


def test_advisory_lock_follows_its_connection() -> None:
    url = fresh_pg_url()
    with services_on(url) as a, services_on(url) as b:
        one, two = AdvisoryLock(a.db.engine), AdvisoryLock(b.db.engine)
        try:
            assert one.acquire()
            assert one.still_leading()
            assert not two.acquire()
            # The leader's connection dies (as when its process is killed).
            pid = one._conn.execute(text("SELECT pg_backend_pid()")).scalar()
            with b.db.engine.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            assert not one.still_leading()
            assert two.acquire()
            assert not one.acquire()
        finally:
            one.release()
            two.release()


def test_the_leader_writes_one_audit_checkpoint_a_day(db_url: str) -> None:
    with services_on(db_url) as services:
        open_case(services, "sichuan", ITEM, at("2026-10-08 10:00"))
        first = _service(services, at("2026-10-09 00:30"))
        assert first.checkpoint_once() is not None
        # A leader taking over the same day finds the day's written already.
        assert _service(services, at("2026-10-09 15:00")).checkpoint_once() is None
        assert _service(services, at("2026-10-10 00:30")).checkpoint_once() is not None
        assert services.checkpoints.verify() == (2, [])

"""The scheduler process: APScheduler jobs for the scan, deliveries, daily digests and the
daily audit checkpoint, run only by the elected leader.

APScheduler 3 cannot share a job store between processes, so every process keeps its jobs in
memory and the leader lock decides who runs them. Jobs coalesce and have no misfire grace
limit: a run missed while the machine slept runs once, late, instead of being dropped (the
default one-second grace would silently drop it). The first scan runs at start-up and raises
everything that became due during downtime.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import Counter, Histogram

from jingban.calendar import BEIJING, region_keys, region_profile
from jingban.scheduler.delivery import DeliveryReport, deliver_due
from jingban.scheduler.digest import enqueue_digests
from jingban.scheduler.exchange_push import PushReport, Target, push_due
from jingban.scheduler.followups import FollowupReport, run_followups
from jingban.scheduler.leader import Leadership, leadership_for
from jingban.scheduler.triggers import WorkingDayTrigger
from jingban.services import Services
from jingban.settings import settings
from jingban.storage.scan import ScanResult

log = logging.getLogger("jingban.scheduler")

JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}

# What this process's scans took and raised (`GET /metrics`; docs/operations.md).
SCAN_SECONDS = Histogram(
    "jingban_scan_duration_seconds",
    "Wall time of the scheduled deadline scans this process ran",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
SCAN_ALERTS = Counter(
    "jingban_scan_new_alerts", "Alerts raised by the scheduled scans this process ran"
)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SchedulerService:
    """Elects a leader and, while leading, scans every ``scan_seconds``, delivers pending
    alerts every ``deliver_seconds``, pushes case events to the provincial platform every
    ``exchange_seconds`` (when ``exchange_url`` is set), queues each region's digest at
    ``digest_at`` on its working days, and writes the day's audit checkpoint at
    ``audit_checkpoint_at``; each left out comes from `jingban.settings`. ``clock`` gives
    "now" (tests pass a frozen one)."""

    def __init__(
        self,
        services: Services,
        *,
        scan_seconds: int | None = None,
        deliver_seconds: int | None = None,
        elect_seconds: int | None = None,
        digest_at: dt.time | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
        node: str | None = None,
        leadership: Leadership | None = None,
    ) -> None:
        config = settings()
        self.services = services
        self.scan_seconds = config.scan_seconds if scan_seconds is None else scan_seconds
        self.deliver_seconds = (
            config.deliver_seconds if deliver_seconds is None else deliver_seconds
        )
        self.elect_seconds = config.elect_seconds if elect_seconds is None else elect_seconds
        self.digest_at = config.digest_at if digest_at is None else digest_at
        self.checkpoint_at = config.audit_checkpoint_at
        self.clock = clock
        self.node = node or f"{socket.gethostname()}:{os.getpid()}"
        self.leadership = leadership or leadership_for(services.db.engine)
        self.scheduler = BackgroundScheduler(timezone=BEIJING, job_defaults=JOB_DEFAULTS)
        self.leading = False
        self._lock = threading.Lock()
        self.last_scan: ScanResult | None = None

    # -- jobs -----------------------------------------------------------------------------

    def finish_calendar_changes(self) -> int:
        """The leader's first duty, on taking the lead and before every scan: finish the
        recalculation of open cases any recorded calendar change still owes (a process
        killed during a notice import or a closure left it unfinished). Returns the number
        of changes finished."""
        done = self.services.finish_calendar_changes(self.clock())
        for finished in done:
            log.info(
                "calendar change v%d finished: %d cases recalculated",
                finished.change.version,
                len(finished.changed),
            )
        return len(done)

    def scan_once(self) -> ScanResult:
        """One scheduled scan: the slot is the interval it belongs to, so a failover within
        the same interval does not scan twice. Unfinished calendar recalculations are
        finished first, so the scan sees every case's dues on the current calendar."""
        self.finish_calendar_changes()
        now = self.clock()
        slot_start = int(now.timestamp()) // self.scan_seconds * self.scan_seconds
        slot = f"every{self.scan_seconds}s:{slot_start}"
        started = time.perf_counter()
        result = self.services.scan_deadlines(now, slot=slot, node=self.node, now=now)
        if not result.skipped:
            SCAN_SECONDS.observe(time.perf_counter() - started)
            SCAN_ALERTS.inc(result.count)
        self.last_scan = result
        log.info(
            "scan %s: %d new, %d closed%s",
            slot,
            result.count,
            result.closed,
            " (already scanned)" if result.skipped else "",
        )
        return result

    def followups_once(self) -> FollowupReport:
        """One follow-up run (`jingban.scheduler.followups`): supplement reminders and
        lapses, overdue 容缺 materials and undertaking checks."""
        report = run_followups(
            self.services, self.clock(), remind_days=settings().supplement_remind_days
        )
        if report.raised or report.lapsed:
            log.info("follow-ups: %s, lapsed %s", report.raised, report.lapsed)
        return report

    def deliver_once(self) -> DeliveryReport:
        return deliver_due(
            self.services.deliveries, self.services.calendar, self.clock(), clock=self.clock
        )

    def exchange_once(self) -> PushReport | None:
        """Push waiting case events to the provincial platform (None: no URL configured)."""
        target = Target.from_settings()
        if target is None:
            return None
        return push_due(
            self.services.exchange,
            self.services.exchange_codes,
            target,
            self.clock(),
            clock=self.clock,
        )

    def digest_once(self, region: str) -> int:
        return enqueue_digests(self.services, region, self.clock())

    def checkpoint_once(self) -> int | None:
        """Write the day's keyed audit checkpoint (slot ``daily:`` + the Beijing date), unless
        one was written for the day already (by this leader or one before it); returns its
        id, or None."""
        now = self.clock()
        slot = f"daily:{now.astimezone(BEIJING).date().isoformat()}"
        made = self.services.checkpoints.make(now=now, by=self.node, slot=slot)
        if made is not None:
            log.info("audit checkpoint %s: %d cases changed", made.id, len(made.items))
        return None if made is None else made.id

    def _lead(self) -> None:
        self.scheduler.add_job(
            self.scan_once,
            IntervalTrigger(seconds=self.scan_seconds),
            id="scan",
            next_run_time=dt.datetime.now(BEIJING),
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.followups_once,
            IntervalTrigger(seconds=self.scan_seconds),
            id="followups",
            next_run_time=dt.datetime.now(BEIJING),
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.deliver_once,
            IntervalTrigger(seconds=self.deliver_seconds),
            id="deliver",
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.exchange_once,
            IntervalTrigger(seconds=settings().exchange_seconds),
            id="exchange",
            replace_existing=True,
        )
        at = self.checkpoint_at
        self.scheduler.add_job(
            self.checkpoint_once,
            CronTrigger(hour=at.hour, minute=at.minute, timezone=BEIJING),
            id="checkpoint",
            next_run_time=dt.datetime.now(BEIJING),  # the day's, if it is missing
            replace_existing=True,
        )
        for region in region_keys():
            trigger = WorkingDayTrigger(
                functools.partial(self.services.calendar, region), self.digest_at
            )
            self.scheduler.add_job(
                self.digest_once,
                trigger,
                args=[region],
                id=f"digest:{region}",
                replace_existing=True,
                name=f"{region_profile(region).name}每日汇总",
            )

    def _follow(self) -> None:
        jobs = [
            "scan",
            "followups",
            "deliver",
            "exchange",
            "checkpoint",
            *(f"digest:{r}" for r in region_keys()),
        ]
        for job_id in jobs:
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.remove_job(job_id)

    def elect(self) -> bool:
        """Try to lead; start or stop the jobs when leadership changes. Returns leading."""
        with self._lock:
            try:
                leading = self.leadership.acquire()
            except Exception:  # the database is unreachable: stand by
                log.exception("leader election failed")
                leading = False
            if leading and not self.leading:
                log.info("%s leads the scheduler", self.node)
                self._lead()
            elif not leading and self.leading:
                log.info("%s stands by", self.node)
                self._follow()
            self.leading = leading
            return leading

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Start in the background: elect now, then re-elect every ``elect_seconds``."""
        self.scheduler.start()
        self.elect()
        self.scheduler.add_job(
            self.elect,
            IntervalTrigger(seconds=self.elect_seconds),
            id="elect",
            replace_existing=True,
        )

    def stop(self) -> None:
        """Stop the jobs and give up leadership."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.leadership.release()
        self.leading = False

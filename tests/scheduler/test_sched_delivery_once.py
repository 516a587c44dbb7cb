"""Deliveries sent exactly once: two workers at once (threads, and two `jingban alerts
deliver` processes) against a loopback robot and a loopback SMTP server each send every
delivery once; a worker killed mid-send leaves it to the next worker once its lease expires,
which resends it under the same idempotency key; a worker that lost its lease records
nothing. SQLite and PostgreSQL.

The processes run the real command with their clock frozen at an office-hours instant
(freezegun, before jingban is imported), so no test waits for wall-clock time to pass: a
lease expires because the next worker runs at a later instant.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from sched_support import CLERK, act, at, open_case, services_on, stop_all, wait_for
from sqlalchemy import text

from jingban.scheduler.delivery import DeliveryReport, deliver_due
from jingban.services import Services
from jingban.storage.messages import Message
from jingban.storage.routes import Route

if TYPE_CHECKING:  # the fixtures' types, from this directory's conftest.py
    from conftest import RobotServer, SmtpServer

MINUTE = dt.timedelta(minutes=1)
SENDER = "经办系统 <jingban@ybj.example.cn>"
# Shawan transfer_continuation received 2026-05-13 11:00 and accepted: by Tuesday 06-09
# 11:00 (office hours) its promised and statutory dues have passed: orange and red.
SW_RECEIVED = at("2026-05-13 11:00")
NOW = at("2026-06-09 11:00")

# `jingban ARGS…` in a process whose clock stands still at argv[1] (UTC ISO 8601).
FROZEN_CLI = (
    "import sys\n"
    "from freezegun import freeze_time\n"
    "freeze_time(sys.argv[1]).start()\n"
    "from jingban.cli.main import main\n"
    "sys.argv = ['jingban', *sys.argv[2:]]\n"
    "main()\n"
)


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as found:
        yield found


def email_route(services: Services, smtp: SmtpServer) -> Route:
    return services.routes.add_route(
        region="shawan",
        name="医保科科长",
        kind="email",
        target="kezhang@ybj.example.cn",
        options={"host": smtp.host, "port": str(smtp.port), "sender": SENDER, "timeout": "5"},
    )


def robot_route(services: Services, robot: RobotServer, timeout: int = 10) -> Route:
    return services.routes.add_route(
        region="shawan",
        name="经办群",
        kind="wecom",
        target=robot.url(),
        options={"timeout": str(timeout)},
    )


def overdue_cases(services: Services, n: int) -> int:
    """``n`` overdue Shawan cases, scanned at `NOW` (which queues their deliveries);
    returns how many deliveries were queued."""
    for _ in range(n):
        case_no = open_case(services, "shawan", "transfer_continuation", SW_RECEIVED)
        act(services, case_no, "accept", CLERK, SW_RECEIVED)
    return services.scan_deadlines(NOW, now=NOW).queued


def statuses(services: Services) -> Counter[tuple[str, int]]:
    return Counter((d["status"], d["attempts"]) for d in services.deliveries.deliveries())


def keys(robot: RobotServer) -> list[str]:
    return [p.headers["Idempotency-Key"] for p in robot.posts]


def frozen_deliver(url: str, instant: dt.datetime, **env: str) -> subprocess.Popen[bytes]:
    """`jingban alerts deliver` in a process frozen at ``instant``."""
    return subprocess.Popen(
        [sys.executable, "-c", FROZEN_CLI, instant.isoformat(), "alerts", "deliver"],
        env={
            **os.environ,
            "JINGBAN_DATABASE_URL": url,
            "PYTHONIOENCODING": "utf-8",
            "no_proxy": "*",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


# --- two workers at once -----------------------------------------------------------------


def test_two_threads_delivering_at_once_send_each_delivery_once(
    db_url: str, services: Services, robot: RobotServer, smtp_server: SmtpServer
) -> None:
    email_route(services, smtp_server)
    robot_route(services, robot)
    assert overdue_cases(services, 3) == 12  # 3 cases × (orange, red) × 2 routes
    for _ in range(12):
        robot.answer(delay=0.05)  # slow enough that the workers overlap
    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []

    def worker() -> None:
        with services_on(db_url) as own:  # each worker its own services, as a process has
            start.wait()
            reports.append(deliver_due(own.deliveries, own.calendar, NOW, batch=2))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.sent for r in reports) == 12
    assert sum(r.lost for r in reports) == 0
    assert len(robot.posts) == 6 and len(set(keys(robot))) == 6
    assert len(smtp_server.received) == 6
    assert len({m.message["Message-ID"] for m in smtp_server.received}) == 6
    assert statuses(services) == Counter({("sent", 1): 12})


def test_two_deliver_commands_at_once_send_each_delivery_once(
    db_url: str, services: Services, robot: RobotServer, smtp_server: SmtpServer
) -> None:
    """The defect as found: `jingban alerts deliver` beside another worker sent 11 of 12
    twice. Two processes now share the 12 and each goes out once."""
    email_route(services, smtp_server)
    robot_route(services, robot)
    assert overdue_cases(services, 3) == 12
    for _ in range(12):
        robot.answer(delay=0.2)
    processes = [frozen_deliver(db_url, NOW) for _ in range(2)]
    try:
        outputs = [p.communicate(timeout=120) for p in processes]
    finally:
        stop_all(processes)
    for proc, (_out, err) in zip(processes, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    sent = [int(out.decode().split("已发送 ")[1].split("，")[0]) for out, _ in outputs]
    assert sum(sent) == 12
    assert len(robot.posts) == 6 and len(set(keys(robot))) == 6
    assert len(smtp_server.received) == 6
    assert statuses(services) == Counter({("sent", 1): 12})


# --- a worker that dies or stalls mid-send ----------------------------------------------


def test_a_worker_killed_mid_send_is_replaced_once_its_lease_expires(
    db_url: str, services: Services, robot: RobotServer
) -> None:
    robot_route(services, robot)
    case_no = open_case(services, "shawan", "transfer_continuation", SW_RECEIVED)
    act(services, case_no, "accept", CLERK, SW_RECEIVED)
    services.scan_deadlines(NOW, now=NOW)
    (keep, *_others) = [d["id"] for d in services.deliveries.deliveries()]
    with services.db.write() as conn:  # one delivery is enough
        conn.execute(text("DELETE FROM alert_deliveries WHERE id <> :keep"), {"keep": keep})
    robot.answer(delay=120)  # the robot holds its answer: the worker is mid-send
    proc = frozen_deliver(db_url, NOW, JINGBAN_DELIVERY_LEASE_SECONDS="5")
    try:
        wait_for(lambda: robot.posts, 60, "the first worker's POST")
        proc.kill()  # after claiming and sending, before recording anything
        proc.wait(timeout=10)
    finally:
        stop_all([proc])
    store = services.deliveries
    # Its lease (the route's 10 s timeout × 6) still holds: nobody else sends it.
    assert deliver_due(store, services.calendar, NOW + 30 * dt.timedelta(seconds=1)) == (
        DeliveryReport(0, 0, 0)
    )
    assert len(robot.posts) == 1
    # Expired: the next worker takes it over and resends the same attempt, same key.
    later = NOW + 2 * MINUTE
    assert deliver_due(store, services.calendar, later) == DeliveryReport(1, 0, 0)
    first, second = robot.posts
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.headers["X-Jingban-Delivery"] == second.headers["X-Jingban-Delivery"]
    assert first.body == second.body
    (row,) = store.deliveries()
    assert (row["status"], row["attempts"], row["lease_owner"]) == ("sent", 1, None)
    assert f"jingban-{row['token']}-1" == first.headers["Idempotency-Key"]


class _HoldingSmtp:
    """An SMTP handler that keeps what it is sent and holds its first answer to DATA
    until ``release`` is set (the sender is mid-send)."""

    def __init__(self, inner: SmtpServer) -> None:
        self.inner = inner
        self.release = threading.Event()
        self.held = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await type(self.inner).handle_DATA(self.inner, server, session, envelope)
        if not self.held:
            self.held = True
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return reply


def test_a_mail_resent_after_a_crash_carries_the_same_message_id(
    db_url: str, services: Services, smtp_server: SmtpServer
) -> None:
    holding = _HoldingSmtp(smtp_server)
    smtp_server.handle_DATA = holding.handle_DATA  # type: ignore[method-assign]
    route = email_route(services, smtp_server)
    message = Message("【红牌】测试", "### 测试", "测试")
    services.deliveries.enqueue_message("test:crash", route, message, first_try=NOW)
    proc = frozen_deliver(db_url, NOW, JINGBAN_DELIVERY_LEASE_SECONDS="5")
    try:
        wait_for(lambda: smtp_server.received, 60, "the first worker's mail")
        proc.kill()
        proc.wait(timeout=10)
    finally:
        stop_all([proc])
        holding.release.set()
    report = deliver_due(services.deliveries, services.calendar, NOW + 2 * MINUTE)
    assert report == DeliveryReport(1, 0, 0)
    first, second = (m.message for m in smtp_server.received)
    (row,) = services.deliveries.deliveries()
    assert first["Message-ID"] == second["Message-ID"] == f"<jingban.{row['token']}@ybj.example.cn>"
    assert first["X-Jingban-Delivery"] == second["X-Jingban-Delivery"] == f"{row['id']}; attempt=1"
    assert (row["status"], row["attempts"]) == ("sent", 1)


def test_a_worker_that_lost_its_lease_records_nothing(
    services: Services, robot: RobotServer
) -> None:
    """A worker stalled past its lease (the robot holds its answer) is overtaken; when the
    answer finally comes it finds the delivery no longer its own and records nothing."""
    robot_route(services, robot, timeout=20)  # the send's lease: the default 5 minutes
    case_no = open_case(services, "shawan", "transfer_continuation", SW_RECEIVED)
    act(services, case_no, "accept", CLERK, SW_RECEIVED)
    services.scan_deadlines(NOW, now=NOW)
    queued = len(services.deliveries.deliveries())
    robot.answer(delay=15)  # the first POST waits until released
    reports: list[DeliveryReport] = []
    stalled = threading.Thread(
        target=lambda: reports.append(
            deliver_due(services.deliveries, services.calendar, NOW, batch=1)
        )
    )
    stalled.start()
    try:
        wait_for(lambda: robot.posts, 30, "the stalled worker's POST")
        taken_over = deliver_due(services.deliveries, services.calendar, NOW + 6 * MINUTE)
    finally:
        robot.release.set()
        stalled.join(timeout=30)
    assert taken_over.sent == queued and taken_over.lost == 0
    (report,) = reports  # the stalled one is lost; the rest the other worker sent
    assert (report.sent, report.lost) == (0, 1)
    assert statuses(services) == Counter({("sent", 1): queued})
    first_key = robot.posts[0].headers["Idempotency-Key"]
    assert keys(robot).count(first_key) == 2  # the takeover resent that attempt
    assert len(set(keys(robot))) == queued

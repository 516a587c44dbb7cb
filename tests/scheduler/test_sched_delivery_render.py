"""A delivery's text is rendered when it is sent, from the case as it stands then: a delivery
held over a weekend counts the working days left from Monday, a due that moved after
queueing is the due the supervisor reads, and an alert no longer true is not sent at all.
Also migration 0013: deliveries queued before it are classified, keyed and still sent.
SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sched_support import CLERK, act, at, open_case, services_on
from sqlalchemy import text

from jingban.scheduler.delivery import DeliveryReport, deliver_due
from jingban.services import Services
from jingban.storage.migrate import alembic_config
from jingban.storage.timecodec import bind_time

if TYPE_CHECKING:  # the fixtures' types, from this directory's conftest.py
    from conftest import RobotServer

# Sichuan hypertension_diabetes_recognition (10 working days) received and accepted
# Wednesday 2026-06-03 10:00: promised = statutory due Wednesday 06-17 18:00, warned from
# Friday 06-12. Scanned Friday 19:00, after the office closed: yellow (promised) and orange
# (statutory approaching), "还剩 3 个工作日" (15, 16, 17), first tried at Monday's opening,
# when 2 are left.
RECEIVED = at("2026-06-03 10:00")
FRIDAY_EVENING = at("2026-06-12 19:00")
MONDAY = at("2026-06-15 09:00")
ITEM = "hypertension_diabetes_recognition"


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as found:
        yield found


def queued_on_friday(services: Services, robot: RobotServer) -> str:
    services.routes.add_route(region="sichuan", name="经办群", kind="wecom", target=robot.url())
    case_no = open_case(services, "sichuan", ITEM, RECEIVED)
    act(services, case_no, "accept", CLERK, RECEIVED)
    assert services.scan_deadlines(FRIDAY_EVENING, now=FRIDAY_EVENING).queued == 2
    previews = [d["text"] for d in services.deliveries.deliveries()]
    assert all("还剩 3 个工作日" in p and "2026-06-17 18:00" in p for p in previews)
    return case_no


def contents(robot: RobotServer) -> list[str]:
    return [p.body["markdown"]["content"] for p in robot.posts]


def deliver(services: Services, now: dt.datetime) -> DeliveryReport:
    return deliver_due(services.deliveries, services.calendar, now)


def test_a_delivery_held_over_the_weekend_counts_the_days_left_when_it_is_sent(
    services: Services, robot: RobotServer
) -> None:
    queued_on_friday(services, robot)
    assert deliver(services, FRIDAY_EVENING) == DeliveryReport(0, 0, 0)  # already waiting
    assert deliver(services, MONDAY) == DeliveryReport(2, 0, 0)
    for content in contents(robot):
        assert "还剩 2 个工作日" in content and "还剩 3" not in content
    # The row keeps what was sent.
    assert all("还剩 2 个工作日" in d["text"] for d in services.deliveries.deliveries())


def test_a_due_moved_after_queueing_is_the_due_that_is_sent(
    services: Services, robot: RobotServer
) -> None:
    """Tuesday 06-16 is closed after the alerts were queued; the dues move to Thursday 06-18
    before any scan ran (another process recalculated them): Monday's message says 06-18,
    2 working days left (17, 18)."""
    case_no = queued_on_friday(services, robot)
    services.calendar_store.close("sichuan", dt.date(2026, 6, 16), "停电检修", now=MONDAY)
    assert services.cases.recalculate_case(case_no, MONDAY, "闭馆")
    assert deliver(services, MONDAY) == DeliveryReport(2, 0, 0)
    for content in contents(robot):
        assert "2026-06-18 18:00" in content and "还剩 2 个工作日" in content
        assert "06-17" not in content


def test_alerts_closed_by_a_due_move_are_withdrawn_and_the_new_ones_sent(
    services: Services, robot: RobotServer
) -> None:
    """The same closure through `finish_calendar_changes` (what `jingban calendar close` runs):
    its scan closes the queued alerts (due moved) and raises new ones. The old deliveries are
    withdrawn, the new ones sent: two messages, not four, all with the new due."""
    queued_on_friday(services, robot)
    services.calendar_store.close("sichuan", dt.date(2026, 6, 16), "停电检修", now=MONDAY)
    assert services.finish_calendar_changes(MONDAY)
    report = deliver(services, MONDAY)
    assert (report.sent, report.cancelled) == (2, 2)
    assert all("2026-06-18 18:00" in c for c in contents(robot))
    cancelled = services.deliveries.deliveries("cancelled")
    assert len(cancelled) == 2
    assert all("时限已变更" in d["last_error"] for d in cancelled)


def test_an_alert_of_a_case_that_ended_meanwhile_is_not_sent(
    services: Services, robot: RobotServer
) -> None:
    case_no = queued_on_friday(services, robot)
    act(services, case_no, "withdraw", CLERK, MONDAY - dt.timedelta(hours=1), reason="申请人撤回")
    assert deliver(services, MONDAY) == DeliveryReport(0, 0, 0, cancelled=2)
    assert robot.posts == []
    assert {d["status"] for d in services.deliveries.deliveries()} == {"cancelled"}
    assert deliver(services, MONDAY + dt.timedelta(hours=1)) == DeliveryReport(0, 0, 0)


def test_migration_0013_keys_and_classifies_the_deliveries_queued_before_it(
    db_url: str, services: Services, robot: RobotServer
) -> None:
    route = services.routes.add_route(
        region="sichuan", name="经办群", kind="wecom", target=robot.url()
    )
    config = alembic_config(services.db.engine)
    before = ScriptDirectory.from_config(config).get_revision("0013_delivery_leases")
    command.downgrade(config, str(before.down_revision))
    legacy = (
        "INSERT INTO alert_deliveries (dedup_key, alert_id, route_id, region, status,"
        " attempts, next_attempt_at, subject, markdown, text) VALUES"
        " (:key, :alert, :route, 'sichuan', 'pending', 0, :at, '【红牌】旧', '### 旧', '旧')"
    )
    with services.db.engine.begin() as conn:
        for key, alert in (("alert:7", 7), ("digest:sichuan:2026-06-12", None), ("t:1", None)):
            conn.execute(
                text(legacy),
                {"key": key, "alert": alert, "route": route.id, "at": bind_time(conn, MONDAY)},
            )
    services.db.upgrade()
    rows = {d["dedup_key"]: d for d in services.deliveries.deliveries()}
    assert {k: d["kind"] for k, d in rows.items()} == {
        "alert:7": "alert",
        "digest:sichuan:2026-06-12": "digest",
        "t:1": "text",
    }
    tokens = {d["token"] for d in rows.values()}
    assert len(tokens) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", t) for t in tokens)
    assert {d["lease_owner"] for d in rows.values()} == {None}
    # Alert 7 never existed: withdrawn; the digest renders anew; the text goes as stored.
    report = deliver(services, MONDAY)
    assert (report.sent, report.cancelled) == (2, 1)
    digest, fixed = sorted(contents(robot), key=lambda c: c == "### 旧")
    assert digest.startswith("### 【每日汇总】四川省 2026-06-15") and fixed == "### 旧"

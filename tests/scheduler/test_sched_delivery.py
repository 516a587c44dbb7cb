"""The delivery queue: alerts routed to supervisors by e-mail and group robots (loopback
servers), sent only during the region's office hours, retried with backoff when a channel
fails, and sent exactly once when it recovers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from sched_support import (
    CLERK,
    act,
    as_utc,
    at,
    open_case,
    passed,
    scan_at,
    services_on,
)

from jingban.errors import BadInput
from jingban.scheduler.delivery import DeliveryReport, deliver_due
from jingban.scheduler.notify import Message
from jingban.services import Services
from jingban.storage.routes import Route

if TYPE_CHECKING:  # the fixtures' types, from this directory's conftest.py
    from conftest import RobotServer, SmtpServer

MINUTE = dt.timedelta(minutes=1)
SENDER = "经办系统 <jingban@ybj.example.cn>"
# Shawan transfer_continuation received Wednesday 2026-05-13 11:00 and accepted: promised due
# 06-01 20:00, statutory 06-08 20:00 (古尔邦节 05-27..29 skipped; see test_sched_levels).
SW_RECEIVED = at("2026-05-13 11:00")


@pytest.fixture
def services(tmp_path: Any) -> Iterator[Services]:
    with services_on(f"sqlite:///{tmp_path / 'jingban.db'}") as found:
        yield found


@pytest.fixture
def store(services: Services) -> Services:
    """The services whose alert, route and delivery stores the tests use."""
    return services


def email_route(store: Services, smtp: SmtpServer, region: str = "shawan") -> Route:
    return store.routes.add_route(
        region=region,
        name="医保科科长",
        kind="email",
        target="kezhang@ybj.example.cn",
        options={"host": smtp.host, "port": str(smtp.port), "sender": SENDER, "timeout": "5"},
    )


def robot_route(store: Services, robot: RobotServer, kind: str, region: str) -> Route:
    return store.routes.add_route(region=region, name="经办群", kind=kind, target=robot.url())


def deliveries(store: Services) -> list[dict[str, Any]]:
    return store.deliveries.deliveries()


def deliver(services: Services, store: Services, now: dt.datetime) -> DeliveryReport:
    return deliver_due(store.deliveries, services.calendar, now)


def queue_message(store: Services, route: Route, first_try: dt.datetime) -> None:
    store.deliveries.enqueue_message(
        "test:1", route, Message("【红牌】测试", "### 测试", "测试"), first_try=first_try
    )


def test_alerts_reach_every_route_of_their_region_once(
    services: Services, store: Services, smtp_server: SmtpServer, robot: RobotServer
) -> None:
    email_route(store, smtp_server)
    robot_route(store, robot, "wecom", "shawan")
    robot_route(store, robot, "dingtalk", "sichuan")  # another region: nothing for it
    case_no = open_case(services, "shawan", "transfer_continuation", SW_RECEIVED)
    act(services, case_no, "accept", CLERK, SW_RECEIVED)
    now = at("2026-06-09 11:00")  # Tuesday, inside 10:00–14:00
    result = scan_at(services, now)
    overdue = [a for a in result.alerts if (a.case_no, a.level, a.due_kind) in passed(result)]
    assert len(overdue) == 2  # orange promised, red statutory
    assert store.deliveries.enqueue_alerts(overdue, now=now) == 4  # two alerts × two Shawan routes
    assert store.deliveries.enqueue_alerts(overdue, now=now) == 0  # once per alert and route

    assert deliver(services, store, now) == DeliveryReport(sent=4, failed=0, waiting=0)
    subjects = sorted(m.message["Subject"] for m in smtp_server.received)
    assert len(subjects) == 2
    assert subjects[0].startswith(f"【橙牌】{case_no}")
    assert subjects[1].startswith(f"【红牌】{case_no} ")
    assert "已超过法定时限" in subjects[1]
    assert [p.body["msgtype"] for p in robot.posts] == ["markdown", "markdown"]
    assert all(case_no in p.body["markdown"]["content"] for p in robot.posts)
    assert {d["status"] for d in deliveries(store)} == {"sent"}
    assert {d["attempts"] for d in deliveries(store)} == {1}

    assert deliver(services, store, now + MINUTE) == DeliveryReport(0, 0, 0)
    assert (len(smtp_server.received), len(robot.posts)) == (2, 2)


def test_an_alert_raised_on_saturday_waits_for_mondays_opening(
    services: Services, store: Services, robot: RobotServer
) -> None:
    robot_route(store, robot, "wecom", "shawan")
    case_no = open_case(services, "shawan", "transfer_continuation", SW_RECEIVED)
    act(services, case_no, "accept", CLERK, SW_RECEIVED)
    saturday = at("2026-06-13 11:00")
    result = scan_at(services, saturday)
    store.deliveries.enqueue_alerts(result.alerts, now=saturday)
    monday = at("2026-06-15 10:00")  # Xinjiang offices open at 10:00 Beijing time
    assert {as_utc(d["next_attempt_at"]) for d in deliveries(store)} == {monday}
    assert deliver(services, store, saturday) == DeliveryReport(0, 0, 0)
    assert deliver(services, store, monday - MINUTE) == DeliveryReport(0, 0, 0)
    assert robot.posts == []
    sent = deliver(services, store, monday)
    assert (sent.sent, len(robot.posts)) == (len(result.alerts), len(result.alerts))


@pytest.mark.parametrize(
    ("region", "queued", "tried", "opening"),
    [
        # Xinjiang, a Saturday: Monday 10:00.
        ("shawan", "2026-06-12 13:00", "2026-06-13 11:00", "2026-06-15 10:00"),
        # Xinjiang, between the sessions (10–14, 16–20): 16:00 the same day.
        ("kashgar", "2026-06-12 13:00", "2026-06-12 15:00", "2026-06-12 16:00"),
        # Sichuan, Friday 21:00: Monday 09:00 (winter timetable).
        ("sichuan", "2026-10-16 17:00", "2026-10-16 21:00", "2026-10-19 09:00"),
        # Saturday 02-21 in 春节: Monday 02-23 is a day off traded for 02-28 → Tuesday.
        ("bingtuan", "2026-02-13 13:00", "2026-02-21 11:00", "2026-02-24 10:00"),
    ],
)
def test_outside_office_hours_a_due_delivery_waits_for_the_next_opening(
    services: Services,
    store: Services,
    robot: RobotServer,
    region: str,
    queued: str,
    tried: str,
    opening: str,
) -> None:
    route = robot_route(store, robot, "dingtalk", region)
    queue_message(store, route, at(queued))
    assert deliver(services, store, at(tried)) == DeliveryReport(sent=0, failed=0, waiting=1)
    (delivery,) = deliveries(store)
    assert (delivery["status"], delivery["attempts"]) == ("pending", 0)
    assert as_utc(delivery["next_attempt_at"]) == at(opening)
    assert robot.posts == []
    assert deliver(services, store, at(opening)).sent == 1
    assert len(robot.posts) == 1


def test_a_make_up_saturday_is_a_working_day_for_deliveries(
    services: Services, store: Services, robot: RobotServer
) -> None:
    route = robot_route(store, robot, "wecom", "bingtuan")
    queue_message(store, route, at("2026-02-13 19:00"))
    # Saturday 02-14 is 调休上班: the office is open at 11:00.
    assert deliver(services, store, at("2026-02-14 11:00")).sent == 1


def test_a_failing_robot_loses_nothing_and_is_sent_once_it_recovers(
    services: Services, store: Services, robot: RobotServer
) -> None:
    route = robot_route(store, robot, "wecom", "shawan")
    first = at("2026-06-09 11:00")
    queue_message(store, route, first)
    robot.answer(503, {"errcode": -1, "errmsg": "busy"})
    robot.answer(503, {"errcode": -1, "errmsg": "busy"})

    assert deliver(services, store, first) == DeliveryReport(sent=0, failed=1, waiting=0)
    (row,) = deliveries(store)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert as_utc(row["next_attempt_at"]) == first + MINUTE  # backoff(1) = 1 minute
    assert "503" in row["last_error"]
    # Not due again yet.
    assert deliver(services, store, first + MINUTE / 2) == DeliveryReport(0, 0, 0)
    assert len(robot.posts) == 1

    second = first + MINUTE
    assert deliver(services, store, second).failed == 1
    (row,) = deliveries(store)
    assert row["attempts"] == 2
    assert as_utc(row["next_attempt_at"]) == second + 2 * MINUTE  # backoff(2) = 2 minutes

    third = second + 2 * MINUTE
    assert deliver(services, store, third) == DeliveryReport(sent=1, failed=0, waiting=0)
    (row,) = deliveries(store)
    assert (row["status"], row["attempts"], as_utc(row["sent_at"])) == ("sent", 3, third)
    assert deliver(services, store, third + 10 * MINUTE) == DeliveryReport(0, 0, 0)
    assert len(robot.posts) == 3  # two refused, one accepted: delivered exactly once


def test_a_failing_mail_server_loses_nothing(
    services: Services, store: Services, smtp_server: SmtpServer
) -> None:
    route = email_route(store, smtp_server)
    first = at("2026-06-09 11:00")
    queue_message(store, route, first)
    smtp_server.data_reply = "451 4.3.0 Try again later"
    assert deliver(services, store, first).failed == 1
    (row,) = deliveries(store)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    smtp_server.data_reply = None
    assert deliver(services, store, first + MINUTE).sent == 1
    assert deliver(services, store, first + 5 * MINUTE).sent == 0
    assert len(smtp_server.received) == 1


def test_routes_refuse_unknown_regions_kinds_and_bad_targets(store: Services) -> None:
    with pytest.raises(BadInput):
        store.routes.add_route(region="beijing", name="x", kind="email", target="a@b.cn")
    with pytest.raises(BadInput):
        store.routes.add_route(region="shawan", name="x", kind="sms", target="13800000000")
    with pytest.raises(BadInput):
        store.routes.add_route(region="shawan", name="x", kind="wecom", target="ftp://robot")
    assert store.routes.routes() == []


def test_an_office_route_gets_only_its_offices_alerts(
    services: Services, store: Services, robot: RobotServer
) -> None:
    office_route = store.routes.add_route(
        region="shawan", office="沙湾市医保中心", name="中心群", kind="wecom", target=robot.url()
    )
    region_route = robot_route(store, robot, "dingtalk", "shawan")
    ours = open_case(
        services, "shawan", "transfer_continuation", SW_RECEIVED, office="沙湾市医保中心"
    )
    theirs = open_case(
        services, "shawan", "transfer_continuation", SW_RECEIVED, office="乌兰乌苏镇服务站"
    )
    for case_no in (ours, theirs):
        act(services, case_no, "accept", CLERK, SW_RECEIVED)
    now = at("2026-06-09 11:00")
    result = scan_at(services, now)
    assert store.deliveries.enqueue_alerts(result.alerts, now=now) > 0
    routed = {(d["route_id"], d["dedup_key"]) for d in deliveries(store)}
    by_case = {a.alert_id: a.case_no for a in result.alerts}
    for route_id, key in routed:
        case_no = by_case[int(key.split(":")[1])]
        assert route_id == region_route.id or (route_id == office_route.id and case_no == ours)
    assert {r for r, _ in routed} == {office_route.id, region_route.id}


def test_a_scan_that_fails_while_queueing_keeps_neither_its_alerts_nor_their_deliveries(
    services: Services, store: Services, robot: RobotServer
) -> None:
    """The alerts and their deliveries are stored in one transaction: a crash while queueing
    leaves no alert without its push; the next scan raises and queues them both."""
    from jingban.storage.scan import scan

    robot_route(store, robot, "wecom", "shawan")
    case_no = open_case(services, "shawan", "transfer_continuation", SW_RECEIVED)
    act(services, case_no, "accept", CLERK, SW_RECEIVED)
    now = at("2026-06-15 10:00")

    def crash(conn: Any, alerts: Any) -> int:
        store.deliveries.enqueue_alerts(alerts, now=now, conn=conn)
        raise RuntimeError("the process died while queueing")

    with pytest.raises(RuntimeError):
        scan(services.db, services.calendar, now, deliver=crash)
    assert (store.alerts.alerts(as_of=now), deliveries(store)) == ([], [])

    result = scan(
        services.db,
        services.calendar,
        now,
        deliver=lambda conn, alerts: store.deliveries.enqueue_alerts(alerts, now=now, conn=conn),
    )
    assert result.count > 0 and result.queued == result.count  # one route per alert
    assert {d["alert_id"] for d in deliveries(store)} == {a.alert_id for a in result.alerts}


def test_a_wrong_robot_key_parks_the_delivery_until_it_is_retried(
    services: Services, store: Services, robot: RobotServer
) -> None:
    """An error that repeating cannot cure (企业微信 93000: the key is not valid) is not
    retried every hour for good: the delivery is parked as failed, keeps its error, and goes
    out once someone fixes the route and queues it again."""
    route = robot_route(store, robot, "wecom", "shawan")
    first = at("2026-06-09 11:00")
    queue_message(store, route, first)
    robot.answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})

    assert deliver(services, store, first) == DeliveryReport(0, 0, 0, parked=1)
    (row,) = deliveries(store)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "93000" in row["last_error"]
    assert deliver(services, store, first + dt.timedelta(hours=2)) == DeliveryReport(0, 0, 0)
    assert len(robot.posts) == 1
    assert store.deliveries.deliveries("failed") == [row]

    later = first + dt.timedelta(days=1)  # the next morning, office hours
    assert (
        store.deliveries.retry_failed(now=later, delivery_id=row["id"] + 1) == 0
    )  # no such delivery
    assert store.deliveries.retry_failed(now=later) == 1
    assert deliver(services, store, later) == DeliveryReport(sent=1, failed=0, waiting=0)
    (row,) = deliveries(store)
    assert (row["status"], row["attempts"]) == ("sent", 2)


def test_a_route_whose_configuration_does_not_parse_is_parked_too(
    services: Services, store: Services, smtp_server: SmtpServer
) -> None:
    route = email_route(store, smtp_server)
    queue_message(store, route, at("2026-06-09 11:00"))
    with services.db.write() as conn:  # a route edited by hand into nonsense
        conn.exec_driver_sql('UPDATE alert_routes SET options = \'{"port": "x"}\'')
    report = deliver(services, store, at("2026-06-09 11:00"))
    assert report.parked == 1
    (row,) = deliveries(store)
    assert row["status"] == "failed" and "接收渠道配置有误" in row["last_error"]

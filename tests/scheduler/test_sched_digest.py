"""The daily digest: a trigger that knows each region's working days (调休 Saturdays in,
holidays and Xinjiang's festivals out), and one digest per route and day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from sched_support import CLERK, act, as_utc, at, open_case, scan_at, services_on

from jingban.calendar import WorkCalendar
from jingban.scheduler.digest import digest_rows, enqueue_digests
from jingban.scheduler.runner import SchedulerService
from jingban.scheduler.triggers import WorkingDayTrigger
from jingban.services import Services

if TYPE_CHECKING:
    from conftest import RobotServer

TEN = dt.time(10, 0)


def trigger(region: str, **closures: str) -> WorkingDayTrigger:
    closed = {dt.date.fromisoformat(day.replace("_", "-")): why for day, why in closures.items()}
    return WorkingDayTrigger(lambda: WorkCalendar.for_region(region, closures=closed), TEN)


def fires(trig: WorkingDayTrigger, previous: str | None, now: str) -> dt.datetime | None:
    return trig.get_next_fire_time(at(previous) if previous else None, at(now))


@pytest.mark.parametrize("region", ["kashgar", "sichuan"])
def test_fires_on_the_make_up_saturdays_of_spring_festival(region: str) -> None:
    trig = trigger(region)
    # Friday 02-13 after 10:00 → Saturday 02-14, a working day (调休上班).
    assert fires(trig, "2026-02-13 10:00", "2026-02-13 10:00:01") == at("2026-02-14 10:00")
    # Then 02-15..02-23 are off (02-23 Monday traded for Saturday 02-28) → Tuesday 02-24.
    assert fires(trig, "2026-02-14 10:00", "2026-02-14 10:00:01") == at("2026-02-24 10:00")
    # Friday 02-27 → Saturday 02-28 (调休上班).
    assert fires(trig, "2026-02-27 10:00", "2026-02-27 10:00:01") == at("2026-02-28 10:00")


def test_skips_gurban_in_xinjiang_only() -> None:
    # Tuesday 05-26 → 古尔邦节 Wednesday..Friday 05-27..29 → Monday 06-01 in Shawan.
    assert fires(trigger("shawan"), "2026-05-26 10:00", "2026-05-26 10:00:01") == at(
        "2026-06-01 10:00"
    )
    assert fires(trigger("sichuan"), "2026-05-26 10:00", "2026-05-26 10:00:01") == at(
        "2026-05-27 10:00"
    )
    # 肉孜节 Friday 03-20 as well.
    assert fires(trigger("bingtuan"), "2026-03-19 10:00", "2026-03-19 10:00:01") == at(
        "2026-03-23 10:00"
    )


def test_first_fire_and_the_national_day_holiday() -> None:
    trig = trigger("sichuan")
    # Started before 10:00 on a working day: today.
    assert fires(trig, None, "2026-09-30 09:00") == at("2026-09-30 10:00")
    # Started after 10:00 on the last day before 国庆: 10-08.
    assert fires(trig, None, "2026-09-30 10:30") == at("2026-10-08 10:00")
    # Started on a holiday: the first working day after it.
    assert fires(trig, None, "2026-10-03 09:00") == at("2026-10-08 10:00")
    # Sunday 09-20 is a make-up working day.
    assert fires(trig, None, "2026-09-19 12:00") == at("2026-09-20 10:00")


def test_a_closure_is_skipped_when_the_calendar_is_read_again() -> None:
    assert fires(
        trigger("shawan", **{"2026_06_02": "停电"}), "2026-06-01 10:00", "2026-06-01 11:00"
    ) == at("2026-06-03 10:00")


@pytest.fixture
def services(tmp_path: Any) -> Iterator[Services]:
    with services_on(f"sqlite:///{tmp_path / 'jingban.db'}") as found:
        yield found


def test_one_digest_per_route_and_day(services: Services, robot: RobotServer) -> None:
    store = services.deliveries
    for kind in ("wecom", "dingtalk"):
        services.routes.add_route(region="shawan", name=f"{kind}群", kind=kind, target=robot.url())
    services.routes.add_route(region="sichuan", name="四川群", kind="wecom", target=robot.url())
    received = at("2026-05-13 11:00")
    case_no = open_case(services, "shawan", "transfer_continuation", received)
    act(services, case_no, "accept", CLERK, received)
    scan_at(services, at("2026-06-09 11:00"))  # orange promised, red statutory

    monday = at("2026-06-15 10:00")
    (row,) = digest_rows(services.alerts, "shawan", None, monday)
    assert (row.case_no, row.level, row.due_kind) == (case_no, "red", "statutory")
    assert enqueue_digests(services, "shawan", monday) == 2
    assert enqueue_digests(services, "shawan", monday + dt.timedelta(hours=3)) == 0
    queued = store.deliveries()
    assert {d["dedup_key"] for d in queued} == {"digest:shawan:2026-06-15"}
    assert {as_utc(d["next_attempt_at"]) for d in queued} == {monday}
    assert (
        queued[0]["subject"] == "【每日汇总】沙湾市 2026-06-15 红牌 1 件、橙牌 0 件、黄牌预警 0 件"
    )

    # The next day's digest, queued before opening, is tried at the opening.
    early = at("2026-06-16 09:00")
    assert enqueue_digests(services, "shawan", early) == 2
    assert {
        as_utc(d["next_attempt_at"]) for d in store.deliveries() if "06-16" in d["dedup_key"]
    } == {at("2026-06-16 10:00")}
    # Sichuan has its own route and no open alerts: an empty digest, once.
    service = SchedulerService(services, clock=lambda: monday)
    assert service.digest_once("sichuan") == 1
    assert service.digest_once("sichuan") == 0


def test_the_digest_keeps_the_most_overdue_cases_however_many_alerts_are_open(
    services: Services,
) -> None:
    item = "hypertension_diabetes_recognition"
    # 10 cases received 09-18 (due 10-09), never accepted: red accept, red statutory and
    # orange promised each, raised on 10-12.
    oldest = [open_case(services, "sichuan", item, at("2026-09-18 10:00")) for _ in range(10)]
    scan_at(services, at("2026-10-12 10:00"))
    # 170 more received 10-12 (due 10-26), raised on 11-20: 540 open alerts in all.
    for _ in range(170):
        open_case(services, "sichuan", item, at("2026-10-12 10:00"))
    scan_at(services, at("2026-11-20 10:00"))
    listed = {
        row.case_no: row.level
        for row in digest_rows(services.alerts, "sichuan", None, at("2026-11-23 10:00"))
    }
    assert len(listed) == 180
    assert {listed.get(case_no) for case_no in oldest} == {"red"}

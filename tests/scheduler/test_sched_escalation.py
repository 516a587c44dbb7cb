"""Escalation by level and role, with real SMTP and robot servers on loopback: a yellow card
reaches the assignee personally (an unassigned case: every reviewer of its office), orange the
office's supervisor, red the supervisor and the region's leader group; each exactly once. A
person with no e-mail address parks their delivery until the contact is fixed; a robot route
@-mentions the person. A follow-up card about one person (督办) reaches that person."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from sched_support import CLERK, act, at, open_case, scan_at, services_on

from jingban.engine import ActionParams
from jingban.errors import BadInput
from jingban.scheduler.delivery import deliver_due
from jingban.scheduler.followups import run_followups
from jingban.services import Services

if TYPE_CHECKING:  # the fixtures' types, from this directory's conftest.py
    from conftest import RobotServer, SmtpServer

OFFICE = "沙湾市医疗保障事业服务中心"
OTHER = "塔城地区医疗保障事业服务中心"
SENDER = "经办系统 <jingban@ybj.example.cn>"
PASSWORD = "Escalate-Pass-1"
# Shawan transfer_continuation received and accepted Wednesday 2026-05-13 11:00: yellow
# (promised) on 05-25, orange (promised passed) on 06-02, orange (statutory near) on 06-05,
# red (statutory passed) on 06-09; each scan at 11:00, inside the office's hours.
SCANS = ("2026-05-25 11:00", "2026-06-02 11:00", "2026-06-05 11:00", "2026-06-09 11:00")
STAFF = {
    "sw_rev_a": ("reviewer", OFFICE, "rev-a@ybj.example.cn"),
    "sw_rev_b": ("reviewer", OFFICE, "rev-b@ybj.example.cn"),
    "sw_chief": ("supervisor", OFFICE, "chief@ybj.example.cn"),
    "sw_region_chief": ("supervisor", None, "region-chief@ybj.example.cn"),
    "tc_chief": ("supervisor", OTHER, "tc-chief@ybj.example.cn"),
}


@pytest.fixture
def services(tmp_path: Any) -> Iterator[Services]:
    with services_on(f"sqlite:///{tmp_path / 'jingban.db'}") as built:
        now = at("2026-05-01 09:00")
        for name, (role, office, email) in STAFF.items():
            built.accounts.add_user(
                name, role=role, password=PASSWORD, now=now, region="shawan", office=office
            )
            built.contacts.set_contact(name, {"email": email}, actor="admin", now=now)
        yield built


def _smtp(smtp: SmtpServer) -> dict[str, str]:
    return {"host": smtp.host, "port": str(smtp.port), "sender": SENDER, "timeout": "5"}


def _routes(services: Services, smtp: SmtpServer, robot: RobotServer) -> None:
    add = services.routes.add_route
    add(region="shawan", name="承办人", kind="email", target="", options=_smtp(smtp),
        levels=["yellow"], role="assignee")  # fmt: skip
    add(region="shawan", name="科长", kind="email", target="", options=_smtp(smtp),
        levels=["orange", "red"], role="supervisor")  # fmt: skip
    add(region="shawan", name="分管领导群", kind="wecom", target=robot.url(),
        levels=["red"], role="leader")  # fmt: skip


def _case(services: Services, assignee: str | None = None) -> str:
    received = at("2026-05-13 11:00")
    case_no = open_case(services, "shawan", "transfer_continuation", received, office=OFFICE)
    act(services, case_no, "accept", CLERK, received)
    if assignee is not None:
        services.cases.act(
            case_no, "reassign", actor="sw_chief", role="supervisor", now=received,
            params=ActionParams(assignee=assignee),
        )  # fmt: skip
    return case_no


def _run(services: Services, when: str) -> None:
    now = at(when)
    result = scan_at(services, now)
    services.deliveries.enqueue_alerts(result.alerts, now=now)
    deliver_due(services.deliveries, services.calendar, now)


def _level(subject: str) -> str:
    return next(word for word in ("黄牌", "橙牌", "红牌") if word in subject.split("】")[0])


def _mail(smtp: SmtpServer) -> list[tuple[str, str]]:
    """(recipient, card level of the subject) of every mail received, sorted."""
    return sorted((r.rcpt_tos[0], _level(r.message["Subject"])) for r in smtp.received)


def test_each_level_reaches_the_right_people_exactly_once(
    services: Services, smtp_server: SmtpServer, robot: RobotServer
) -> None:
    _routes(services, smtp_server, robot)
    unassigned = _case(services)
    assigned = _case(services, assignee="sw_rev_b")
    for when in SCANS:
        _run(services, when)
        _run(services, when)  # a second scan and delivery at the same moment adds nothing
    got = _mail(smtp_server)
    yellow = [to for to, level in got if level == "黄牌"]
    # The unassigned case's yellow goes to both reviewers of the office; the assigned one's
    # to its assignee only.
    assert sorted(yellow) == [
        "rev-a@ybj.example.cn",
        "rev-b@ybj.example.cn",
        "rev-b@ybj.example.cn",
    ]
    # Orange (twice per case) and red (once per case) to the office's own supervisor only.
    chiefs = [(to, level) for to, level in got if level != "黄牌"]
    assert {to for to, _ in chiefs} == {"chief@ybj.example.cn"}
    assert sorted(level for _, level in chiefs) == ["橙牌"] * 4 + ["红牌"] * 2
    # Red to the leader group as well, once per case.
    contents = [p.body["markdown"]["content"] for p in robot.posts]
    assert len(contents) == 2 and all("红牌" in c for c in contents)
    assert sorted(sum(case in c for c in contents) for case in (unassigned, assigned)) == [1, 1]
    assert {d["status"] for d in services.deliveries.deliveries()} == {"sent"}


def test_a_person_without_an_address_is_parked_until_the_contact_is_fixed(
    services: Services, smtp_server: SmtpServer, robot: RobotServer
) -> None:
    _routes(services, smtp_server, robot)
    services.contacts.set_contact(
        "sw_rev_b", {"email": ""}, actor="admin", now=at("2026-05-20 09:00")
    )
    _case(services, assignee="sw_rev_b")
    _run(services, SCANS[0])
    parked = [d for d in services.deliveries.deliveries() if d["status"] == "failed"]
    assert len(parked) == 1 and "sw_rev_b 未登记邮箱" in parked[0]["last_error"]
    assert smtp_server.received == []
    services.contacts.set_contact(
        "sw_rev_b", {"email": "rev-b@ybj.example.cn"}, actor="admin", now=at("2026-05-25 11:05")
    )
    assert services.deliveries.retry_failed(now=at("2026-05-25 11:06")) == 1
    deliver_due(services.deliveries, services.calendar, at("2026-05-25 11:07"))
    assert _mail(smtp_server) == [("rev-b@ybj.example.cn", "黄牌")]


def test_a_robot_route_mentions_the_person(services: Services, robot: RobotServer) -> None:
    services.contacts.set_contact("sw_chief", {"dingtalk_id": "chief01", "mobile": "13912345678"},
                                  actor="admin", now=at("2026-05-01 09:00"))  # fmt: skip
    services.routes.add_route(region="shawan", name="科长 (钉钉)", kind="dingtalk",
                              target=robot.url(), levels=["orange"], role="supervisor")  # fmt: skip
    _case(services)
    _run(services, SCANS[1])
    (post,) = robot.posts
    assert post.body["at"] == {"atUserIds": ["chief01"], "atMobiles": ["13912345678"]}
    assert post.body["markdown"]["text"].endswith("@chief01 @13912345678")


def test_a_supervision_card_reaches_its_recipient(
    services: Services, smtp_server: SmtpServer, robot: RobotServer
) -> None:
    services.routes.add_route(region="shawan", name="本人", kind="email", target="",
                              options=_smtp(smtp_server), role="assignee")  # fmt: skip
    case_no = _case(services, assignee="sw_rev_b")
    services.cases.act(
        case_no, "supervise", actor="sw_chief", role="supervisor", now=at("2026-06-01 11:00"),
        params=ActionParams(assignee="sw_rev_a", days=1, reason="请说明进展"),
    )  # fmt: skip
    run_followups(services, at("2026-06-02 21:00"), remind_days=0)
    deliver_due(services.deliveries, services.calendar, at("2026-06-03 11:00"))
    assert [r.rcpt_tos for r in smtp_server.received] == [["rev-a@ybj.example.cn"]]


def test_bad_levels_and_roles_are_refused(services: Services, robot: RobotServer) -> None:
    with pytest.raises(BadInput, match="未知的牌色"):
        services.routes.add_route(region="shawan", name="x", kind="wecom", target=robot.url(),
                                  levels=["purple"])  # fmt: skip
    with pytest.raises(BadInput, match="未知的接收角色"):
        services.routes.add_route(region="shawan", name="x", kind="wecom", target=robot.url(),
                                  role="mayor")  # fmt: skip
    route = services.routes.add_route(region="shawan", name="x", kind="wecom", target=robot.url())
    edited = services.routes.edit_route(route.id, levels=["red", "yellow"], role="leader")
    assert (edited.levels, edited.role) == (("yellow", "red"), "leader")
    assert services.routes.route(route.id).levels == ("yellow", "red")
    assert services.routes.edit_route(route.id, levels=[], role="").role is None

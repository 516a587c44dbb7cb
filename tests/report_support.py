"""The hand-computed fixture of the report tests: Shawan's 转移接续手续办理 (promised 10
working days, statutory 15, counted from receipt) in two offices over May and June 2026,
and the figures worked out by hand for it.

Working days are counted as the engine counts them (days x with start < x ≤ end), skipping
古尔邦节 (05-27..29) and 端午 (06-19). Received Wednesday 05-13 11:00 (MAY): promised due
06-01 20:00 (the 10th working day), statutory 06-08 20:00. Received Monday 06-15 11:00
(JUNE): promised due 06-30 20:00, statutory 07-07 20:00.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from support import at, gb11643

from jingban.engine import ActionParams
from jingban.services import Services
from jingban.storage import Database

ITEM = "transfer_continuation"
REGION = "shawan"
EAST, WEST = "沙湾市医保中心", "乌兰乌苏镇医保服务站"
CLERK = ("clerk-li", "clerk")
WANG = ("reviewer-wang", "reviewer")
LIU = ("reviewer-liu", "reviewer")
SUPERVISOR = ("supervisor-chen", "supervisor")
MAY, JUNE = at("2026-05-13 11:00"), at("2026-06-15 11:00")
NOW = at("2026-07-02 10:00")
START, END = dt.date(2026, 5, 1), dt.date(2026, 6, 30)


@contextlib.contextmanager
def services_on(url: str) -> Iterator[Services]:
    services = Services(Database(url))
    try:
        yield services
    finally:
        services.db.dispose()


def open_case(
    services: Services,
    received: dt.datetime,
    office: str = EAST,
    region: str = REGION,
    item: str = ITEM,
) -> str:
    return services.cases.open(
        now=received,
        region=region,
        item=item,
        applicant_name="张三",
        applicant_id=gb11643("65422319800517123"),
        actor=CLERK[0],
        role=CLERK[1],
        all_materials=True,
        received_at=received,
        office=office,
    ).case.case_no


def act(
    services: Services,
    case_no: str,
    action: str,
    who: tuple[str, str],
    now: dt.datetime,
    **params: object,
) -> None:
    services.cases.act(
        case_no, action, actor=who[0], role=who[1], now=now, params=ActionParams(**params)
    )


def completed(
    services: Services,
    received: dt.datetime,
    done: dt.datetime,
    by: tuple[str, str],
    office: str = EAST,
) -> str:
    case_no = open_case(services, received, office)
    act(services, case_no, "accept", CLERK, received)
    act(services, case_no, "approve", by, done - dt.timedelta(minutes=30))
    act(services, case_no, "complete", by, done)
    return case_no


@dataclass(frozen=True)
class Fixture:
    open_overdue: str
    open_recent: str
    suspended: str


def seed(services: Services) -> Fixture:
    """The cases, ratings and supervision orders (see the figures below)."""
    for name, role in (CLERK, WANG, LIU, SUPERVISOR):
        services.accounts.add_user(
            name, role=role, password="Report-Pass-1", now=MAY, region=REGION, office=EAST,
            display_name={"clerk-li": "李娜", "reviewer-wang": "王伟"}.get(name, ""),
        )  # fmt: skip
    # EAST, completed by 王: used 9 of 10 (early), 10 of 10, 12 (after the promised due).
    completed(services, MAY, at("2026-05-26 15:00"), WANG)
    rated = completed(services, MAY, at("2026-06-01 20:00"), WANG)
    completed(services, MAY, at("2026-06-03 11:00"), WANG)
    # Ratings of the second: its 受理 very satisfied (李娜), its 办结 very dissatisfied (王伟).
    services.ratings.rate(
        case_no=rated, stage="accept", rating=5, comment=None, now=at("2026-06-02 10:00")
    )
    services.ratings.rate(case_no=rated, rating=1, comment="多跑了一次", now=at("2026-06-02 10:05"))
    # WEST, completed by 刘: 16 working days (after the statutory due: late); extended by 10
    # working days on 06-05 (statutory 06-08 → 06-23), completed 06-12 after 19: 延期办结;
    # the June case completed 06-30 23:30, after the 20:00 promised due: 10 of 10.
    completed(services, MAY, at("2026-06-09 11:00"), LIU, WEST)
    extended = open_case(services, MAY, WEST)
    act(services, extended, "accept", CLERK, MAY)
    act(
        services, extended, "extend", SUPERVISOR, at("2026-06-05 11:00"), reason="专家评审", days=10
    )
    act(services, extended, "approve", LIU, at("2026-06-12 10:30"))
    act(services, extended, "complete", LIU, at("2026-06-12 11:00"))
    completed(services, JUNE, at("2026-06-30 23:30"), LIU, WEST)
    # Received and accepted in June, completed in July: not a completion of the period.
    completed(services, JUNE, at("2026-07-01 00:30"), WANG)
    # 不予受理 in May, withdrawn in June (both EAST).
    refused = open_case(services, MAY)
    act(services, refused, "not_accept", CLERK, at("2026-05-14 10:00"), reason="不属于受理范围")
    withdrawn = open_case(services, JUNE)
    act(services, withdrawn, "withdraw", CLERK, at("2026-06-16 10:00"), reason="申请人撤回")
    # Open at NOW: never accepted and past its statutory due (在办超期, 50 days old);
    # accepted 06-29 (3 days old, within its limits); suspended since 05-20 (its clock
    # stands: not overdue).
    open_overdue = open_case(services, MAY)
    open_recent = open_case(services, at("2026-06-29 11:00"), WEST)
    act(services, open_recent, "accept", CLERK, at("2026-06-29 11:00"))
    suspended = open_case(services, MAY)
    act(services, suspended, "accept", CLERK, MAY)
    act(services, suspended, "suspend", WANG, at("2026-05-20 10:00"), reason="待司法鉴定", days=60)
    # 督办: one order answered in time (due 06-12 20:00, replied 06-11), one past its due
    # unanswered at NOW, and one issued in July (outside the period).
    for case_no, day in (
        (suspended, "2026-06-10 10:00"),
        (open_overdue, "2026-06-10 10:30"),
        (open_overdue, "2026-07-01 10:00"),
    ):
        act(services, case_no, "supervise", SUPERVISOR, at(day), assignee=CLERK[0], days=2,
            reason="群众反映办理缓慢")  # fmt: skip
    act(services, suspended, "reply", CLERK, at("2026-06-11 16:00"), reason="已联系鉴定机构")
    # Another region's completion is in none of Shawan's figures.
    other = open_case(
        services, MAY, "成都市医保中心", "sichuan", "hypertension_diabetes_recognition"
    )
    act(services, other, "accept", CLERK, MAY)
    act(services, other, "approve", WANG, at("2026-05-14 10:00"))
    act(services, other, "complete", WANG, at("2026-05-14 11:00"))
    return Fixture(open_overdue, open_recent, suspended)


# Used working days of the six completions: 9, 10, 12 (EAST); 16, 19, 10 (WEST); each of a
# limit of 10.
EAST_FLOW = {
    "received": 8,
    "accepted": 5,
    "completed": 3,
    "not_accepted": 1,
    "withdrawn": 1,
    "within_promised": 2,
    "within_statutory": 1,
    "extended": 0,
    "late": 0,
    "early": 1,
}
WEST_FLOW = {
    "received": 4,
    "accepted": 4,
    "completed": 3,
    "not_accepted": 0,
    "withdrawn": 0,
    "within_promised": 0,
    "within_statutory": 1,
    "extended": 1,
    "late": 1,
    "early": 0,
}
EAST_USED, WEST_USED = (9, 10, 12), (16, 19, 10)

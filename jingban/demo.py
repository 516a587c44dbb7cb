"""`jingban demo`: a living system for a newcomer — staff accounts in every region and a
realistic spread of cases (new, in review, near or past their limits, completed)."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from dataclasses import dataclass

from jingban.calendar import BEIJING, region_keys, region_profile
from jingban.engine import ActionParams
from jingban.engine.identity import gb11643_check
from jingban.errors import Conflict, JingbanError
from jingban.services import Services
from jingban.workflows.channels import case_channels

DEMO_PASSWORD = "jingban-demo"
ROLES = ("clerk", "reviewer", "payer", "supervisor")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗阿买热古"
_GIVEN = [
    "建国",
    "秀英",
    "丽",
    "伟",
    "芳",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "古丽",
    "艾力",
    "热依汗",
    "买买提",
    "阿依努尔",
    "晓东",
    "海燕",
    "志强",
    "玉兰",
]
#: The area code of made-up identity numbers for a region whose registry entry gives none.
_DEFAULT_AREA = "110101"


def _items_of(services: Services, region: str) -> list[str]:
    """The items the demo opens cases of: the registry's ``demo_items``, else the region's
    first five items with a review (the kind supervisors watch)."""
    listed = list(region_profile(region).demo_items)
    if listed:
        return listed
    items = services.catalog.region(region).items
    return [item.key for item in items if item.has_stage("审核")][:5] or [items[0].key]


@dataclass(frozen=True)
class DemoSummary:
    users: list[str]
    cases: int


def office_of(region: str) -> str:
    return f"{region_profile(region).name}医疗保障事业服务中心"


def _identity(rng: random.Random, region: str) -> str:
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 50))
    area = region_profile(region).area or _DEFAULT_AREA
    body = f"{area}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + gb11643_check(body)


def demo_usernames() -> frozenset[str]:
    """The names of the demo accounts: one per region and role, and ``admin``."""
    return frozenset({f"{r}_{role}" for r in region_keys() for role in ROLES} | {"admin"})


def demo_password_in_use(services: Services) -> bool:
    """Whether some demo account still signs in with the published demo password (the
    login page shows the hint only then)."""
    return services.accounts.has_password(demo_usernames(), DEMO_PASSWORD)


def fill(
    services: Services, *, now: dt.datetime, seed: int = 2026, must_change: bool = True
) -> DemoSummary:
    """Create the demo accounts and cases. The accounts' password is the published
    `DEMO_PASSWORD`, so each must change it at first sign-in (``must_change``; tests that
    sign in as demo accounts pass False). Raises `Conflict` if the database holds cases."""
    if services.cases.count():
        raise Conflict("数据库中已有办件，演示数据只能装入空数据库")
    known = demo_usernames()
    strangers = [u.username for u in services.accounts.users() if u.username not in known]
    if strangers:
        raise Conflict(
            f"数据库中已有员工账号 ({'、'.join(strangers[:3])} …)，演示数据 (公开的演示密码) "
            "只能装入新数据库"
        )
    rng = random.Random(seed)
    accounts = services.accounts
    users = []
    for region in region_keys():
        for role in ROLES:
            name = f"{region}_{role}"
            with contextlib.suppress(Conflict):  # an account left by an earlier demo
                accounts.add_user(
                    name,
                    role=role,
                    password=DEMO_PASSWORD,
                    now=now,
                    region=region,
                    office=office_of(region),
                    must_change=must_change,
                    actor="demo",
                    demo=True,
                )
            users.append(name)
    with contextlib.suppress(Conflict):
        accounts.add_user(
            "admin",
            role="admin",
            password=DEMO_PASSWORD,
            now=now,
            must_change=must_change,
            actor="demo",
            demo=True,
        )
    users.append("admin")
    count = 0
    for region in region_keys():
        cal = services.calendar(region)
        items = _items_of(services, region)
        for n in range(14):
            item = items[n % len(items)]
            days_ago = rng.choice([0, 1, 2, 4, 6, 9, 12, 15, 18, 22, 26, 30, 35, 40])
            day = (
                cal.add_working_days(now.astimezone(BEIJING).date(), -days_ago)
                if days_ago
                else now.astimezone(BEIJING).date()
            )
            received = dt.datetime.combine(
                day, dt.time(10 + rng.randrange(0, 4), rng.randrange(60)), BEIJING
            ).astimezone(dt.UTC)
            received = min(received, now)
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
            try:
                _one_case(services, rng, region, item, name, received, now, n)
                count += 1
            except JingbanError:
                continue  # an item whose materials or chain does not fit the script
    return DemoSummary(users, count)


def _one_case(
    services: Services,
    rng: random.Random,
    region: str,
    item_key: str,
    name: str,
    received: dt.datetime,
    now: dt.datetime,
    n: int,
) -> None:
    office = office_of(region)
    clerk, reviewer, payer = (f"{region}_{r}" for r in ("clerk", "reviewer", "payer"))
    opened = services.cases.open(
        now=now,
        region=region,
        item=item_key,
        applicant_name=name,
        applicant_id=_identity(rng, region),
        actor=clerk,
        role="clerk",
        all_materials=n % 7 not in (1, 3),  # 1: a one-time notice; 3: incomplete, waiting
        received_at=received,
        office=office,
        # The first channel the item offers (some items are handled only online).
        channel=case_channels(services.catalog.item(region, item_key))[0],
    )
    case_no = opened.case.case_no
    step = received
    stage = n % 7  # 0 new, 1 supplement, 2 accepted, 3 new & incomplete, 4 reviewed, 5/6 done

    def at(hours: float) -> dt.datetime:
        nonlocal step
        step = min(step + dt.timedelta(hours=hours), now)
        return step

    if stage in (0, 3):
        return
    if stage == 1:
        services.cases.act(
            case_no,
            "request_supplement",
            actor=clerk,
            role="clerk",
            now=now,
            params=ActionParams(at=at(0.2)),
        )
        return
    services.cases.act(
        case_no, "accept", actor=clerk, role="clerk", now=now, params=ActionParams(at=at(0.5))
    )
    if stage == 2:
        return
    item = services.catalog.item(region, item_key)
    if "审核" in item.stages:
        services.cases.act(
            case_no,
            "approve",
            actor=reviewer,
            role="reviewer",
            now=now,
            params=ActionParams(at=at(30)),
        )
    if stage == 4:
        return
    if "拨付" in item.stages:
        services.cases.act(
            case_no,
            "pay",
            actor=payer,
            role="payer",
            now=now,
            params=ActionParams(
                at=at(20),
                amount=f"{rng.randrange(300, 30000)}.00",
                account="6222020200" + f"{rng.randrange(10**8):08d}",
                voucher=f"PZ{received:%Y%m%d}{n:03d}",
            ),
        )
    completer = item.completer  # the one role that completes this item
    services.cases.act(
        case_no,
        "complete",
        actor={"clerk": clerk, "reviewer": reviewer, "payer": payer}[completer],
        role=completer,
        now=now,
        params=ActionParams(at=at(4)),
    )

"""The office of the load benchmark: staff accounts and several thousand cases of two 四川
offices across the states an office's day has (待受理, 已受理, 审核通过, 已拨付, 已办结, a few
待补正), received over the last six weeks so that some are near or past their limits, then
one deadline scan so the board has cards. Written in-process through the product's own
stores (`Services`), as `jingban.demo` does, before the server starts."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from bench_http import gb11643

from jingban.engine import ActionParams
from jingban.services import Services
from jingban.storage import Database

REGION = "sichuan"
OFFICES = ("成都市医疗保障事务中心", "绵阳市医疗保障事务中心")
PASSWORD = "office-load-password-1"
#: (item, the role that completes it): two items through 受理—审核—拨付—办结, one without 拨付.
ITEMS = (
    ("inpatient_reimbursement", "payer"),
    ("outpatient_reimbursement", "payer"),
    ("chronic_disease_recognition", "reviewer"),
)
ITEM_WEIGHTS = (4, 4, 2)
#: The state a prepared case is left in, and how often (per 100 cases).
STATES = (
    ("submitted", 12),
    ("accepted", 12),
    ("reviewed", 12),
    ("paid", 6),
    ("supplement_requested", 3),
    ("completed", 55),
)
#: Staff per 50: clerks, reviewers, payers and supervisors.
ROLE_SHARES = (("clerk", 21), ("reviewer", 13), ("payer", 13), ("supervisor", 3))
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "秀英", "丽", "伟", "芳", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰",
         "娟", "晓东", "海燕", "志强", "玉兰", "桂英", "明")  # fmt: skip
PAYMENT = {"amount": "3456.70", "account": "6217003123456789", "voucher": "PZ-1"}


@dataclass(frozen=True)
class Member:
    """One member of staff: account name, role and office."""

    name: str
    role: str
    office: str


@dataclass
class Held:
    """A case as the load knows it: number, office, item, state, version, applicant name
    and the query code printed on its receipt."""

    case_no: str
    office: str
    item: str
    state: str
    version: int
    name: str
    query_code: str


@dataclass
class Office:
    """What the load starts from: the staff and every prepared case."""

    staff: list[Member]
    cases: list[Held] = field(default_factory=list)


def completer(item: str) -> str:
    """The role that completes ``item``."""
    return dict(ITEMS)[item]


def staff_of(count: int) -> list[Member]:
    """About ``count`` members of staff in the office's proportions (at least two of each
    role), alternating between the two offices, so every office has each role."""
    total = sum(share for _, share in ROLE_SHARES)
    members: list[Member] = []
    for role, share in ROLE_SHARES:
        for n in range(max(2, round(count * share / total))):
            members.append(Member(f"{role}{n + 1:02d}", role, OFFICES[n % len(OFFICES)]))
    return members


def applicant_id(serial: int) -> str:
    """A valid made-up resident identity number of 成都 (GB 11643) for ``serial``."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=serial % 20000)
    return gb11643(f"510104{born:%Y%m%d}{serial % 1000:03d}")


def applicant_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _chain(item: str, state: str) -> list[tuple[str, str]]:
    """The (action, role) steps from 待受理 to ``state`` for ``item``."""
    steps = [("accept", "clerk"), ("approve", "reviewer")]
    if completer(item) == "payer":
        steps.append(("pay", "payer"))
    steps.append(("complete", completer(item)))
    upto = {"submitted": 0, "accepted": 1, "reviewed": 2, "paid": 3}
    if state == "completed":
        return steps
    if state == "supplement_requested":
        return [("request_supplement", "clerk")]
    return steps[: upto[state]]


def prepare(url: str, cases: int, staff: list[Member], seed: int = 2026) -> Office:
    """Create ``staff``'s accounts and ``cases`` cases on the database at ``url`` (fresh),
    then scan the deadlines once; returns what the load needs to know of them."""
    services = Services(Database(url))
    now = dt.datetime.now(dt.UTC)
    rng = random.Random(seed)
    office = Office(staff)
    try:
        for m in staff:
            services.accounts.add_user(
                m.name, role=m.role, password=PASSWORD, now=now, region=REGION, office=m.office
            )
        actors = {(m.office, m.role): m.name for m in staff}
        states = [s for s, _ in STATES]
        weights = [w for _, w in STATES]
        for serial in range(cases):
            item = rng.choices([i for i, _ in ITEMS], ITEM_WEIGHTS)[0]
            state = rng.choices(states, weights)[0]
            if state == "paid" and completer(item) != "payer":
                state = "reviewed"
            where = OFFICES[serial % len(OFFICES)]
            # Open cases arrived over the last six weeks, ended ones over the last ten.
            age = dt.timedelta(hours=rng.uniform(1, 24 * (70 if state == "completed" else 42)))
            received = now - age
            name = applicant_name(rng)
            opened = services.cases.open(
                now=now, region=REGION, item=item, applicant_name=name,
                applicant_id=applicant_id(serial), all_materials=state != "supplement_requested",
                actor=actors[(where, "clerk")], role="clerk", received_at=received,
                office=where,
            )  # fmt: skip
            case = opened.case
            steps = _chain(item, state)
            for n, (action, role) in enumerate(steps, start=1):
                at = received + age * n / (len(steps) + 1)
                params = ActionParams(at=at)
                if action == "pay":
                    params = ActionParams(
                        at=at, amount=PAYMENT["amount"], account=PAYMENT["account"],
                        voucher=PAYMENT["voucher"],
                    )  # fmt: skip
                if action == "request_supplement":
                    missing = (services.catalog.item(REGION, item).materials[1].name,)
                    params = ActionParams(at=at, missing=missing, reason="材料不全")
                case = services.cases.act(
                    case.case_no, action, actor=actors[(where, role)], role=role, now=now,
                    params=params,
                ).case  # fmt: skip
            office.cases.append(
                Held(case.case_no, where, item, case.state, case.version, name,
                     opened.query_code)
            )  # fmt: skip
        services.scan_deadlines(now, full=True)
    finally:
        services.db.dispose()
    return office

"""The incremental scan finds what a full scan finds.

Two databases live the same life — the same cases, the same actions at the same instants
(some refused), across 春节 2026 — and are scanned at the same instants: one incrementally
(the default: thresholds crossed since the last scan, and the cases written since), the
other in full. Their alert tables must match row for row after every scan: raised, kept
open, closed and why. Then the pending flag: a case written while a scan runs stays
pending for the next scan; and a back-dated scan falls back to a full one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sched_support import APPLICANT_ID, fresh_pg_url, open_case, rows, services_on
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import at

from jingban.engine import ActionParams
from jingban.errors import BadInput, NotAllowed
from jingban.services import Services
from jingban.storage.scan import scan

ITEMS = (
    "hypertension_diabetes_recognition",  # 10 working days
    "inpatient_reimbursement",
    "chronic_disease_recognition",
)
PEOPLE = (("clerk-li", "clerk"), ("reviewer-wang", "reviewer"), ("payer-zhao", "payer"))
SUPERVISORS = ("supervisor-chen", "supervisor-he")
PAY = {"amount": "1200.00", "account": "6217 0031 2345 6789", "voucher": "PZ-1"}


@pytest.fixture(params=["sqlite", "postgresql"])
def two_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases: two SQLite files, or the test database and a twin beside it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
        return
    url = make_url(fresh_pg_url())
    twin = f"{url.database}_twin"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{twin}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{twin}"'))
    try:
        yield (
            url.render_as_string(hide_password=False),
            url.set(database=twin).render_as_string(hide_password=False),
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{twin}" WITH (FORCE)'))
        admin.dispose()


def _attempt(
    services: Services, case_no: str, action: str, when: dt.datetime, rng: random.Random
) -> None:
    """One action by a plausible actor; refusals and bad input are part of life."""
    if action in ("extend", "reassign"):
        who = (rng.choice(SUPERVISORS), "supervisor")
    else:
        who = rng.choice(PEOPLE)
    params = {
        "request_supplement": {"missing": ()},
        "not_accept": {"reason": "不属于受理范围"},
        "deny": {"reason": "不符合条件"},
        "suspend": {"reason": "现场核查", "procedure": "现场核查", "days": rng.randint(1, 3)},
        "extend": {"reason": "情况复杂", "days": rng.randint(1, 2)},
        "pay": PAY,
        "withdraw": {"reason": "申请人撤回"},
    }.get(action, {})
    with contextlib.suppress(NotAllowed, BadInput):  # refusals and bad input happen
        services.cases.act(
            case_no, action, actor=who[0], role=who[1], now=when, params=ActionParams(**params)
        )


def _alerts(services: Services) -> list[tuple[object, ...]]:
    found = rows(
        services,
        "SELECT case_no, level, due_kind, due_at, closed_at IS NULL AS open, closed_reason"
        " FROM alerts",
    )
    return sorted(
        (
            r["case_no"],
            r["level"],
            r["due_kind"],
            str(r["due_at"]),
            bool(r["open"]),
            r["closed_reason"],
        )
        for r in found
    )


STEPS = 50
ACTIONS = (
    "accept",
    "accept",
    "approve",
    "approve",
    "complete",
    "pay",
    "suspend",
    "resume",
    "extend",
    "request_supplement",
    "supplement",
    "not_accept",
    "deny",
    "withdraw",
    "advance",
)


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_scans_match_full_scans(two_urls: tuple[str, str], seed: int) -> None:
    rng = random.Random(seed)
    with services_on(two_urls[0]) as inc, services_on(two_urls[1]) as full:
        numbers: list[str] = []
        day = at("2026-01-26 09:30")  # a month across 春节 (02-15 … 02-23) and a 调休 Sunday
        incremental_runs = 0
        for step in range(STEPS):
            when = day + dt.timedelta(hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
            for _ in range(rng.randint(1, 3)):
                item, complete = rng.choice(ITEMS), rng.random() < 0.8
                opened = [
                    s.cases.open(
                        now=when,
                        region="sichuan",
                        item=item,
                        applicant_name="张三",
                        applicant_id=APPLICANT_ID,
                        actor="clerk-li",
                        role="clerk",
                        all_materials=complete,
                        received_at=when,
                    ).case.case_no
                    for s in (inc, full)
                ]
                assert opened[0] == opened[1]
                numbers.append(opened[0])
            for case_no in rng.sample(numbers, min(len(numbers), 6)):
                action = rng.choice(ACTIONS)
                state = rng.getstate()
                for s in (inc, full):
                    rng.setstate(state)
                    _attempt(s, case_no, action, when, rng)
            as_of = when + dt.timedelta(days=rng.randint(0, 2), hours=rng.randint(0, 12))
            a = scan(inc.db, inc.calendar, as_of, now=as_of, slot=f"s{step}")
            b = scan(full.db, full.calendar, as_of, now=as_of, slot=f"s{step}", full=True)
            incremental_runs += a.incremental
            assert not b.incremental
            assert (a.count, a.closed) == (b.count, b.closed), f"step {step}, as of {as_of}"
            assert _alerts(inc) == _alerts(full), f"step {step}, as of {as_of}"
            day = as_of
        assert incremental_runs == STEPS - 1  # every scan after the first had a base
        assert any(r[4] is False for r in _alerts(inc))  # some alerts were closed on the way


def test_a_due_moved_behind_the_last_scan_alerts_again(db_url: str) -> None:
    """An extension moves the statutory due by one working day: the new due's warning window
    opened long before the last scan, so only the case's place in the scan queue brings it
    back."""
    with services_on(db_url) as services:
        received = at("2026-03-02 10:00")  # 10 working days: due 03-16 17:30
        case_no = open_case(services, "sichuan", ITEMS[0], received)
        services.cases.act(case_no, "accept", actor="clerk-li", role="clerk", now=received)
        first = scan(services.db, services.calendar, at("2026-03-13 10:00"))
        assert {(a.level, a.due_kind) for a in first.alerts} >= {("orange", "statutory")}
        quiet = scan(services.db, services.calendar, at("2026-03-13 11:00"))
        assert quiet.incremental and quiet.count == 0
        services.cases.act(
            case_no,
            "extend",
            actor="supervisor-chen",
            role="supervisor",
            now=at("2026-03-13 11:30"),
            params=ActionParams(reason="情况复杂", days=1),
        )
        again = scan(services.db, services.calendar, at("2026-03-13 12:00"))
        assert again.incremental
        assert [(a.level, a.due_kind, a.due_at) for a in again.alerts] == [
            ("orange", "statutory", at("2026-03-17 17:30"))
        ]
        assert again.closed == 1  # the alert of the old due: due_moved
        assert scan(services.db, services.calendar, at("2026-03-13 12:30")).count == 0


def test_a_case_written_during_a_scan_stays_queued(db_url: str) -> None:
    """The scan deletes only the queue rows it read: a write it did not see (here: queued
    after the rows were read) stays queued for the next scan, which empties the queue."""
    from jingban.storage._scan_recording import dequeue, queued

    with services_on(db_url) as services:
        received = at("2026-03-02 10:00")
        case_no = open_case(services, "sichuan", ITEMS[0], received)
        with services.db.write() as conn:
            read, _ = queued(conn.connection.cursor())
        assert len(read) == 1  # the registration
        services.cases.act(case_no, "accept", actor="clerk-li", role="clerk", now=received)
        with contextlib.suppress(NotAllowed):  # a refused attempt writes no case: not queued
            services.cases.act(case_no, "pay", actor="clerk-li", role="clerk", now=received)
        with services.db.write() as conn:
            dequeue(conn, conn.connection.cursor(), read)
        (left,) = rows(services, "SELECT case_id FROM scan_queue")
        (case,) = rows(services, "SELECT id FROM cases")
        assert left["case_id"] == case["id"]
        scan(services.db, services.calendar, at("2026-03-03 10:00"))
        assert rows(services, "SELECT id FROM scan_queue") == []


def test_a_back_dated_scan_is_a_full_one(db_url: str) -> None:
    with services_on(db_url) as services:
        assert not scan(services.db, services.calendar, at("2026-03-13 10:00")).incremental
        assert scan(services.db, services.calendar, at("2026-03-13 11:00")).incremental
        assert not scan(services.db, services.calendar, at("2026-03-12 10:00")).incremental
        full = scan(services.db, services.calendar, at("2026-03-13 12:00"), full=True)
        assert not full.incremental


def test_a_recorded_scan_of_the_future_is_refused(db_url: str) -> None:
    """Recorded alerts are facts: the future can be forecast, not recorded (a recorded future
    scan would also become the base of the next scans, which would then run in full)."""
    from jingban.errors import BadInput

    with services_on(db_url) as services:
        now = at("2026-03-13 10:00")
        with pytest.raises(BadInput, match="将来"):
            scan(services.db, services.calendar, at("2026-03-20 10:00"), now=now)
        assert rows(services, "SELECT id FROM scan_runs") == []
        forecast = scan(services.db, services.calendar, at("2026-03-20 10:00"), dry_run=True)
        assert forecast.scan_id is None
        assert scan(services.db, services.calendar, now + dt.timedelta(seconds=30), now=now).scan_id

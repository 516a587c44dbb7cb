"""The push worker against a real HTTP platform on loopback: in order per case, signed,
retried across an outage and a timeout, parked when refused, and never sent twice by two
workers."""

from __future__ import annotations

import datetime as dt
import threading

from exchange_support import (
    CLERK,
    CREDIT,
    REVIEWER,
    SECRET,
    act,
    open_case,
    platform,
    rows,
    services_on,
)

from jingban.calendar import BEIJING
from jingban.scheduler.exchange_adapters import adapter_named
from jingban.scheduler.exchange_push import Target, push_due
from jingban.services import Services

# The Friday before 春节 2026 (the holiday runs from 15 February).
EVE = dt.datetime(2026, 2, 13, 11, 0, tzinfo=BEIJING).astimezone(dt.UTC)


def _target(url: str, timeout: float = 2.0) -> Target:
    return Target(url, adapter_named("json"), SECRET, timeout)


def _push(services: Services, target: Target, now: dt.datetime, owner: str | None = None):  # type: ignore[no-untyped-def]
    return push_due(services.exchange, services.exchange_codes, target, now, owner=owner)


def _case_with_steps(services: Services, at: dt.datetime) -> str:
    no = open_case(services, at)
    act(services, no, "accept", CLERK, at + dt.timedelta(minutes=1))
    act(
        services,
        no,
        "suspend",
        REVIEWER,
        at + dt.timedelta(minutes=2),
        procedure="现场核查",
        days=3,
        reason="需现场核查",
    )
    act(services, no, "resume", REVIEWER, at + dt.timedelta(minutes=3), reason="核查完毕")
    return no


def _status(services: Services) -> dict[str, int]:
    found = rows(services, "SELECT status, count(*) AS n FROM exchange_events GROUP BY status")
    return {r["status"]: int(r["n"]) for r in found}


def test_events_reach_the_platform_signed_in_order_with_their_codes(db_url: str) -> None:
    with services_on(db_url) as services, platform() as stub:
        no = _case_with_steps(services, EVE)
        report = _push(services, _target(stub.url), EVE + dt.timedelta(minutes=5))
        assert (report.sent, report.failed, report.parked) == (4, 0, 0)
        assert _status(services) == {"sent": 4}
        again = _push(services, _target(stub.url), EVE + dt.timedelta(minutes=6))
    assert again.sent == 0 and stub.bad_signatures == 0
    assert [(r.case_no, r.seq) for r in stub.accepted] == [(no, 1), (no, 2), (no, 3), (no, 4)]
    first = stub.accepted[0]
    assert first.key == f"jingban-{no}-1" and first.headers["X-Jingban-Event"].startswith(no)
    assert first.body["platform_case_no"] == f"{CREDIT}-{no}"
    assert first.body["implementing_body_credit_code"] == CREDIT
    assert first.body["division_code"] == "653100"
    assert first.body["implementation_code"] == "11653100MB0001234000"


def test_a_wrong_secret_is_refused_and_parks_the_event(db_url: str) -> None:
    with services_on(db_url) as services, platform(secret="another") as stub:
        open_case(services, EVE)
        report = _push(services, _target(stub.url), EVE)
        failed = services.exchange.events("failed")
    assert (report.sent, report.parked, stub.bad_signatures) == (0, 1, 1)
    assert "401" in failed[0]["last_error"]


def test_an_outage_and_a_timeout_are_retried_with_backoff_and_the_counter_goes_on(
    db_url: str,
) -> None:
    with services_on(db_url) as services, platform(mode="down") as stub:
        no = open_case(services, EVE)
        down = _push(services, _target(stub.url), EVE)
        assert (down.sent, down.failed) == (0, 1)
        # The counter is not held up: the next action is stored, its event waits in order.
        act(services, no, "accept", CLERK, EVE + dt.timedelta(minutes=1))
        soon = _push(services, _target(stub.url), EVE + dt.timedelta(seconds=30))
        assert (soon.sent, soon.failed) == (0, 0)  # within the backoff: nothing is tried
        stub.mode, stub.delay = "slow", 1.0
        slow = _push(services, _target(stub.url, timeout=0.2), EVE + dt.timedelta(minutes=2))
        assert (slow.sent, slow.failed) == (0, 1)
        stub.mode = "up"
        back = _push(services, _target(stub.url), EVE + dt.timedelta(minutes=10))
        stored = services.exchange.events("sent")
    assert back.sent == 2 and stub.keys() == [f"jingban-{no}-1", f"jingban-{no}-2"]
    assert sorted(r["attempts"] for r in stored) == [1, 3]


def test_a_refused_event_is_parked_with_the_later_ones_of_its_case_until_retried(
    db_url: str,
) -> None:
    with services_on(db_url) as services, platform(mode="refuse") as stub:
        no = open_case(services, EVE)
        act(services, no, "accept", CLERK, EVE + dt.timedelta(minutes=1))
        other = open_case(services, EVE + dt.timedelta(minutes=2))
        refused = _push(services, _target(stub.url), EVE + dt.timedelta(minutes=3))
        assert (refused.parked, refused.sent) == (2, 0)  # each case's first event
        parked = services.exchange.events("failed")
        assert {p["case_no"] for p in parked} == {no, other}
        assert "事项编码未登记" in parked[0]["last_error"]
        stub.mode = "up"
        waiting = _push(services, _target(stub.url), EVE + dt.timedelta(minutes=4))
        assert waiting.sent == 0  # the accept waits behind its case's parked event
        assert services.exchange.retry(now=EVE + dt.timedelta(minutes=5)) == 2
        done = _push(services, _target(stub.url), EVE + dt.timedelta(minutes=5))
    assert done.sent == 3
    order = [(r.case_no, r.seq) for r in stub.accepted if r.case_no == no]
    assert order == [(no, 1), (no, 2)]


def test_an_office_without_its_credit_code_is_parked_with_what_is_missing(db_url: str) -> None:
    with services_on(db_url) as services, platform() as stub:
        opened = services.cases.open(
            now=EVE,
            region="sichuan",
            item="inpatient_reimbursement",
            applicant_name="张三",
            applicant_id="11010519491231002X",
            actor=CLERK[0],
            role=CLERK[1],
            all_materials=True,
        )
        report = _push(services, _target(stub.url), EVE)
        parked = services.exchange.events("failed")
    assert report.parked == 1 and stub.attempts == []
    assert parked[0]["case_no"] == opened.case.case_no
    assert "统一社会信用代码" in parked[0]["last_error"]


def test_two_workers_send_each_event_exactly_once_in_order_across_an_outage(
    db_url: str,
) -> None:
    with services_on(db_url) as services, platform(mode="down") as stub:
        cases = [_case_with_steps(services, EVE + dt.timedelta(minutes=i)) for i in range(4)]
        target = _target(stub.url)

        def both(now: dt.datetime) -> list[int]:
            start = threading.Barrier(2)
            sent: list[int] = []

            def worker(name: str) -> None:
                start.wait()
                sent.append(_push(services, target, now, owner=name).sent)

            threads = [threading.Thread(target=worker, args=(n,)) for n in ("w1", "w2")]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            return sent

        assert sum(both(EVE + dt.timedelta(minutes=10))) == 0  # the platform is down
        assert len(stub.attempts) == 4  # each case's first event, tried once
        stub.mode = "up"
        assert sum(both(EVE + dt.timedelta(minutes=20))) == 16
        assert _status(services) == {"sent": 16}
    keys = stub.keys()
    assert len(keys) == len(set(keys)) == 16
    accepted_after = stub.attempts[4:]
    assert len(accepted_after) == len(set(accepted_after)) == 16  # no event sent twice
    for no in cases:
        assert [r.seq for r in stub.accepted if r.case_no == no] == [1, 2, 3, 4]


def test_a_worker_that_dies_mid_send_leaves_its_event_to_the_next_once_its_lease_ends(
    db_url: str,
) -> None:
    with services_on(db_url) as services, platform() as stub:
        no = open_case(services, EVE)
        store, lease = services.exchange, dt.timedelta(minutes=1)
        (held,) = store.claim("dead", EVE, lease=lease)
        assert store.begin(held, "dead", until=EVE + lease)  # …and then it is killed
        early = push_due(
            store,
            services.exchange_codes,
            _target(stub.url),
            EVE + dt.timedelta(seconds=30),
            lease=lease,
        )
        assert early.sent == 0 and stub.attempts == []  # the lease still holds it
        late = push_due(
            store,
            services.exchange_codes,
            _target(stub.url),
            EVE + dt.timedelta(minutes=2),
            lease=lease,
        )
        assert late.sent == 1
        assert not store.mark_sent(held.id, "dead", EVE + dt.timedelta(minutes=3))  # lost it
    assert stub.keys() == [f"jingban-{no}-1"]

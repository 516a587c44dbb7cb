"""稽核 sampling on SQLite and PostgreSQL: a month's sample of closed cases drawn at a rate is
reproducible from its recorded seed, marks each drawn case in its audit trail, is drawn once
per month; findings (合规 / 问题) and the rectification of a problem are audited actions of the
case, and the sample's report counts them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fu_support import CLERK, REVIEWER, SUPERVISOR, act, open_case, services_on
from support import at

from jingban.errors import BadInput, Conflict, NotAllowed
from jingban.services import Services
from jingban.storage.audit_samples import drawn_from

NOW = at("2026-12-03 09:00")


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as built:
        yield built


def _closed(services: Services, day: str) -> str:
    case_no = open_case(services, "sichuan", "employee_registration", at(f"{day} 09:00"))
    act(services, case_no, "accept", CLERK, at(f"{day} 09:10"))
    act(services, case_no, "approve", REVIEWER, at(f"{day} 10:00"))
    act(services, case_no, "complete", REVIEWER, at(f"{day} 10:30"))
    return case_no


def _october(services: Services) -> list[str]:
    days = ["2026-10-09", "2026-10-12", "2026-10-13", "2026-10-14", "2026-10-15", "2026-10-16"]
    closed = [_closed(services, day) for day in days for _ in range(2)]
    _closed(services, "2026-11-02")  # closed in November: not of October's population
    open_case(services, "sichuan", "employee_registration", at("2026-10-20 09:00"))  # open
    return sorted(closed)


def test_a_sample_is_reproducible_from_its_seed_and_drawn_once(services: Services) -> None:
    closed = _october(services)
    store = services.audit_samples
    assert store.population("sichuan", "2026-10") == closed
    sample = store.draw(region="sichuan", month="2026-10", rate="0.2", seed=20261101,
                        actor=SUPERVISOR[0], now=NOW)  # fmt: skip
    # ceil(12 × 0.2) = 3 cases, the ones the seed draws from the population in number order.
    assert len(sample.cases) == 3 and sample.population == 12
    assert list(sample.cases) == drawn_from(20261101, closed, Decimal("0.2"))
    assert drawn_from(20261101, closed, Decimal("0.2")) == list(sample.cases)  # again: same
    for case_no in sample.cases:
        history = [e.action for e in services.cases.history(case_no)]
        assert history[-1] == "audit_sample"
        assert services.cases.verify(case_no)[1] == []
    again = store.draw(region="sichuan", month="2026-10", rate="0.2", actor="x", now=NOW)
    assert again.existing and again.cases == sample.cases
    assert [e.action for e in services.cases.history(sample.cases[0])].count("audit_sample") == 1
    with pytest.raises(Conflict, match="同一月份只抽查一次"):
        store.draw(region="sichuan", month="2026-10", rate="0.3", actor="x", now=NOW)
    unseeded = store.draw(region="sichuan", month="2026-11", rate="1", actor="x", now=NOW)
    assert len(unseeded.cases) == 1 and unseeded.seed >= 0  # the seed drawn is recorded
    assert [s.month for s in store.samples("sichuan")] == ["2026-11", "2026-10"]


@pytest.mark.parametrize(
    ("month", "rate", "words"),
    [
        ("2026-12", "0.05", "尚未结束"),
        ("2026/10", "0.05", "YYYY-MM"),
        ("2026-13", "0.05", "YYYY-MM"),
        ("2026-10", "5%", "0 到 1 之间的小数"),
        ("2026-10", "0", "大于 0"),
        ("2026-10", "1.5", "不超过 1"),
    ],
)
def test_bad_months_and_rates_are_refused(
    services: Services, month: str, rate: str, words: str
) -> None:
    with pytest.raises(BadInput, match=words):
        services.audit_samples.draw(region="sichuan", month=month, rate=rate, actor="x", now=NOW)
    assert services.audit_samples.samples() == []


def test_findings_and_rectification_are_recorded_and_reported(services: Services) -> None:
    _october(services)
    store = services.audit_samples
    sample = store.draw(region="sichuan", month="2026-10", rate="0.2", seed=7, actor="x", now=NOW)
    first, second, third = sample.cases
    case = services.cases.get(first)
    assert "audit_check" in services.engine.available_actions(case, "supervisor")
    with pytest.raises(BadInput, match="须写明问题"):
        act(services, first, "audit_check", SUPERVISOR, NOW, outcome="problem")
    act(services, first, "audit_check", SUPERVISOR, NOW, outcome="problem",
        reason="审核意见未写明依据")  # fmt: skip
    act(services, second, "audit_check", SUPERVISOR, NOW, outcome="compliant")
    with pytest.raises(NotAllowed, match="待整改"):
        act(services, second, "audit_rectify", SUPERVISOR, NOW, reason="无")
    report = store.report(sample.id).figures()
    assert report == {"drawn": 3, "checked": 2, "compliant": 1, "problems": 1, "rectified": 0}
    act(services, first, "audit_rectify", SUPERVISOR, NOW, reason="已补写审核依据并培训")
    rows = {r["case_no"]: r for r in store.report(sample.id).rows}
    assert rows[first]["rectified"] == "已补写审核依据并培训"
    assert rows[third]["finding_label"] == "待稽核"
    assert store.report(sample.id).figures()["rectified"] == 1
    assert services.cases.verify(first)[1] == []


def test_a_draw_that_stopped_midway_is_completed_by_drawing_again(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that dies after marking some of the drawn cases: drawing the month again
    marks the rest, each case once, and draws nothing new."""
    _october(services)
    store = services.audit_samples
    decide = services.cases.decide
    calls = {"n": 0}

    def dies_after_one(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("the process was killed")
        return decide(*args, **kwargs)

    monkeypatch.setattr(services.cases, "decide", dies_after_one)
    with pytest.raises(RuntimeError):
        store.draw(region="sichuan", month="2026-10", rate="0.2", seed=5, actor="x", now=NOW)
    monkeypatch.setattr(services.cases, "decide", decide)
    again = store.draw(region="sichuan", month="2026-10", rate="0.2", actor="x", now=NOW)
    assert again.existing and len(again.cases) == 3 and again.seed == 5
    for case_no in again.cases:
        marks = [e.action for e in services.cases.history(case_no)].count("audit_sample")
        assert marks == 1, case_no
    assert [s.id for s in store.samples()] == [again.id]

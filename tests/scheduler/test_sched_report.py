"""The on-time report (按时办结率): completed cases counted against their promised and
statutory dues, per item, for a period of Beijing dates. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sched_support import (
    CLERK,
    REVIEWER,
    SUPERVISOR,
    act,
    at,
    open_case,
    run_cli,
    services_on,
)

from jingban.services import Services

ITEM = "transfer_continuation"  # Shawan: promised 10 working days, statutory 15
# Received Wednesday 05-13 11:00: promised due 06-01 20:00, statutory 06-08 20:00
# (古尔邦节 05-27..29 skipped; see test_sched_levels).
MAY = at("2026-05-13 11:00")
# Received Monday 06-15 11:00: 06-16, 17, 18 = 1..3, 06-19 端午 off, 06-22..26 = 4..8,
# 06-29 = 9, 06-30 = 10 → promised due 06-30 20:00; statutory (15) 07-07 20:00.
JUNE = at("2026-06-15 11:00")


def _completed(services: Services, received: dt.datetime, done: dt.datetime) -> str:
    case_no = open_case(services, "shawan", ITEM, received)
    act(services, case_no, "accept", CLERK, received)
    act(services, case_no, "approve", REVIEWER, done - dt.timedelta(minutes=30))
    act(services, case_no, "complete", REVIEWER, done)
    return case_no


def _cases(services: Services) -> None:
    _completed(services, MAY, at("2026-05-26 15:00"))  # within promised
    _completed(services, MAY, at("2026-06-01 20:00"))  # at the promised due: within
    _completed(services, MAY, at("2026-06-03 11:00"))  # after promised, within statutory
    _completed(services, MAY, at("2026-06-09 11:00"))  # after statutory: late
    # Extended by 10 working days on 06-05: statutory 06-08 → 06-09..12, 15..18, (06-19
    # 端午), 22, 23 → 06-23 20:00; completed 06-12: after the limit it had before the
    # extension, within the extended one: 延期办结, not on time.
    extended = open_case(services, "shawan", ITEM, MAY)
    act(services, extended, "accept", CLERK, MAY)
    act(
        services, extended, "extend", SUPERVISOR, at("2026-06-05 11:00"), reason="专家评审", days=10
    )
    assert services.cases.get(extended).statutory_due == at("2026-06-23 20:00")
    act(services, extended, "approve", REVIEWER, at("2026-06-12 10:30"))
    act(services, extended, "complete", REVIEWER, at("2026-06-12 11:00"))
    # The last evening of June (Beijing): after the 20:00 promised due, within statutory.
    _completed(services, JUNE, at("2026-06-30 23:30"))
    # Half an hour into July, Beijing time (still 06-30 in UTC): outside a June period.
    _completed(services, JUNE, at("2026-07-01 00:30"))
    # Open cases and other regions are not in Shawan's figures.
    open_case(services, "shawan", ITEM, MAY)
    _sichuan = open_case(services, "sichuan", "hypertension_diabetes_recognition", MAY)
    act(services, _sichuan, "accept", CLERK, MAY)
    act(services, _sichuan, "approve", REVIEWER, at("2026-05-14 10:00"))
    act(services, _sichuan, "complete", REVIEWER, at("2026-05-14 11:00"))


def test_on_time_counts_and_rates(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with services_on(db_url) as services:
        _cases(services)
        (row,) = services.reports.on_time(
            region="shawan", start=dt.date(2026, 5, 1), end=dt.date(2026, 6, 30)
        )
        assert (row.region, row.item_key, row.item_name) == ("shawan", ITEM, "转移接续手续办理")
        assert (
            row.completed,
            row.within_promised,
            row.within_statutory,
            row.extended,
            row.late,
        ) == (6, 2, 2, 1, 1)
        assert row.on_time_rate == pytest.approx(4 / 6)
        assert row.promised_rate == pytest.approx(2 / 6)
        assert row.extended_rate == pytest.approx(1 / 6)

        everything = services.reports.on_time()
        assert {(r.region, r.completed) for r in everything} == {("shawan", 7), ("sichuan", 1)}
        july = services.reports.on_time(start=dt.date(2026, 7, 1), end=dt.date(2026, 7, 31))
        assert [(r.region, r.completed, r.within_statutory) for r in july] == [("shawan", 1, 1)]

        run = run_cli(
            monkeypatch,
            capsys,
            db_url,
            "report",
            "on-time",
            "--region",
            "shawan",
            "--from",
            "2026-05-01",
            "--to",
            "2026-06-30",
            "--json",
        )
        assert run.code == 0, run.stderr
        (data,) = json.loads(run.stdout)
        assert data == {
            "region": "shawan",
            "item_key": ITEM,
            "item_name": "转移接续手续办理",
            "completed": 6,
            "within_promised": 2,
            "within_statutory": 2,
            "late": 1,
            "on_time_rate": pytest.approx(4 / 6),
            "promised_rate": pytest.approx(1 / 3),
            "extended": 1,
            "extended_rate": pytest.approx(1 / 6),
        }


def test_no_completed_cases_no_rate(tmp_path: object) -> None:
    with services_on(f"sqlite:///{tmp_path}/jingban.db") as services:
        open_case(services, "shawan", ITEM, MAY)
        assert services.reports.on_time() == []

"""A calendar change — a holiday notice imported, a local closure — recomputes the dues of
open cases through the `jingban calendar` commands, records it in their audit trails, clears
provisional where the year is now known, and re-evaluates alerts. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sched_support import (
    CLERK,
    act,
    alert_keys,
    as_utc,
    at,
    open_case,
    passed,
    rows,
    run_cli,
    services_on,
)
from support import notice_2027_text

from jingban.scheduler.runner import SchedulerService
from jingban.services import Services

# Sichuan outpatient_reimbursement, 30 working days, received Monday 2026-12-28 10:00.
# Before the 2027 notice the days of 2027 are the `holidays` library's guess (春节 off
# 02-05..02-10, no make-up days): 12-29, 30, 31 = 1..3; 01-04..29 = 4..23; 02-01..04 =
# 24..27; 02-11, 12, 15 = 28..30 → 02-15, provisional.
# With the notice: 01-31 Sunday is 调休上班 = 24; 02-01..04 = 25..28; 02-05..13 off;
# 02-15 = 29, 02-16 = 30 → due Tuesday 2027-02-16 17:30 (winter close), no longer provisional.
RECEIVED = at("2026-12-28 10:00")
GUESSED_DUE = at("2027-02-15 17:30")
NOTICE_DUE = at("2027-02-16 17:30")

# Sichuan hypertension_diabetes_recognition (10 working days) received Friday 2026-09-18:
# due 10-09 17:30 (see test_sched_levels). With 09-29 closed: 09-20, 21, 22, 23, 24, 28,
# 30, 10-08, 10-09, and 10-10 — the 调休 Saturday — is the 10th → 10-10 17:30.
SC_RECEIVED = at("2026-09-18 10:00")
SC_DUE = at("2026-10-09 17:30")
SC_CLOSED_DUE = at("2026-10-10 17:30")


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _last_event(services: Services, case_no: str) -> Any:
    return services.cases.history(case_no)[-1]


def _close_sichuan_0929(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    wall_clock_utc: str,
    reason: str,
) -> Any:
    """`jingban calendar close 2026-09-29 --region sichuan --reason REASON` at that instant."""
    with freeze_time(wall_clock_utc):
        return run_cli(
            monkeypatch,
            capsys,
            url,
            "calendar",
            "close",
            "2026-09-29",
            "--region",
            "sichuan",
            "--reason",
            reason,
        )


def test_importing_next_years_notice_recomputes_provisional_cases(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    notice = tmp_path / "national-2027.toml"
    notice.write_text(notice_2027_text(), encoding="utf-8")
    with services_on(db_url) as services:
        sichuan = open_case(services, "sichuan", "outpatient_reimbursement", RECEIVED)
        act(services, sichuan, "accept", CLERK, RECEIVED)
        xinjiang = open_case(services, "bingtuan", "outpatient_reimbursement", RECEIVED)
        before = services.cases.get(sichuan)
        assert (before.statutory_due, before.provisional) == (GUESSED_DUE, True)
        assert services.cases.get(xinjiang).provisional

        with freeze_time("2027-01-05 02:00:00"):  # 10:00 Beijing
            run = run_cli(monkeypatch, capsys, db_url, "calendar", "import", str(notice), "--json")
        assert run.code == 0, run.stderr
        summary = json.loads(run.stdout)
        assert sichuan in summary["recalculated_cases"]

        after = services.cases.get(sichuan)
        assert (after.promised_due, after.statutory_due) == (NOTICE_DUE, NOTICE_DUE)
        assert after.provisional is False
        event = _last_event(services, sichuan)
        assert (event.action, event.actor, event.from_state, event.to_state) == (
            "recalculate",
            "system",
            "accepted",
            "accepted",
        )
        assert event.reason == "导入2027年节假日安排 国办发明电〔2026〕99号"
        assert {k: [_utc(v) for v in pair] for k, pair in event.payload["dues"].items()} == {
            "promised": [GUESSED_DUE, NOTICE_DUE],
            "statutory": [GUESSED_DUE, NOTICE_DUE],
        }
        assert event.payload["provisional"] == [True, False]
        assert as_utc(event.at) == at("2027-01-05 10:00")
        # A Xinjiang region also waits for the 自治区's 2027 notice (肉孜节, 古尔邦节).
        assert services.cases.get(xinjiang).provisional is True
        # Alerts were re-evaluated as of the import.
        ledger = rows(services, "SELECT node, as_of FROM scan_runs")
        assert [(r["node"], as_utc(r["as_of"])) for r in ledger] == [
            ("calendar-change", at("2027-01-05 10:00"))
        ]
        # The audit chain stays intact.
        assert services.cases.verify(sichuan) == (3, [])


def test_a_closure_inside_the_window_moves_the_due_one_working_day(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with services_on(db_url) as services:
        case_no = open_case(services, "sichuan", "hypertension_diabetes_recognition", SC_RECEIVED)
        act(services, case_no, "accept", CLERK, SC_RECEIVED)
        elsewhere = open_case(services, "shawan", "transfer_continuation", at("2026-09-18 11:00"))
        elsewhere_events = len(services.cases.history(elsewhere))
        run = _close_sichuan_0929(
            monkeypatch, capsys, db_url, "2026-09-28 04:00:00", "停电检修"
        )  # Monday 12:00 Beijing
        assert run.code == 0, run.stderr
        assert "重新计算了 1 件" in run.stdout
        case = services.cases.get(case_no)
        assert (case.promised_due, case.statutory_due) == (SC_CLOSED_DUE, SC_CLOSED_DUE)
        event = _last_event(services, case_no)
        assert (event.action, event.reason) == ("recalculate", "2026-09-29 闭馆: 停电检修")
        assert [_utc(v) for v in event.payload["dues"]["statutory"]] == [SC_DUE, SC_CLOSED_DUE]
        assert len(services.cases.history(elsewhere)) == elsewhere_events

        # The alerts follow the new due: nothing at the old one, red after the new one.
        services.reload_calendars()
        scan = SchedulerService(services, clock=lambda: SC_DUE + dt.timedelta(seconds=1))
        assert [k for k in passed(scan.scan_once()) if k[0] == case_no] == []
        scan.clock = lambda: SC_CLOSED_DUE + dt.timedelta(seconds=1)
        assert [k for k in passed(scan.scan_once()) if k[0] == case_no] == [
            (case_no, "orange", "promised"),
            (case_no, "red", "statutory"),
        ]


def test_alerts_raised_by_a_calendar_change_are_routed_like_any_other(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with services_on(db_url) as services:
        store = services.deliveries
        services.routes.add_route(
            region="sichuan", name="经办群", kind="wecom", target="http://127.0.0.1:9/robot"
        )
        case_no = open_case(services, "sichuan", "hypertension_diabetes_recognition", SC_RECEIVED)
        act(services, case_no, "accept", CLERK, SC_RECEIVED)
        monday = at("2026-10-12 10:00")
        SchedulerService(services, clock=lambda: monday).scan_once()
        assert len(store.deliveries()) == len(alert_keys(services))

        # Registered on Monday: the office was closed on 09-29 (a power cut). The due moves
        # to Saturday 10-10, which has passed too: the old alerts close, new ones are raised.
        run = _close_sichuan_0929(monkeypatch, capsys, db_url, "2026-10-12 03:00:00", "停电")
        assert run.code == 0, run.stderr
        open_ids = [
            r["id"] for r in rows(services, "SELECT id FROM alerts WHERE closed_at IS NULL")
        ]
        assert len(open_ids) == 2
        queued = {d["alert_id"] for d in store.deliveries()}
        assert set(open_ids) <= queued

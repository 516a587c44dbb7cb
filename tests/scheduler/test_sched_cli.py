"""`jingban alerts scan|list`, `jingban digest`, `jingban report`, `jingban scheduler run`:
JSON shapes, what they record, and exit codes for user errors (2, one line, no traceback).
Run in this process through the console script's `main()`, the clock frozen."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sched_support import (
    CLERK,
    REVIEWER,
    WARNINGS,
    Run,
    act,
    at,
    count,
    jingban_command,
    open_case,
    run_cli,
    services_on,
)

from jingban.services import Services

ITEM = "hypertension_diabetes_recognition"
# Received Friday 09-18 10:00: accept due 09-24 18:00; promised = statutory 10-09 17:30.
RECEIVED = at("2026-09-18 10:00")
ALERT_KEYS = {
    "case_no",
    "region",
    "office",
    "level",
    "level_label",
    "due_kind",
    "due_at",
    "working_days_left",
    "raised_at",
    "closed_at",
}


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'jingban.db'}"


@pytest.fixture
def cases(url: str) -> Iterator[tuple[Services, str, str]]:
    """An accepted case and one never accepted, both received 09-18."""
    with services_on(url) as services:
        accepted = open_case(services, "sichuan", ITEM, RECEIVED, office="武侯区医保中心")
        act(services, accepted, "accept", CLERK, RECEIVED)
        undecided = open_case(services, "sichuan", ITEM, RECEIVED)
        yield services, accepted, undecided


@pytest.fixture
def jingban(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Any]:
    """Run `jingban ARGS…` with the wall clock frozen at ``now`` (Beijing time)."""
    freezer = freeze_time(at("2026-10-12 10:00"), ignore=["_pytest"])
    clock = freezer.start()

    def run(*args: str, now: str = "2026-10-12 10:00") -> Run:
        clock.move_to(at(now))
        return run_cli(monkeypatch, capsys, url, *args)

    try:
        yield run
    finally:
        freezer.stop()


def _passed(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in data if (a["level"], a["due_kind"]) not in WARNINGS]


def test_scan_prints_the_new_alerts_as_json(cases: Any, jingban: Any) -> None:
    services, accepted, undecided = cases
    run = jingban("alerts", "scan", "--at", "2026-10-09T17:30:01+08:00", "--json")
    assert run.code == 0, run.stderr
    data = _passed(json.loads(run.stdout))
    assert all(set(a) == ALERT_KEYS for a in data)
    # Most severe first, then the most overdue, then by case number.
    assert [(a["case_no"], a["level"], a["due_kind"]) for a in data] == [
        (undecided, "red", "accept"),  # 09-24 → 10-09: 09-28, 29, 30, 10-08, 09 = -5
        (accepted, "red", "statutory"),
        (undecided, "red", "statutory"),
        (accepted, "orange", "promised"),
        (undecided, "orange", "promised"),
    ]
    assert [a["working_days_left"] for a in data] == [-5, -1, -1, -1, -1]
    red = data[1]
    assert red["level_label"] == "红牌"
    assert red["office"] == "武侯区医保中心"
    assert red["due_at"] == "2026-10-09T17:30:00+08:00"
    assert red["raised_at"] == "2026-10-12T10:00:00+08:00"  # the wall clock, frozen
    assert red["closed_at"] is None
    assert count(services, "alerts") == len(json.loads(run.stdout))

    again = jingban("alerts", "scan", "--at", "2026-10-09T17:30:01+08:00", "--json")
    assert (again.code, json.loads(again.stdout)) == (0, [])
    human = jingban("alerts", "scan")
    assert human.code == 0
    assert human.stdout.strip().endswith("新预警 0 条，关闭 0 条")
    full = jingban("alerts", "scan", "--full", "--json")  # every open case again: nothing new
    assert (full.code, json.loads(full.stdout)) == (0, [])


def test_dry_run_forecasts_by_the_end_of_a_day_and_records_nothing(
    cases: Any, jingban: Any
) -> None:
    services, accepted, undecided = cases
    # A bare date means the end of that day, Beijing time.
    run = jingban(
        "alerts", "scan", "--dry-run", "--at", "2026-10-09", "--json", now="2026-10-08 09:00"
    )
    assert run.code == 0, run.stderr
    red = [(a["case_no"], a["due_kind"]) for a in json.loads(run.stdout) if a["level"] == "red"]
    assert sorted(red) == sorted(
        [(undecided, "accept"), (accepted, "statutory"), (undecided, "statutory")]
    )
    assert all(a["raised_at"] is None for a in json.loads(run.stdout))
    for table in ("alerts", "scan_runs", "alert_deliveries"):
        assert count(services, table) == 0


def test_list_filters_and_shows_closed_alerts(cases: Any, jingban: Any) -> None:
    services, accepted, undecided = cases
    assert jingban("alerts", "scan", "--at", "2026-10-09T17:30:01+08:00").code == 0
    act(services, accepted, "approve", REVIEWER, at("2026-10-12 10:00"))
    act(services, accepted, "complete", REVIEWER, at("2026-10-12 10:30"))
    assert jingban("alerts", "scan", now="2026-10-12 11:00").code == 0  # closes its alerts

    everything = _passed(json.loads(jingban("alerts", "list", "--json").stdout))
    assert len(everything) == 5
    closed = [a for a in everything if a["closed_at"] is not None]
    assert {a["case_no"] for a in closed} == {accepted}
    assert {a["closed_at"] for a in closed} == {"2026-10-12T11:00:00+08:00"}

    still = _passed(json.loads(jingban("alerts", "list", "--open", "--json").stdout))
    assert {a["case_no"] for a in still} == {undecided}
    reds = json.loads(jingban("alerts", "list", "--level", "red", "--open", "--json").stdout)
    assert sorted(a["due_kind"] for a in reds) == ["accept", "statutory"]
    # Listed on Monday 10-12: the statutory due 10-09 is two working days behind (10-10, 10-12).
    assert {a["working_days_left"] for a in reds if a["due_kind"] == "statutory"} == {-2}
    assert json.loads(jingban("alerts", "list", "--region", "shawan", "--json").stdout) == []

    human = jingban("alerts", "list")
    assert "(已关闭)" in human.stdout and "红牌" in human.stdout


def test_digest_json(cases: Any, jingban: Any) -> None:
    _, accepted, undecided = cases
    jingban("alerts", "scan", "--at", "2026-10-09T17:30:01+08:00")
    run = jingban("digest", "--json")
    assert run.code == 0, run.stderr
    blocks = {b["region"]: b for b in json.loads(run.stdout)}
    assert set(blocks) == {"sichuan", "bingtuan", "tacheng", "kashgar", "shawan"}
    sichuan = blocks["sichuan"]
    assert sichuan["region_name"] == "四川省"
    assert sichuan["counts"] == {"red": 2, "orange": 0, "yellow": 0}
    assert sorted(c["case_no"] for c in sichuan["cases"]) == sorted([accepted, undecided])
    assert set(sichuan["cases"][0]) == {
        "level",
        "case_no",
        "item_name",
        "due_kind",
        "due_at",
        "working_days_left",
    }
    assert blocks["shawan"] == {
        "region": "shawan",
        "region_name": "沙湾市",
        "counts": {"red": 0, "orange": 0, "yellow": 0},
        "cases": [],
    }
    only = json.loads(jingban("digest", "--region", "shawan", "--json").stdout)
    assert [b["region"] for b in only] == ["shawan"]


@pytest.mark.parametrize(
    "args",
    [
        ("alerts", "list", "--level", "purple"),
        ("alerts", "list", "--region", "beijing"),
        ("alerts", "scan", "--at", "yesterday"),
        ("alerts", "scan", "--at", "2026-02-30"),
        ("alerts", "scan", "--dry-run", "--at", "2026-10-09T25:00"),
        ("digest", "--region", "beijing"),
        ("report", "on-time", "--from", "2026-13-01"),
        ("report", "on-time", "--from", "2026-07-01", "--to", "2026-06-01"),
        ("report", "on-time", "--region", "beijing"),
        ("alerts", "retry", "--id", "99"),
        ("alerts", "scan", "--at", "2026-12-01"),  # the future: only with --dry-run
    ],
)
def test_user_errors_exit_2_with_one_line(url: str, jingban: Any, args: tuple[str, ...]) -> None:
    run = jingban(*args)
    assert run.code == 2, (run.stdout, run.stderr)
    assert run.stderr.startswith("错误: ")
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [("--scan-seconds", "0"), ("--digest-at", "25:00")])
def test_scheduler_run_refuses_bad_options_before_starting(
    url: str, tmp_path: Path, args: tuple[str, ...]
) -> None:
    proc = subprocess.run(
        [*jingban_command(), "scheduler", "run", *args],
        cwd=tmp_path,
        env={"JINGBAN_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("错误: ")


def test_retry_queues_parked_deliveries_again(url: str, jingban: Any) -> None:
    from jingban.scheduler.notify import Message

    with services_on(url) as services:
        route = services.routes.add_route(
            region="sichuan", name="科长", kind="wecom", target="http://127.0.0.1:9/send?key=k"
        )
        services.deliveries.enqueue_message(
            "t:1",
            route,
            Message("【红牌】测试", "### 测试", "测试"),
            first_try=at("2026-10-12 09:00"),
        )
        (row,) = services.deliveries.deliveries()
        (claimed,) = services.deliveries.claim(
            "test", at("2026-10-12 09:00"), lease=dt.timedelta(minutes=5)
        )
        assert services.deliveries.mark_failed(
            claimed.id, "test", "errcode=93000 invalid webhook url", None
        )
    listed = jingban("alerts", "deliveries", "--status", "failed")
    assert listed.code == 0 and "failed" in listed.stdout and "93000" in listed.stdout
    run = jingban("alerts", "retry", "--id", str(row["id"]))
    assert (run.code, run.stdout.strip()) == (0, "已重新排队 1 条")
    assert jingban("alerts", "deliveries", "--status", "failed").stdout == ""

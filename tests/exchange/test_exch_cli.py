"""`jingban exchange push|failed|events|retry|reconcile`, and reconcile finding a removed event."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from exchange_support import CLERK, SECRET, act, open_case, platform, rows, services_on
from sqlalchemy import text

from jingban.calendar import BEIJING

DAY = dt.date(2026, 9, 30)  # the last working day before 国庆节
LATE = dt.datetime.combine(DAY, dt.time(23, 30), BEIJING).astimezone(dt.UTC)  # 15:30 UTC


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'jingban.db'}"
    monkeypatch.setenv("JINGBAN_DATABASE_URL", url)

    def run(*args: str) -> Run:
        from jingban.cli.main import main

        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["jingban", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return Run(code, out, err)

    run.url = url  # type: ignore[attr-defined]
    return run


def test_push_failed_and_retry(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    with services_on(cli.url) as services:
        no = open_case(services, LATE)
    unset = cli("exchange", "push")
    assert unset.code == 2 and "JINGBAN_EXCHANGE_URL" in unset.stderr
    with platform(mode="bad") as stub:
        monkeypatch.setenv("JINGBAN_EXCHANGE_URL", stub.url)
        monkeypatch.setenv("JINGBAN_EXCHANGE_SECRET", SECRET)
        pushed = cli("exchange", "push")
        assert pushed.code == 0 and "停发 1" in pushed.stdout
        failed = cli("exchange", "failed", "--json")
        parked = json.loads(failed.stdout)
        assert [(p["case_no"], p["status"]) for p in parked] == [(no, "failed")]
        assert "HTTP 400" in parked[0]["last_error"]
        assert no in cli("exchange", "failed").stdout
        missing = cli("exchange", "retry", "--id", "999")
        assert missing.code == 2 and "999" in missing.stderr
        stub.mode = "up"
        assert "已重新排队 1 条" in cli("exchange", "retry").stdout
        assert "已推送 1" in cli("exchange", "push").stdout
    listed = json.loads(cli("exchange", "events", "--status", "sent", "--json").stdout)
    assert [e["case_no"] for e in listed] == [no] and "payload" not in listed[0]
    assert cli("exchange", "events", "--status", "gone").code == 2
    monkeypatch.setenv("JINGBAN_EXCHANGE_ADAPTER", "guangdong")
    unknown = cli("exchange", "push")
    assert unknown.code == 2 and "guangdong" in unknown.stderr


def test_reconcile_finds_a_removed_event_and_one_not_yet_sent(cli) -> None:  # type: ignore[no-untyped-def]
    with services_on(cli.url) as services:
        first = open_case(services, LATE)
        act(services, first, "accept", CLERK, LATE + dt.timedelta(minutes=40))  # 00:10, 1 Oct
        second = open_case(services, LATE + dt.timedelta(minutes=5))
        act(services, second, "accept", CLERK, LATE + dt.timedelta(minutes=6))
        with platform() as stub:
            from jingban.scheduler.exchange_adapters import adapter_named
            from jingban.scheduler.exchange_push import Target, push_due

            target = Target(stub.url, adapter_named("json"), SECRET, 2.0)
            push_due(
                services.exchange, services.exchange_codes, target, LATE + dt.timedelta(hours=1)
            )
        assert len(stub.accepted) == 4
        with services.db.write() as conn:  # the outbox loses one event
            conn.execute(
                text("DELETE FROM exchange_events WHERE case_no = :n AND seq = 2"), {"n": second}
            )
            conn.execute(
                text(
                    "UPDATE exchange_events SET status = 'pending' WHERE case_no = :n AND seq = 1"
                ),
                {"n": second},
            )
        assert rows(services, "SELECT count(*) AS n FROM exchange_events")[0]["n"] == 3
    found = cli("exchange", "reconcile", "--date", DAY.isoformat(), "--json")
    assert found.code == 0, found.stderr
    result = json.loads(found.stdout)
    assert (result["date"], result["actions"], result["sent"]) == (DAY.isoformat(), 3, 1)
    gaps = [(g["gap"], g["case_no"], g["seq"], g["kind"]) for g in result["gaps"]]
    assert gaps == [("waiting", second, 1, "receive"), ("missing", second, 2, "accept")]
    # first's accept came after midnight, Beijing time: it is the next day's
    next_day = json.loads(
        cli(
            "exchange", "reconcile", "--date", (DAY + dt.timedelta(days=1)).isoformat(), "--json"
        ).stdout
    )
    assert (next_day["actions"], next_day["sent"], next_day["gaps"]) == (1, 1, [])
    human = cli("exchange", "reconcile", "--date", DAY.isoformat())
    assert "差异 2" in human.stdout and "未生成平台事件" in human.stdout
    bad = cli("exchange", "reconcile", "--date", "2026-02-30")
    assert bad.code == 2 and "Traceback" not in bad.stderr

"""Helpers of the scheduler tests: Beijing instants, cases on real items through `Services`,
the rows the scan leaves behind, the `jingban` command in this process, and scheduler
processes in subprocesses.

Instants, identity numbers and the PostgreSQL server come from ``tests/support.py``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from support import at as at
from support import fresh_pg_url as fresh_pg_url
from support import gb11643

from jingban.engine import ActionParams
from jingban.services import Services
from jingban.storage import Database
from jingban.storage.scan import ScanResult, scan

UTC = dt.UTC

CLERK = ("clerk-li", "clerk")
REVIEWER = ("reviewer-wang", "reviewer")
SUPERVISOR = ("supervisor-chen", "supervisor")


# 510107: an address code of 成都市武侯区; born 1980-05-17.
APPLICANT_ID = gb11643("51010719800517123")


# --- databases ------------------------------------------------------------------------


@contextlib.contextmanager
def services_on(url: str) -> Iterator[Services]:
    """`Services` on a database (migrated on first use), disposed afterwards."""
    services = Services(Database(url))
    try:
        yield services
    finally:
        services.db.dispose()


def rows(services: Services, sql: str, **params: Any) -> list[dict[str, Any]]:
    with services.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def as_utc(value: Any) -> dt.datetime:
    """A stored time as aware UTC (SQLite gives text, PostgreSQL aware datetimes)."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC)


def alert_keys(services: Services, *, open_only: bool = False) -> list[tuple[str, str, str]]:
    """(case_no, level, due_kind) of every stored alert, sorted."""
    where = " WHERE closed_at IS NULL" if open_only else ""
    found = rows(services, f"SELECT case_no, level, due_kind FROM alerts{where}")
    return sorted((r["case_no"], r["level"], r["due_kind"]) for r in found)


def count(services: Services, table: str) -> int:
    return int(rows(services, f"SELECT count(*) AS n FROM {table}")[0]["n"])


# --- cases ----------------------------------------------------------------------------


def open_case(
    services: Services,
    region: str,
    item: str,
    received: dt.datetime,
    *,
    now: dt.datetime | None = None,
    all_materials: bool = True,
    office: str | None = None,
) -> str:
    """Register an application received at ``received``; returns its case number."""
    opened = services.cases.open(
        now=now or received,
        region=region,
        item=item,
        applicant_name="张三",
        applicant_id=APPLICANT_ID,
        actor=CLERK[0],
        role=CLERK[1],
        all_materials=all_materials,
        received_at=received,
        office=office,
    )
    return opened.case.case_no


def act(
    services: Services,
    case_no: str,
    action: str,
    who: tuple[str, str],
    now: dt.datetime,
    **params: Any,
) -> Any:
    return services.cases.act(
        case_no, action, actor=who[0], role=who[1], now=now, params=ActionParams(**params)
    )


def scan_at(
    services: Services, as_of: dt.datetime, *, slot: str | None = None, node: str = "test"
) -> ScanResult:
    """One recorded scan as of ``as_of`` (its own slot unless ``slot`` is given)."""
    return scan(services.db, services.calendar, as_of, slot=slot, node=node)


# The two warnings raised before a due passes, from the warning instants stored on the case.
WARNINGS = frozenset({("yellow", "promised"), ("orange", "statutory")})


def found(result: ScanResult) -> list[tuple[str, str, str]]:
    """(case_no, level, due_kind) of a scan's alerts, sorted."""
    return sorted((a.case_no, a.level, a.due_kind) for a in result.alerts)


def passed(result: ScanResult) -> list[tuple[str, str, str]]:
    """Like `found`, without the two warnings: only the alerts of dues that passed (tests
    about passed dues need not repeat the warnings a case raised on its way there)."""
    return [k for k in found(result) if (k[1], k[2]) not in WARNINGS]


# --- the command line, in this process -------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    *args: str,
) -> Run:
    """`jingban ARGS…` through `jingban.cli.main.main` (the console script's entry point)."""
    from jingban.cli.main import main

    capsys.readouterr()
    monkeypatch.setenv("JINGBAN_DATABASE_URL", url)
    monkeypatch.setattr(sys, "argv", ["jingban", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return Run(code, out, err)


# --- processes ------------------------------------------------------------------------


def jingban_command() -> list[str]:
    script = Path(sys.executable).parent / "jingban"
    return [str(script)] if script.exists() else [sys.executable, "-m", "jingban.cli.main"]


def start_scheduler(url: str, workdir: Path, name: str, scan_seconds: int = 1) -> Any:
    """`jingban scheduler run` in a subprocess, its output in ``workdir/name.log``."""
    env = {**os.environ, "JINGBAN_DATABASE_URL": url, "PYTHONIOENCODING": "utf-8"}
    log = (workdir / f"{name}.log").open("wb")
    try:
        return subprocess.Popen(
            [*jingban_command(), "scheduler", "run", "--scan-seconds", str(scan_seconds)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def stop_all(processes: list[Any], timeout: float = 5.0) -> None:
    """Terminate every process we started (by its own handle), killing the stubborn."""
    for proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in processes:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)

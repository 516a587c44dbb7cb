"""Several `jingban scheduler run` processes on one database: one scans, the others stand
by, and when the leader is killed a standby takes over — on PostgreSQL (advisory lock) with
three processes and on SQLite (file lock) with two.

These are the only tests that let wall-clock time pass: the processes run `--scan-seconds 1`
and re-elect every 5 s (the default); every wait is bounded and every process we start is
stopped in a ``finally``.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from sched_support import (
    WARNINGS,
    alert_keys,
    fresh_pg_url,
    open_case,
    rows,
    services_on,
    start_scheduler,
    stop_all,
    wait_for,
)

from jingban.services import Services

ITEM = "hypertension_diabetes_recognition"
TAKEOVER_LIMIT = 10.0  # seconds: the 5 s election interval, a start-up scan, and slack


def _ledger(services: Services) -> list[dict[str, Any]]:
    return rows(services, "SELECT id, slot, node, new_alerts FROM scan_runs ORDER BY id")


def _pid(node: str) -> int:
    return int(node.rsplit(":", 1)[1])


def _overdue_case(services: Services) -> tuple[str, list[tuple[str, str, str]]]:
    """A case received 60 days ago and never accepted: every due passed, by the wall clock
    the processes scan with."""
    now = dt.datetime.now(dt.UTC)
    case_no = open_case(services, "sichuan", ITEM, now - dt.timedelta(days=60), now=now)
    return case_no, sorted(
        [
            (case_no, "orange", "promised"),
            (case_no, "red", "accept"),
            (case_no, "red", "statutory"),
        ]
    )


def _passed_alerts(services: Services) -> list[tuple[str, str, str]]:
    return [k for k in alert_keys(services) if (k[1], k[2]) not in WARNINGS]


def _fail_over(services: Services, processes: list[Any], workdir: Path) -> None:
    """Wait for several scans by one leader, kill it, and check a standby takes over."""
    pids = {p.pid for p in processes}
    _, expected = _overdue_case(services)
    ledger = wait_for(
        lambda: (found := _ledger(services)) and len(found) >= 4 and found, 30, "four scans"
    )
    leaders = {row["node"] for row in ledger}
    assert len(leaders) == 1, ledger
    (leader_node,) = leaders
    assert _pid(leader_node) in pids
    assert _passed_alerts(services) == expected
    assert sum(row["new_alerts"] for row in ledger) == len(alert_keys(services))

    leader = next(p for p in processes if p.pid == _pid(leader_node))
    last_id = ledger[-1]["id"]
    killed = time.monotonic()
    leader.kill()
    leader.wait(timeout=10)

    def taken_over() -> list[dict[str, Any]]:
        return [r for r in _ledger(services) if r["id"] > last_id and r["node"] != leader_node]

    wait_for(taken_over, TAKEOVER_LIMIT + 5, "a standby to take over")
    took = time.monotonic() - killed
    assert took < TAKEOVER_LIMIT, f"took over after {took:.1f} s"
    wait_for(lambda: len(taken_over()) >= 2, 10, "the new leader's second scan")

    ledger = _ledger(services)
    nodes = [row["node"] for row in ledger]
    # One node at a time: the first leader's scans, then only the successor's.
    successor = nodes[-1]
    assert successor != leader_node and _pid(successor) in pids - {leader.pid}
    first_run = nodes.index(successor)
    assert set(nodes[:first_run]) <= {leader_node}, nodes
    assert set(nodes[first_run:]) == {successor}, nodes
    assert len({row["slot"] for row in ledger}) == len(ledger)
    # The successor raised nothing again.
    assert all(row["new_alerts"] == 0 for row in ledger[first_run:])
    assert _passed_alerts(services) == expected
    survivors = [p for p in processes if p is not leader]
    assert all(p.poll() is None for p in survivors), _logs(workdir)


def _logs(workdir: Path) -> str:
    return "\n".join(f"{log.name}:\n{log.read_text()}" for log in sorted(workdir.glob("*.log")))


def test_three_schedulers_on_postgresql(tmp_path: Path) -> None:
    url = fresh_pg_url()
    processes: list[Any] = []
    with services_on(url) as services:  # migrated before the processes start
        try:
            for i in range(3):
                processes.append(start_scheduler(url, tmp_path, f"node{i}"))
            _fail_over(services, processes, tmp_path)
            holders = rows(
                services,
                "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            )
            assert holders[0]["n"] == 1
        finally:
            stop_all(processes)


def test_two_schedulers_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jingban.db'}"
    processes: list[Any] = []
    with services_on(url) as services:
        try:
            for i in range(2):
                processes.append(start_scheduler(url, tmp_path, f"node{i}"))
            _fail_over(services, processes, tmp_path)
            lock = Path(f"{tmp_path / 'jingban.db'}.scheduler.lock")
            assert lock.read_text().strip() == str(_pid(_ledger(services)[-1]["node"]))
        finally:
            stop_all(processes)

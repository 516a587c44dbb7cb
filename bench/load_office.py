"""A realistic office load: 50 staff of two 四川 offices at once on ``jingban serve``, in the
mix an office has — 80 % reads (the work queue, case pages, searches by name, case number
and identity number, the board), 20 % actions (登记, 受理, 审核, 拨付, 办结), plus the
applicants' public progress queries — then every audit chain verified.

    .venv/bin/python bench/load_office.py                          # SQLite, one worker, 2 min
    eval "$(.ci/pg-start)"
    .venv/bin/python bench/load_office.py --backend postgresql     # two workers
    .venv/bin/python bench/load_office.py --quick                  # a 15 s smoke run

Per run: a fresh database (a SQLite file in WAL with ``synchronous=FULL``, or a PostgreSQL
database made for it) filled in-process through the product's stores with ``--cases``
cases and the staff accounts (`_office_data`); this checkout's server started with
``--no-scheduler``; every member of staff signed in through the console's login form and
for an API token; one warm-up round; then ``--staff`` threads, each on its own keep-alive
connections, for ``--seconds``, choosing each next request by its role's weights
(`_office_staff.WEIGHTS`), with an optional think time (``--think-ms``, exponential; 0: a
closed loop). Each open case sits in the tray of exactly one member of staff, so no two act
on one case: any status but 200/201 is an error. Reported per kind of request and overall:
count, requests/s, latency p50/p95/p99/max, errors (with the first), the server's CPU per
request (its processes' utime + stime from /proc over the requests made), whether
``jingban audit verify`` passes, and the targets met. A load generator, not a timed test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _office_data import Office, prepare, staff_of
from _office_staff import KINDS, Desk, Signed, Staff, sign_in
from _pg import pg_recreate
from bench_http import Client, Tally, _cpu, chains_verify, percentile, profiler, serving
from bench_http import server_log as last_server_log

import jingban

ROOT = str(Path(__file__).resolve().parents[1])
TARGETS = {"p95": 150.0, "p99": 400.0}


def _url(backend: str, tmp: str, pg_url: str | None) -> str:
    if backend == "sqlite":
        return f"sqlite:///{Path(tmp) / 'jingban.db'}"
    server = pg_url or os.environ.get("JINGBAN_TEST_PG_URL")
    if not server:
        sys.exit("PostgreSQL: give --pg-url or set JINGBAN_TEST_PG_URL")
    return pg_recreate(server, "jingban_load_office")


def _stats(tally: Tally, wall: float) -> dict[str, Any]:
    done = sorted(tally.latencies)
    return {
        "count": len(done),
        "rps": len(done) / wall if wall else 0.0,
        "p50": percentile(done, 0.50),
        "p95": percentile(done, 0.95),
        "p99": percentile(done, 0.99),
        "max": done[-1] * 1000 if done else 0.0,
        "errors": len(tally.errors),
        "first_error": tally.errors[0] if tally.errors else "",
    }


def _warm_up(port: int, signed: list[Signed], office: Office) -> None:
    """One round before timing: each member's work queue and a case page, the board, one
    progress query (templates compiled, connections pooled)."""
    for s in signed:
        case = next(c for c in office.cases if c.office == s.member.office)
        client = Client(port, s.token, {"Cookie": f"jingban_session={s.session}"})
        client.send("GET", "/work", None, None)
        client.send("GET", f"/cases/{case.case_no}", None, None)
        if s.member.role == "supervisor":
            client.send("GET", "/board", None, None)
        client.conn.close()
    Client(port).call(
        "POST", "/api/public/progress", {"case_no": case.case_no, "code": case.query_code}, None
    )


def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    """One run on the fresh database at ``url``: prepare, serve, load, verify."""
    t0 = time.perf_counter()
    office = prepare(url, args.cases, staff_of(args.staff))
    prepared = time.perf_counter() - t0
    states = Counter(c.state for c in office.cases)  # as prepared (the load moves them on)
    tallies = {kind: Tally() for kind, _ in KINDS}
    with serving(url, args.workers, ROOT) as (port, pid):
        with ThreadPoolExecutor(4) as pool:
            signed = list(pool.map(lambda m: sign_in(port, m), office.staff))
        _warm_up(port, signed, office)
        desk = Desk(office)
        staff = [Staff(port, s, desk, tallies, seed=n) for n, s in enumerate(signed)]
        spy = profiler(pid, args.profile) if args.profile else None
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=s.run, args=(until, args.think_ms / 1000)) for s in staff
        ]
        start = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        cpu0, t1 = _cpu(pid), time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, cpu1 = time.perf_counter() - t1, _cpu(pid)
        end = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        if spy is not None:
            spy.send_signal(2)
            spy.wait(60)
    log = last_server_log[0] if last_server_log else ""
    if args.server_log:
        Path(args.server_log).write_text(log, "utf-8")
    t2 = time.perf_counter()
    verified = chains_verify(url, ROOT)
    everything = Tally()
    for tally in tallies.values():
        everything.latencies += tally.latencies
        everything.errors += tally.errors
    n = len(everything.latencies)
    return {
        "office": office,
        "prepared_s": prepared,
        "states": states,
        "verify_s": time.perf_counter() - t2,
        "kinds": {kind: _stats(tallies[kind], wall) for kind, _ in KINDS},
        "all": _stats(everything, wall),
        "groups": {
            g: sum(len(tallies[k].latencies) for k, kg in KINDS if kg == g)
            for g in ("read", "action", "public")
        },
        "cpu_ms": (sum(cpu1) - sum(cpu0)) / n * 1000 if n else 0.0,
        "user_ms": (cpu1[0] - cpu0[0]) / n * 1000 if n else 0.0,
        "verified": verified,
        "tracebacks": len(re.findall(r"^Traceback", log, re.M)),
        "server_side": server_side(log, start[:23], end[:23]),
    }


_LOGGED = re.compile(
    r'^(\S+) .*"(\w+) \S+ HTTP/1.1" \d+ .*route=(\S+) .*duration_ms=([\d.]+)', re.M
)


def server_side(log: str, start: str, end: str) -> dict[str, list[float]]:
    """The application's own time per request (``duration_ms`` of its request log, from
    the request's arrival at the application to its answer) by method and route, for the
    requests logged between ``start`` and ``end`` (ISO instants, UTC)."""
    found: dict[str, list[float]] = {}
    for at, method, route, ms in _LOGGED.findall(log):
        if start <= at[:23] <= end:
            found.setdefault(f"{method} {route}", []).append(float(ms))
    return {k: sorted(v) for k, v in found.items()}


def _row(label: str, s: dict[str, Any]) -> str:
    return (
        f"  {label:<40} {s['count']:>6} {s['rps']:7.1f}/s  p50 {s['p50']:6.1f}  p95 "
        f"{s['p95']:6.1f}  p99 {s['p99']:6.1f}  max {s['max']:7.1f} ms  errors {s['errors']}"
    )


def report(args: argparse.Namespace, r: dict[str, Any]) -> None:
    """Print one run as the README records it."""
    office: Office = r["office"]
    roles = Counter(m.role for m in office.staff)
    states: Counter[str] = r["states"]
    print(
        f"{args.backend}, workers {args.workers}: {len(office.staff)} staff ("
        + ", ".join(f"{roles[k]} {k}s" for k in ("clerk", "reviewer", "payer", "supervisor"))
        + f"), {args.seconds:.0f} s, think {args.think_ms:.0f} ms"
    )
    print(
        f"  prepared {len(office.cases):,} cases in {r['prepared_s']:.0f} s ("
        + ", ".join(f"{s} {n}" for s, n in states.most_common())
        + ")"
    )
    for kind, stats in r["kinds"].items():
        if stats["count"]:
            print(_row(kind, stats))
    print(_row("all", r["all"]))
    groups = r["groups"]
    staff = groups["read"] + groups["action"]
    if staff:
        print(
            f"  staff requests: reads {groups['read'] / staff:.1%}, actions "
            f"{groups['action'] / staff:.1%}; public progress queries {groups['public']}"
        )
    print(f"  server CPU {r['cpu_ms']:.2f} ms/request (user {r['user_ms']:.2f})")
    if r["server_side"]:
        print("  in the application (its log's duration_ms: arrival to answer):")
        for route, ms in sorted(r["server_side"].items(), key=lambda kv: -len(kv[1])):
            print(
                f"    {route:<46} {len(ms):>6}  p50 {percentile(ms, 0.5) / 1000:6.1f}  "
                f"p95 {percentile(ms, 0.95) / 1000:6.1f}  p99 {percentile(ms, 0.99) / 1000:6.1f} ms"
            )
    if r["all"]["first_error"]:
        print(f"  first error: {r['all']['first_error']}")
    if r["tracebacks"]:
        print(f"  server log: {r['tracebacks']} traceback(s)")
    chains = "verified" if r["verified"] else "NOT VERIFIED"
    print(f"  audit chains: {chains} (jingban audit verify, {r['verify_s']:.0f} s)")
    every = r["all"]
    met = {
        f"p95 ≤ {TARGETS['p95']:.0f} ms": every["p95"] <= TARGETS["p95"],
        f"p99 ≤ {TARGETS['p99']:.0f} ms": every["p99"] <= TARGETS["p99"],
        "zero errors": every["errors"] == 0,
        "every chain verifies": bool(r["verified"]),
    }
    print("  targets: " + "; ".join(f"{k} {'yes' if v else 'NO'}" for k, v in met.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--workers", type=int, default=None, help="server workers (SQLite 1, PostgreSQL 2)"
    )
    parser.add_argument("--staff", type=int, default=50, help="concurrent members of staff")
    parser.add_argument("--seconds", type=float, default=120.0, help="length of the load")
    parser.add_argument("--cases", type=int, default=4000, help="cases prepared beforehand")
    parser.add_argument("--think-ms", type=float, default=0.0, help="mean think time (0: none)")
    parser.add_argument("--quick", action="store_true", help="a 15 s smoke run, 600 cases")
    parser.add_argument("--pg-url", default=None, help="server URL (default $JINGBAN_TEST_PG_URL)")
    parser.add_argument("--profile", default=None, help="py-spy raw profile of the server to FILE")
    parser.add_argument("--server-log", default=None, help="write the server's log to FILE")
    args = parser.parse_args()
    if args.workers is None:
        args.workers = 2 if args.backend == "postgresql" else 1
    if args.quick:
        args.seconds, args.cases = 15.0, 600
    if not Path(jingban.__file__).resolve().is_relative_to(ROOT):
        sys.exit(f"jingban is imported from {jingban.__file__}: run with PYTHONPATH={ROOT}")
    with tempfile.TemporaryDirectory() as tmp:
        # The server and this process's preparation share the key that hashes identity
        # numbers; the server believes X-Forwarded-For from loopback (its reverse proxy).
        os.environ["JINGBAN_SECRET_KEY_FILE"] = str(Path(tmp) / "server.key")
        os.environ["JINGBAN_TRUSTED_PROXIES"] = "127.0.0.1"
        report(args, run(args, _url(args.backend, tmp, args.pg_url)))


if __name__ == "__main__":
    main()

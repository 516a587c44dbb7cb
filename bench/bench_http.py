"""The HTTP path under load (issue 18): ``jingban serve`` on loopback, staff clients taking
cases through 登记—受理—审核—拨付—办结 with bearer tokens, as scripts and the console's users do.

    .venv/bin/python bench/bench_http.py --clients 1,16 --cases 200          # SQLite, 1 worker
    eval "$(.ci/pg-start)"
    .venv/bin/python bench/bench_http.py --backend postgresql --workers 1,2 --clients 16

Per run: a fresh database (a SQLite file in WAL with ``synchronous=FULL``, or a PostgreSQL
database made for it), staff accounts of one 四川 office, the server started with
``--no-scheduler`` and waited for (``/healthz``), each client signed in once; then every
client takes its share of ``--cases`` 住院费用报销 cases through ``POST /api/cases`` and
``POST /api/cases/{no}/actions/{action}`` (accept, approve, pay, complete) on one
keep-alive connection, bounded by ``--cases`` and ``--seconds``. Reported: requests/s,
latency p50/p95/p99/max, errors (any status but 200/201), and the server's CPU per request
(utime + stime of its processes from /proc, over the requests made). Afterwards every
case's audit chain is verified (``jingban audit verify``). A load generator, not a timed
test: run it beside the change it measures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASSWORD = "bench-password-1"
OFFICE = "成都市医疗保障事务中心"
STAFF = {"clerk": "b_clerk", "reviewer": "b_reviewer", "payer": "b_payer"}
PAYMENT = {"amount": "3456.70", "account": "6217003123456789", "voucher": "PZ-1"}
TICK = os.sysconf("SC_CLK_TCK")


def gb11643(body17: str) -> str:
    value = (12 - sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body17)) % 11) % 11
    return body17 + ("X" if value == 10 else str(value))


def _born(serial: int) -> dt.date:
    return dt.date(1950, 1, 1) + dt.timedelta(days=serial % 20000)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu(pid: int) -> tuple[float, float]:
    """CPU seconds (user, system) of ``pid`` and its children (the workers)."""
    user = system = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        user += int(fields[11]) / TICK
        system += int(fields[12]) / TICK
    return user, system


class Client:
    """One member of staff's keep-alive connection."""

    def __init__(
        self, port: int, token: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token
        self.headers = dict(headers or {})

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None,
        tally: Tally | None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        """One request on the connection: status, response (its headers) and body; timed
        into ``tally``, where any status but 200/201 is an error."""
        sent = {**self.headers, **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        t0 = time.perf_counter()
        self.conn.request(method, path, body, sent)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - t0
        if tally is not None:
            with tally.lock:
                tally.latencies.append(elapsed)
                if response.status not in (200, 201):
                    tally.errors.append(f"{response.status} {method} {path} {data[:200]!r}")
        return response.status, response, data

    def call(self, method: str, path: str, body: Any, tally: Tally | None) -> tuple[int, Any]:
        """A JSON request and its decoded answer."""
        status, _, data = self.send(
            method,
            path,
            json.dumps(body, ensure_ascii=False).encode(),
            tally,
            {"Content-Type": "application/json"},
        )
        return status, json.loads(data) if data else None


_PREPARE = """
import datetime as dt, sys
from jingban.services import Services
from jingban.storage import Database
services = Services(Database(sys.argv[1]))
for role, name in (("clerk", "b_clerk"), ("reviewer", "b_reviewer"), ("payer", "b_payer")):
    services.accounts.add_user(name, role=role, password=sys.argv[2], now=dt.datetime.now(dt.UTC),
                               region="sichuan", office=sys.argv[3])
services.db.dispose()
"""


def _env(url: str, root: str | None) -> dict[str, str]:
    """The environment of a side's processes: its checkout first on the path (``root``;
    None: this one)."""
    env = {**os.environ, "JINGBAN_DATABASE_URL": url}
    if root is not None:
        env["PYTHONPATH"] = root
    return env


def _jingban(root: str | None) -> list[str]:
    if root is None:
        return [str(Path(sys.executable).with_name("jingban"))]
    return [sys.executable, "-m", "jingban.cli.main"]


def _work(port: int, tokens: dict[str, str], serials: range, tally: Tally, until: float) -> None:
    staff = {role: Client(port, token) for role, token in tokens.items()}
    for serial in serials:
        if time.monotonic() > until:
            return
        body = {
            "region": "sichuan", "item": "inpatient_reimbursement", "applicant_name": "王秀英",
            "applicant_id": gb11643(f"510104{_born(serial):%Y%m%d}{serial % 1000:03d}"),
            "all_materials": True,
        }  # fmt: skip
        status, opened = staff["clerk"].call("POST", "/api/cases", body, tally)
        if status != 201:
            continue
        number = opened["case_no"]
        for role, action, params in (
            ("clerk", "accept", {}),
            ("reviewer", "approve", {"reason": "票据齐全"}),
            ("payer", "pay", PAYMENT),
            ("payer", "complete", {}),
        ):
            status, _ = staff[role].call(
                "POST", f"/api/cases/{number}/actions/{action}", params, tally
            )
            if status != 200:
                break
    for client in staff.values():
        client.conn.close()


@contextlib.contextmanager
def serving(url: str, workers: int, root: str | None = None) -> Iterator[tuple[int, int]]:
    """``jingban serve --no-scheduler`` on a free loopback port with the code of ``root``
    (None: this checkout), waited for (``/healthz``); yields (port, server pid) and stops
    the server afterwards."""
    env = _env(url, root)
    port = _free_port()
    # The server's log goes to a file: a pipe nobody reads fills and stops the server.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed after the server stops, below)
    server = subprocess.Popen(
        [*_jingban(root), "serve", "--port", str(port), "--workers", str(workers),
         "--no-scheduler"],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = Client(port).call("GET", "/healthz", None, None)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                log.seek(0)
                raise SystemExit(f"the server did not start: {log.read()[-2000:]!r}")
            time.sleep(0.1)
        yield port, server.pid
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)
        server_log.clear()
        log.seek(0)
        server_log.append(log.read().decode("utf-8", "replace"))
        log.close()


#: The log of the last server `serving` stopped (one text).
server_log: list[str] = []


def profiler(pid: int, output: str) -> subprocess.Popen[bytes]:
    """A py-spy sampling profile of the server ``pid`` and its workers, written to
    ``output`` (raw collapsed stacks) when the process is interrupted (SIGINT)."""
    spy = subprocess.Popen(
        [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
         "--format", "raw", "--output", output, "--rate", "200", "--subprocesses",
         "--nonblocking", "--gil"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)
    return spy


def chains_verify(url: str, root: str | None = None) -> bool:
    """Whether ``jingban audit verify`` finds every audit chain and case row right."""
    verified = subprocess.run(
        [*_jingban(root), "audit", "verify"], env=_env(url, root), capture_output=True,
        text=True, timeout=1800,
    )  # fmt: skip
    return verified.returncode == 0


def percentile(done: list[float], p: float) -> float:
    """The ``p`` quantile of sorted seconds, in milliseconds (0 for none)."""
    return done[min(int(p * len(done)), len(done) - 1)] * 1000 if done else 0.0


def run(
    url: str,
    workers: int,
    clients: int,
    cases: int,
    seconds: float,
    profile: str | None = None,
    root: str | None = None,
) -> dict[str, Any]:
    """One run on a fresh database at ``url`` with the code of ``root`` (None: this
    checkout)."""
    env = _env(url, root)
    subprocess.run(
        [sys.executable, "-c", _PREPARE, url, PASSWORD, OFFICE], env=env, check=True, timeout=300
    )
    with serving(url, workers, root) as (port, pid):
        tokens = {}
        for role, name in STAFF.items():
            _, body = Client(port).call(
                "POST", "/api/auth/token", {"username": name, "password": PASSWORD}, None
            )
            tokens[role] = body["access_token"]
        Client(port, tokens["clerk"]).call("GET", "/api/items?region=sichuan", None, None)
        _work(port, tokens, range(900_000, 900_002), Tally(), time.monotonic() + 60)  # warm-up
        tally = Tally()
        per = max(cases // clients, 1)
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=_work,
                args=(port, tokens, range(n * per, (n + 1) * per), tally, until),
            )
            for n in range(clients)
        ]
        spy = profiler(pid, profile) if profile else None
        cpu0, t0 = _cpu(pid), time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, cpu1 = time.perf_counter() - t0, _cpu(pid)
        if spy is not None:
            spy.send_signal(2)
            spy.wait(60)
    verified = chains_verify(url, root)
    done = sorted(tally.latencies)
    n = len(done)
    return {
        "requests": n,
        "rps": n / wall if wall else 0.0,
        "p50": percentile(done, 0.50),
        "p95": percentile(done, 0.95),
        "p99": percentile(done, 0.99),
        "max": done[-1] * 1000 if n else 0.0,
        "errors": len(tally.errors),
        "first_error": tally.errors[0] if tally.errors else "",
        "cpu_ms": (sum(cpu1) - sum(cpu0)) / n * 1000 if n else 0.0,
        "user_ms": (cpu1[0] - cpu0[0]) / n * 1000 if n else 0.0,
        "verified": verified,
    }


def _fresh_url(backend: str, tmp: str, pg_url: str | None) -> str:
    if backend == "sqlite":
        return f"sqlite:///{Path(tmp) / 'jingban.db'}"
    from _pg import pg_recreate

    server = pg_url or os.environ.get("JINGBAN_TEST_PG_URL")
    if not server:
        sys.exit("PostgreSQL: give --pg-url or set JINGBAN_TEST_PG_URL")
    return pg_recreate(server, "jingban_bench_http")


def _line(label: str, workers: int, clients: int, r: dict[str, Any]) -> str:
    return (
        f"  {label}workers {workers}, clients {clients:>2}: {r['requests']:>5} requests "
        f"{r['rps']:7.1f}/s  p50 {r['p50']:6.1f}  p95 {r['p95']:6.1f}  "
        f"p99 {r['p99']:6.1f}  max {r['max']:7.1f} ms  errors {r['errors']}  "
        f"server CPU {r['cpu_ms']:.2f} ms/request (user {r['user_ms']:.2f})  chains "
        f"{'verified' if r['verified'] else 'NOT VERIFIED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", default="1", help="comma-separated, e.g. 1,2")
    parser.add_argument("--clients", default="1,16", help="comma-separated, e.g. 1,16")
    parser.add_argument("--cases", type=int, default=200, help="cases per run (5 requests each)")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop a run after this")
    parser.add_argument("--pg-url", default=None, help="server URL (default $JINGBAN_TEST_PG_URL)")
    parser.add_argument("--profile", default=None, help="py-spy raw profile of the server to FILE")
    parser.add_argument("--compare", default=None, help="also run commit REF, alternating")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each side (alternating)")
    args = parser.parse_args()
    sides: list[tuple[str, str | None]] = [("this checkout", None)]
    with tempfile.TemporaryDirectory() as trees:
        if args.compare:
            tree = str(Path(trees) / "ref")
            subprocess.run(["git", "worktree", "add", "--detach", tree, args.compare], check=True,
                           capture_output=True)  # fmt: skip
            sides.append((args.compare, tree))
        try:
            _measure(args, sides)
        finally:
            if args.compare:
                subprocess.run(["git", "worktree", "remove", "--force", sides[1][1] or ""],
                               check=False, capture_output=True)  # fmt: skip


def _measure(args: argparse.Namespace, sides: list[tuple[str, str | None]]) -> None:
    print(f"{args.backend}: {args.cases} cases a run (5 requests each), {args.rounds} round(s)")
    for workers in (int(w) for w in args.workers.split(",")):
        for clients in (int(c) for c in args.clients.split(",")):
            cpu: dict[str, list[float]] = {label: [] for label, _ in sides}
            user: dict[str, list[float]] = {label: [] for label, _ in sides}
            for _ in range(args.rounds):
                for label, root in sides:
                    with tempfile.TemporaryDirectory() as tmp:
                        os.environ["JINGBAN_SECRET_KEY_FILE"] = str(Path(tmp) / "server.key")
                        url = _fresh_url(args.backend, tmp, args.pg_url)
                        r = run(url, workers, clients, args.cases, args.seconds, args.profile,
                                root)  # fmt: skip
                    cpu[label].append(r["cpu_ms"])
                    user[label].append(r["user_ms"])
                    tag = f"[{label}] " if len(sides) > 1 else ""
                    print(_line(tag, workers, clients, r), flush=True)
                    if r["first_error"]:
                        print(f"    first error: {r['first_error']}")
            if len(sides) > 1:
                for label, values in cpu.items():
                    print(f"  {label}: server CPU best {min(values):.2f}, median "
                          f"{statistics.median(values):.2f} ms/request; user best "
                          f"{min(user[label]):.2f}, median "
                          f"{statistics.median(user[label]):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()

"""Actions per second of this checkout beside an earlier commit, in one run.

    .venv/bin/python bench/compare_commits.py REF [--cases 300] [--rounds 3] [--pg-url URL]

Checks ``REF`` out into a temporary git worktree and runs the same cycle (open, then accept,
approve, pay, complete on sichuan ``inpatient_reimbursement``) through ``CaseStore`` with each
package in turn, in fresh processes, alternating, on a fresh SQLite file each (WAL,
``synchronous=FULL``) and, given a server, a fresh PostgreSQL database each. Prints the best
and the median actions/s of each side. Only the public store API is used, so any commit since
the store's first version can be compared; the machine's noise is shared by both sides.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

_CYCLE = r"""
import datetime as dt, os, sys, time
from jingban.calendar import BEIJING
from jingban.engine import ActionParams
from jingban.services import Services
from jingban.storage import Database
url, n = sys.argv[1], int(sys.argv[2])
if url.startswith("postgresql"):
    from sqlalchemy import create_engine, text
    server, name = url.rsplit("/", 1)
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        c.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
db = Database(url)
store = Services(db).cases
now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING).astimezone(dt.UTC)
pay = ActionParams(amount="1234.56", account="6222 0202 0011 2233 445", voucher="PZ-1")
steps = (("accept", "clerk-li", "clerk", None), ("approve", "reviewer-wang", "reviewer", None),
         ("pay", "payer-zhao", "payer", pay), ("complete", "payer-zhao", "payer", None))
numbers = [store.open(now=now, region="sichuan", item="inpatient_reimbursement",
                      applicant_name="张三", applicant_id="110101199003074514",
                      actor="clerk-li", role="clerk", all_materials=True).case.case_no
           for _ in range(n)]
start = time.perf_counter()
for action, actor, role, params in steps:
    for number in numbers:
        store.act(number, action, actor=actor, role=role, now=now, params=params)
print(4 * n / (time.perf_counter() - start))
db.dispose()
"""


def run_cycle(package_root: str, url: str, cases: int) -> float:
    env = dict(os.environ, PYTHONPATH=package_root)
    out = subprocess.run(
        [sys.executable, "-c", _CYCLE, url, str(cases)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the earlier commit (any git ref)")
    parser.add_argument("--cases", type=int, default=300, help="cases per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("JINGBAN_BENCH_PG_URL") or os.environ.get("JINGBAN_TEST_PG_URL"),
        help="a PostgreSQL server (SQLAlchemy URL); databases jingban_cmp_* are made on it",
    )
    args = parser.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tmp = tempfile.mkdtemp(prefix="jingban-compare-")
    tree = os.path.join(tmp, "tree")
    subprocess.run(["git", "-C", here, "worktree", "add", "-q", "--detach", tree, args.ref])
    try:
        backends = [("SQLite FULL", lambda side: f"sqlite:///{tmp}/{side}.db")]
        if args.pg_url:
            server = args.pg_url.rsplit("/", 1)[0]
            backends.append(("PostgreSQL", lambda side: f"{server}/jingban_cmp_{side}"))
        sides = ((args.ref, tree), ("this checkout", here))
        print(f"{args.cases:,} cases x 4 actions per round, {args.rounds} rounds, alternating")
        print(f"{'backend':<14}{'package':<24}{'best act/s':>12}{'median':>10}")
        for label, url_for in backends:
            rates: dict[str, list[float]] = {name: [] for name, _ in sides}
            for _ in range(args.rounds):
                for i, (name, root) in enumerate(sides):
                    url = url_for(f"side{i}")
                    if url.startswith("sqlite"):
                        for suffix in ("", "-wal", "-shm"):
                            path = url.removeprefix("sqlite:///") + suffix
                            if os.path.exists(path):
                                os.remove(path)
                    rates[name].append(run_cycle(root, url, args.cases))
            for name, values in rates.items():
                best, median = max(values), statistics.median(values)
                print(f"{label:<14}{name[:22]:<24}{best:>12,.0f}{median:>10,.0f}")
    finally:
        subprocess.run(["git", "-C", here, "worktree", "remove", "--force", tree])
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()

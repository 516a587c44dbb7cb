"""Benchmark of jingban's case store against peer libraries taking cases through the same
five durable steps (open, accept, approve, pay, complete).

Run from the repository root, with the bench extra installed (``pip install -e '.[bench]'``):

    .venv/bin/python bench/bench_peers.py              # 7 rounds of 300 cases per contender
    .venv/bin/python bench/bench_peers.py --quick      # a smoke run
    .venv/bin/python bench/bench_peers.py --profile jingban   # and where jingban's time goes

Contenders, each on SQLite in WAL with ``synchronous=FULL``, one transaction per step with a
state change and a log row:

- jingban: ``Services(Database(url)).cases`` as the case-action benchmark drives it
  (sichuan ``inpatient_reimbursement``, the audit trail as the log);
- django-fsm-2 + django-fsm-log: a Django model with an ``FSMField`` and ``@transition``
  methods, ``transaction.atomic()`` per step, ``StateLog`` rows;
- SpiffWorkflow: a BPMN process of five user tasks, the workflow serialised to JSON in the
  case's row after every step, a log row beside it;
- python-statemachine + SQLAlchemy ORM: a ``StateMachine`` bound to the case's ORM row,
  its ``after_transition`` adding the log row;
- a bare ``sqlite3`` floor: update the state, insert the log row, nothing else.

Every contender first passes a check on a fresh file (every case completed, five log rows
each, WAL and FULL on its own connection); the same check follows every timed round. In each
round every contender runs once, in turn, the first rotating; each round of each contender
is a fresh process on a fresh file.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sqlite3
import statistics
import sys
import time
from importlib.metadata import version

from _actions_common import PHASES, Timing, timing, yes
from _peers_runs import (
    CHECK_CASES,
    CONTENDERS,
    PEER_MODULES,
    WARM,
    CheckFailed,
    Entries,
    Rounds,
    check_all,
    label,
    peak_memory,
    profile,
    run_rounds,
)

LEAD = 3.0  # the target: jingban at least 3x every peer, on best and on median
FLOOR = "bare"  # the floor: shown, with jingban's ratio to it, but not a peer to beat
DISTRIBUTIONS = (
    "django",
    "django-fsm-2",
    "django-fsm-log",
    "spiffworkflow",
    "python-statemachine",
    "sqlalchemy",
)


def missing_peer() -> str | None:
    """Why a peer module does not import (the first such), or None when all do."""
    for module in PEER_MODULES:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            return f"{module} does not import ({exc})"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds (each contender once)")
    parser.add_argument("--cases", type=int, default=300, help="cases per contender and round")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 rounds of 30 cases")
    parser.add_argument(
        "--profile",
        choices=sorted(CONTENDERS),
        help="also profile one round of this contender with cProfile and list the top entries",
    )
    parser.add_argument("--top", type=int, default=25, help="profile entries listed")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.cases = 2, 30
    missing = missing_peer()
    if missing:
        print(
            f"bench_peers: {missing}; install the bench extra: pip install -e '.[bench]'",
            file=sys.stderr,
        )
        sys.exit(2)
    started = time.perf_counter()
    keys = list(CONTENDERS)
    try:
        check_all(keys)
        runs = run_rounds(keys, args.rounds, args.cases)
        peak_memory(keys, args.cases, runs)
        profiled = profile(args.profile, args.cases, args.top) if args.profile else None
    except CheckFailed as exc:
        print(f"bench_peers: check failed: {exc}", file=sys.stderr)
        sys.exit(1)
    report(args, keys, runs)
    if profiled is not None:
        print_profile(label(args.profile), args.cases, profiled)
    print(f"\ntotal time {time.perf_counter() - started:.0f} s")


def report(args: argparse.Namespace, keys: list[str], runs: dict[str, Rounds]) -> None:
    versions = ", ".join(f"{d} {version(d)}" for d in DISTRIBUTIONS)
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; {versions}")
    print(
        f"{len(PHASES)} steps a case ({', '.join(PHASES)}), one transaction each with a state"
        " change and a log row; SQLite WAL, synchronous=FULL (read back on every contender's"
        " connection)"
    )
    print(
        f"{args.cases:,} cases per contender and round ({args.cases * len(PHASES):,} actions), "
        f"{args.rounds} rounds, contenders in turn with the first rotating; every round of "
        "every contender a fresh process on a fresh file, after a warm-up of "
        f"{WARM} cases"
    )
    print(
        f"checked before timing ({CHECK_CASES} cases each) and after every round: every case"
        f" completed, {len(PHASES)} log rows for each"
    )
    print()
    rates: dict[str, Timing] = {k: timing(runs[k].rates, higher_is_better=True) for k in keys}
    head = (
        "contender",
        "act/s best",
        "median",
        "CPU us/act",
        "KiB w/act",
        "bytes/case",
        "peak KiB",
    )
    widths = (34, 10, 8, 10, 9, 10, 8)
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for k in keys:
        cells = (
            label(k),
            f"{rates[k].best:,.0f}",
            f"{rates[k].median:,.0f}",
            f"{statistics.median(runs[k].cpu_us):,.0f}",
            f"{statistics.median(runs[k].written_per_action) / 1024:,.1f}",
            f"{statistics.median(runs[k].bytes_per_case):,.0f}",
            f"{runs[k].peak / 1024:,.0f}",
        )
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    for line in (
        f"act/s: {len(PHASES)} steps x cases over the round's wall-clock seconds, best and median"
        " of the rounds.",
        "CPU us/act: the process's CPU time (user + system) per action, median; the rest of the"
        " wall time is waiting",
        "  (for the disk's fsync, or for the CPU on a busy machine).",
        "KiB w/act: what the process wrote per action (Linux wchar: the WAL's frames and the"
        " checkpoints' copies), median.",
        "bytes/case: the file's growth over a round once its WAL is checkpointed (TRUNCATE),"
        " over the round's cases, median.",
        f"peak KiB: tracemalloc's peak during one more, untimed round of {args.cases:,} cases,"
        " traced from after the warm-up",
        "  (imports, schema, first-use caches not counted).",
    ):
        print(line)
    print()
    print("microseconds per case and phase (median of the rounds)")
    print("  " + "contender".ljust(34) + "".join(p.rjust(10) for p in PHASES))
    for k in keys:
        phases = "".join(f"{runs[k].median_us(p):10,.0f}" for p in PHASES)
        print("  " + label(k).ljust(34) + phases)
    print()
    ours = rates["jingban"]
    print(f"jingban's lead: its actions/s over the peer's; target >= {LEAD:g}x on best and median")
    print(
        "  " + "peer".ljust(34) + "x best".rjust(8) + "x median".rjust(10) + "   target    met b/m"
    )
    for k in keys:
        if k == "jingban":
            continue
        lead = Timing(ours.best / rates[k].best, ours.median / rates[k].median)
        target, met = (
            ("(floor)", "-")
            if k == FLOOR
            else (f">= {LEAD:g}x", yes(lead.best >= LEAD, lead.median >= LEAD))
        )
        print(f"  {label(k):<34}{lead.best:8.2f}{lead.median:10.2f}   {target:<10}{met}".rstrip())


def print_profile(name: str, n: int, entries: Entries) -> None:
    print()
    print(f"where {name}'s time goes: cProfile over one round of {n:,} cases")
    for kind in ("own", "cumulative"):
        print(f"  by {kind} time      own s  cumul. s     calls  function")
        for own, cumulative, calls, where in entries[kind]:
            print(f"  {'':<14}{own:9.3f} {cumulative:9.3f} {calls:9,}  {where}")


if __name__ == "__main__":
    main()

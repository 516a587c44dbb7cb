"""Benchmark of the `jingban` command's start-up, beside `python -c pass`, in one run.

Run from the repository root:

    .venv/bin/python bench/bench_cli_start.py            # 15 runs of each command
    .venv/bin/python bench/bench_cli_start.py --runs 5   # a quicker look

Each contender is a fresh process of the venv's interpreter, timed from spawn to exit
(wall clock, ``time.perf_counter``), its output discarded; the runs of the contenders are
interleaved so a busy moment of a shared machine hits them alike. Before timing, one case is
registered in a SQLite file in a temporary directory (``JINGBAN_DATABASE_URL``), and every
command is run once to check that it succeeds and to warm the file cache.

Contenders: ``python -c pass`` (the interpreter alone); ``jingban --help`` (the command list,
which imports no sub-command); ``jingban config show`` (a command without the database);
``jingban case show NO`` (settings, the bare reader of a SQLite file, the engine's
presentation); and ``python -c "import jingban.services"``, the imports of every command
that goes through the stores (SQLAlchemy Core, the engine), for comparison.

``--baseline DIR`` adds ``jingban --help`` and ``jingban case show NO`` run from another
source tree (e.g. ``git archive <commit> jingban | tar -x -C DIR``), for a before/after.

Targets: ``jingban --help`` ≤ 0.15 s and ``jingban case show NO`` ≤ 0.35 s, median.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"jingban --help": 0.15, "jingban case show NO": 0.35}


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _from_tree(tree: Path) -> str:
    """Code for ``python -c`` that runs the `jingban` command of the source tree ``tree``
    with the arguments after it."""
    return (
        f"import sys; sys.path.insert(0, {str(tree.resolve())!r}); "
        "sys.argv = ['jingban', *sys.argv[1:]]; "
        "from jingban.cli.main import main; main()"
    )


def _open_case(command: list[str], env: dict[str, str], cwd: Path) -> str:
    """Register one case with ``command`` (the `jingban` command of a tree) in the
    database of ``env``; its number."""
    opened = subprocess.run(
        [*command, "case", "open", "--region", "kashgar", "--item",
         "inpatient_reimbursement", "--applicant-name", "古丽娜尔", "--applicant-id",
         "653101198802143022", "--all-materials", "--actor", "bench", "--role", "clerk",
         "--json"],
        env=env, cwd=cwd, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return str(json.loads(opened.stdout)["case_no"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per contender")
    parser.add_argument("--baseline", type=Path, help="another source tree to time beside")
    args = parser.parse_args()

    python = sys.executable
    jingban = str(Path(python).with_name("jingban"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "JINGBAN_DATABASE_URL": f"sqlite:///{root / 'jingban.db'}"}
        number = _open_case([jingban], env, root)
        contenders: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass": ([python, "-c", "pass"], env),
            "jingban --help": ([jingban, "--help"], env),
            "jingban config show": ([jingban, "config", "show"], env),
            "jingban case show NO": ([jingban, "case", "show", number], env),
            "python -c 'import jingban.services'": (
                [python, "-c", "import jingban.services"],
                env,
            ),
        }
        if args.baseline is not None:
            # The baseline's own database: its schema may be older than this tree's.
            before = {**env, "JINGBAN_DATABASE_URL": f"sqlite:///{root / 'baseline.db'}"}
            run = [python, "-c", _from_tree(args.baseline)]
            old_number = _open_case(run, before, root)
            for name, cli in (
                ("--help", ["--help"]),
                ("case show NO", ["case", "show", old_number]),
            ):
                contenders[f"baseline: jingban {name}"] = ([*run, *cli], before)
        for argv, where in contenders.values():  # succeeds, and warms the caches
            _run(argv, where, root)
        times: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(args.runs):
            for name, (argv, where) in contenders.items():
                times[name].append(_run(argv, where, root))

    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(f"{args.runs} runs each, interleaved; seconds")
    print()
    print(f"{'contender':<38} {'best':>7} {'median':>7}  target")
    for name, values in times.items():
        median = statistics.median(values)
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"≤ {target:.2f}  {'met' if median <= target else 'NOT met'}"
        print(f"{name:<38} {min(values):>7.3f} {median:>7.3f}  {verdict}")


if __name__ == "__main__":
    main()

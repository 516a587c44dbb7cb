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
        opened = subprocess.run(
            [jingban, "case", "open", "--region", "kashgar", "--item",
             "inpatient_reimbursement", "--applicant-name", "古丽娜尔", "--applicant-id",
             "653101198802143022", "--all-materials", "--actor", "bench", "--role", "clerk",
             "--json"],
            env=env, cwd=root, capture_output=True, text=True, check=True,
        )  # fmt: skip
        number = json.loads(opened.stdout)["case_no"]
        contenders = {
            "python -c pass": [python, "-c", "pass"],
            "jingban --help": [jingban, "--help"],
            "jingban config show": [jingban, "config", "show"],
            "jingban case show NO": [jingban, "case", "show", number],
            "python -c 'import jingban.services'": [python, "-c", "import jingban.services"],
        }
        if args.baseline is not None:
            for name, cli in (("--help", ["--help"]), ("case show NO", ["case", "show", number])):
                code = (
                    f"import sys; sys.path.insert(0, {str(args.baseline.resolve())!r}); "
                    f"sys.argv = ['jingban', *{cli!r}]; "
                    "from jingban.cli.main import main; main()"
                )
                contenders[f"baseline: jingban {name}"] = [python, "-c", code]
        for argv in contenders.values():  # succeeds, and warms the caches
            _run(argv, env, root)
        times: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(args.runs):
            for name, argv in contenders.items():
                times[name].append(_run(argv, env, root))

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

"""The rounds of the peer benchmark: each contender's round runs in a fresh ``spawn``
process on a fresh SQLite file, which the process builds, warms, measures and checks."""

from __future__ import annotations

import cProfile
import importlib
import multiprocessing as mp
import os
import pstats
import shutil
import statistics
import sysconfig
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from _actions_common import PHASES
from _peers_common import Contender, disk_bytes, row_problems

# key -> (module, class): the contenders in their default order.
CONTENDERS: dict[str, tuple[str, str]] = {
    "jingban": ("_peers_jingban", "Jingban"),
    "django": ("_peers_django", "DjangoFsm"),
    "spiff": ("_peers_spiff", "Spiff"),
    "statemachine": ("_peers_statemachine", "StatemachineOrm"),
    "bare": ("_peers_bare", "BareFloor"),
}

# The third-party modules each peer imports (jingban's own dependencies aside).
PEER_MODULES = ("django", "django_fsm", "django_fsm_log", "SpiffWorkflow", "statemachine")

WARM = 3  # cases taken through the cycle before the measured ones: caches, first statements
CHECK_CASES = 5  # cases of the check each contender passes before anything is timed
JOURNAL = ("wal", 2)  # PRAGMA journal_mode, PRAGMA synchronous (2: FULL)


# A profile's top entries, by "own" and by "cumulative" time: (own s, cumulative s, calls,
# where) each.
Entries = dict[str, list[tuple[float, float, int, str]]]


class CheckFailed(Exception):
    """A contender did not do what the benchmark times it for."""


def contender(key: str) -> Contender:
    module, name = CONTENDERS[key]
    made: Contender = getattr(importlib.import_module(module), name)()
    return made


def label(key: str) -> str:
    module, name = CONTENDERS[key]
    return str(getattr(importlib.import_module(module), name).label)


def written() -> int:
    """Bytes this process has passed to write(2) and its kin so far (Linux ``wchar``; 0
    where /proc is not there): the WAL's frames and the checkpoints' copies of them."""
    try:
        with open("/proc/self/io") as f:
            fields = dict(line.split(": ") for line in f.read().splitlines())
    except OSError:
        return 0
    return int(fields["wchar"])


def _round(spec: dict[str, Any]) -> dict[str, Any]:
    """One contender's round, in its own process: schema, warm-up, the measured cycle (plain,
    under tracemalloc or under cProfile), file growth, and the checks."""
    c, path, n, kind = contender(spec["key"]), spec["path"], spec["cases"], spec["kind"]
    c.prepare(path)
    seen = c.pragmas()
    if seen != JOURNAL:
        raise CheckFailed(f"{c.label}: journal_mode, synchronous = {seen}, {JOURNAL} expected")
    c.cycle(WARM, time.perf_counter)
    before = disk_bytes(path)
    out: dict[str, Any] = {}
    cpu, wrote = time.process_time(), written()
    if kind == "memory":
        tracemalloc.start()
        out["phases"] = c.cycle(n, time.perf_counter)
        out["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    elif kind == "profile":
        profile = cProfile.Profile()
        profile.enable()
        out["phases"] = c.cycle(n, time.perf_counter)
        profile.disable()
        out["profile"] = top_entries(pstats.Stats(profile), spec["top"])
    else:
        out["phases"] = c.cycle(n, time.perf_counter)
    out["cpu"], out["written"] = time.process_time() - cpu, written() - wrote
    out["bytes"] = disk_bytes(path) - before
    problems = row_problems(c, path, WARM + n)
    c.close()
    if problems:
        raise CheckFailed(f"{c.label}: " + "; ".join(problems))
    return out


def _where(path: str, line: int, name: str) -> str:
    """A profile entry's place, relative to site-packages, the standard library or the
    repository (no machine's directories in what the benchmark prints)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    stdlib = sysconfig.get_paths()["stdlib"] + os.sep
    if "site-packages" + os.sep in path:
        path = path.split("site-packages" + os.sep, 1)[1]
    elif path.startswith(root):
        path = path[len(root) :]
    elif path.startswith(stdlib):
        path = path[len(stdlib) :]
    return f"{path}:{line}({name})" if line else name


def top_entries(stats: pstats.Stats, top: int) -> Entries:
    """The ``top`` entries by own time and by cumulative time."""
    rows = [
        (tt, ct, nc, _where(*where))
        for where, (_, nc, tt, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
    ]
    return {
        "own": sorted(rows, key=lambda r: -r[0])[:top],
        "cumulative": sorted(rows, key=lambda r: -r[1])[:top],
    }


def in_fresh_process(spec: dict[str, Any]) -> dict[str, Any]:
    """Runs one round in a new ``spawn`` process on a new file in a temporary directory,
    removed afterwards; a failed check raises ``CheckFailed`` here."""
    tmp = tempfile.mkdtemp(prefix="jingban-bench-peers-")
    try:
        spec = {**spec, "path": os.path.join(tmp, f"{spec['key']}.db")}
        with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
            return pool.submit(_round, spec).result()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Rounds:
    """What a contender's rounds measured."""

    rates: list[float] = field(default_factory=list)  # actions/s: 5 steps x cases / seconds
    phase_us: dict[str, list[float]] = field(default_factory=dict)  # us per case, per phase
    cpu_us: list[float] = field(default_factory=list)  # the process's CPU time per action
    written_per_action: list[float] = field(default_factory=list)  # bytes, see ``written``
    bytes_per_case: list[float] = field(default_factory=list)
    peak: int = 0  # bytes, tracemalloc's peak over the memory round

    def add(self, out: dict[str, Any], n: int) -> None:
        phases = out["phases"]
        self.rates.append(n * len(PHASES) / sum(phases.values()))
        self.cpu_us.append(out["cpu"] / (n * len(PHASES)) * 1e6)
        self.written_per_action.append(out["written"] / (n * len(PHASES)))
        for phase in PHASES:
            self.phase_us.setdefault(phase, []).append(phases[phase] / n * 1e6)
        self.bytes_per_case.append(out["bytes"] / n)

    def median_us(self, phase: str) -> float:
        return statistics.median(self.phase_us[phase])


def check_all(keys: list[str]) -> None:
    """Each contender through a few cases on a fresh file, checked, before anything is timed."""
    for key in keys:
        in_fresh_process({"key": key, "cases": CHECK_CASES, "kind": "check"})


def run_rounds(keys: list[str], rounds: int, n: int) -> dict[str, Rounds]:
    """``rounds`` rounds, each contender once per round, in turn; the first rotates."""
    out = {key: Rounds() for key in keys}
    for r in range(rounds):
        shift = r % len(keys)
        for key in keys[shift:] + keys[:shift]:
            out[key].add(in_fresh_process({"key": key, "cases": n, "kind": "timed"}), n)
    return out


def peak_memory(keys: list[str], n: int, into: dict[str, Rounds]) -> None:
    """tracemalloc's peak over one more, untimed round of ``n`` cases per contender (traced
    from after the warm-up: imports, schema and first-use caches are not counted)."""
    for key in keys:
        into[key].peak = in_fresh_process({"key": key, "cases": n, "kind": "memory"})["peak"]


def profile(key: str, n: int, top: int) -> Entries:
    """cProfile's top entries (see ``top_entries``) over one round of ``key``."""
    spec = {"key": key, "cases": n, "kind": "profile", "top": top}
    return dict(in_fresh_process(spec)["profile"])

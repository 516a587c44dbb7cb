"""The engine alone, beside bare ``transitions`` triggers, and the resident size of a case."""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from _actions_common import (
    NOW,
    STEPS,
    Timing,
    bare_engine,
    in_memory_number,
    jingban_cycle,
    open_in_memory,
    timing,
)
from transitions import Machine

from jingban.engine import Case, Engine
from jingban.engine.model import is_shared_materials
from jingban.services import Services
from jingban.storage import Database


class Light:
    """A light model: only a state."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class Model:
    """A model transitions may decorate with trigger methods (it needs a __dict__)."""

    def __init__(self, state: str = "submitted") -> None:
        self.state = state


def best_median_us(run: Callable[[], None], per: int, repeat: int) -> Timing:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        runs.append((time.perf_counter() - t0) / per * 1e6)
    return timing(runs, higher_is_better=False)


def engine_bench(k: int, repeat: int) -> dict[str, Any]:
    engine = bare_engine()
    numbers = [in_memory_number(i) for i in range(k)]
    open_in_memory(engine, numbers[0])  # plan, calendar
    out: dict[str, Any] = {}
    opened: list[Case] = []

    def open_all() -> None:
        opened[:] = [open_in_memory(engine, number).case for number in numbers]

    out["open_case"] = best_median_us(open_all, k, repeat)
    per_action: dict[str, list[float]] = {s[0]: [] for s in STEPS}
    for _ in range(repeat):
        cases = list(opened)
        for action, actor, role, params in STEPS:
            t0 = time.perf_counter()
            cases = [
                engine.act(c, action, actor=actor, role=role, now=NOW, params=params).case
                for c in cases
            ]
            per_action[action].append((time.perf_counter() - t0) / k * 1e6)
    for action, runs in per_action.items():
        out[f"act {action}"] = timing(runs, higher_is_better=False)
    out["act mean"] = Timing(
        statistics.mean(t.best for a, t in out.items() if a.startswith("act ")),
        statistics.mean(t.median for a, t in out.items() if a.startswith("act ")),
    )
    out["finished"] = cases
    compiled = engine.compiled_of(cases[0])
    out["machines"] = len({id(p.compiled.machine) for p in engine._plans.values()})
    out["models on the machine"] = len(compiled.machine.models)
    out["compiled"] = compiled

    # A bare transitions trigger: a two-state machine, a light model (slots, only a state).
    two = Machine(
        model=None,
        states=["a", "b"],
        transitions=[
            {"trigger": "go", "source": "a", "dest": "b"},
            {"trigger": "back", "source": "b", "dest": "a"},
        ],
        initial="a",
        auto_transitions=False,
    )
    go, back = two.events["go"], two.events["back"]
    light = Light("a")

    def bare_triggers() -> None:
        for _ in range(k):
            go.trigger(light)
            back.trigger(light)

    out["bare trigger"] = best_median_us(bare_triggers, 2 * k, repeat)

    # jingban's own step: CompiledItem.fire, a lookup in the table built from the state graph.
    def fire_chain() -> None:
        for _ in range(k):
            model = Light("submitted")
            for action, *_ in STEPS:
                compiled.fire(model, action)

    out["CompiledItem.fire"] = best_median_us(fire_chain, 4 * k, repeat)

    # A Machine per case, and add_model per case, on the same chain (model methods).
    states = list(compiled.states)
    edges = [
        {"trigger": action, "source": source, "dest": dest}
        for source, action, dest in compiled.transitions()
    ]

    def machine_per_case(count: int, keep: list[Any]) -> None:
        for _ in range(count):
            model = Model()
            machine = Machine(
                model=model,
                states=states,
                transitions=edges,
                initial="submitted",
                auto_transitions=False,
            )
            for action, *_ in STEPS:
                getattr(model, action)()
            keep.append(machine)

    shared = Machine(
        model=None, states=states, transitions=edges, initial="submitted", auto_transitions=False
    )

    def add_model_per_case(count: int, keep: list[Any], remove: bool = True) -> None:
        for _ in range(count):
            model = Model()
            shared.add_model(model)
            for action, *_ in STEPS:
                getattr(model, action)()
            if remove:
                shared.remove_model(model)
            else:
                keep.append(model)

    per = max(50, k // 10)
    out["Machine per case"] = best_median_us(lambda: machine_per_case(per, []), 4 * per, repeat)
    out["add_model per case"] = best_median_us(lambda: add_model_per_case(per, []), 4 * per, repeat)
    for label, build in (
        ("Machine per case", lambda keep: machine_per_case(per, keep)),
        ("add_model per case", lambda keep: add_model_per_case(per, keep, remove=False)),
        ("engine Case", None),
    ):
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        keep: list[Any] = []
        if build is None:
            keep = [open_in_memory(engine, numbers[i]).case for i in range(per)]
        else:
            build(keep)
        out[f"memory {label}"] = (tracemalloc.get_traced_memory()[0] - base) / per
        tracemalloc.stop()
        del keep
        if build is not None and label == "add_model per case":
            for model in list(shared.models):
                shared.remove_model(model)
    return out


_SMALL_INTS = range(-5, 257)
_EMPTY = ()  # the interpreter's one empty tuple, shared like None


def resident(case: Case, shared: set[int], equal: frozenset[str] = frozenset()) -> ResidentSize:
    """Bytes owned by ``case``: the object and, recursively, the strings, times and
    containers it refers to, each counted once. Not counted: None, the empty tuple,
    booleans, small ints, tzinfo objects, interned strings (identifier-like literals such as
    states and channels, shared with the code), material lists from the engine's shared pool
    (`shared_materials`: equal lists are one tuple), and objects in ``shared`` (the very
    objects the catalog and the compiled machine hold); with ``equal``, strings equal to one
    of those are not counted either (what a loader that reused the catalog's strings would
    keep)."""
    seen: set[int] = set()
    kinds: dict[str, int] = {}

    def visit(obj: Any) -> None:
        if obj is None or obj is _EMPTY or isinstance(obj, bool | dt.tzinfo) or id(obj) in seen:
            return
        if isinstance(obj, tuple) and is_shared_materials(obj):
            return
        if isinstance(obj, int) and obj in _SMALL_INTS:
            return
        if id(obj) in shared or (isinstance(obj, str) and (obj in equal or interned(obj))):
            return
        seen.add(id(obj))
        kind = type(obj).__name__
        kinds[kind] = kinds.get(kind, 0) + sys.getsizeof(obj)
        if isinstance(obj, dict):
            for key, value in obj.items():
                visit(key)
                visit(value)
        elif isinstance(obj, tuple | list):
            for value in obj:
                visit(value)
        elif hasattr(obj, "__slots__") and not isinstance(obj, dt.datetime):
            for name in obj.__slots__:
                visit(getattr(obj, name, None))

    visit(case)
    return ResidentSize(sum(kinds.values()), kinds)


def interned(text: str) -> bool:
    """Whether ``text`` is the interned string of its value. Interning an equal copy returns
    the interned object if there is one (else the copy, which then is interned: harmless)."""
    return sys.intern("".join(list(text))) is text


@dataclass
class ResidentSize:
    total: int
    kinds: dict[str, int]

    def parts(self) -> str:
        ordered = sorted(self.kinds.items(), key=lambda kv: -kv[1])
        return ", ".join(f"{k} {v:,}" for k, v in ordered)


def catalog_pool(engine: Engine, case: Case) -> list[str]:
    """The strings a case may share with the catalog and the compiled machine."""
    item = engine.item_of(case)
    compiled = engine.compiled_of(case)
    return [item.key, item.name, item.region, *compiled.states, *(m.name for m in item.materials)]


def resident_from_sqlite(engine: Engine) -> Case:
    """A case opened and completed through CaseStore on SQLite, then loaded with get()."""
    tmp = tempfile.mkdtemp(prefix="jingban-bench-")
    try:
        db = Database(f"sqlite:///{os.path.join(tmp, 'size.db')}")
        store = Services(db).cases
        jingban_cycle(store, 1, time.perf_counter)
        (number,) = [c.case_no for c in store.list(limit=1)]
        case = store.get(number)
        db.dispose()
        return case
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

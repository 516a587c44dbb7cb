"""What every part of the case-action benchmark shares: the scenario (one sichuan
``inpatient_reimbursement`` case taken through its chain), timing helpers, the PostgreSQL
benchmark database."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from jingban.calendar import BEIJING, WorkCalendar
from jingban.engine import ActionParams, Engine
from jingban.services import Services
from jingban.storage import Database
from jingban.workflows import load_catalog

REGION = "sichuan"


ITEM = "inpatient_reimbursement"


NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING).astimezone(dt.UTC)


APPLICANT = ("张三", "110101199003074514")  # a valid GB 11643 resident identity number


PAY = ActionParams(amount="1234.56", account="6222 0202 0011 2233 445", voucher="PZ-2026-1123")


# (action, actor, role, params): accept and approve, approve and pay by different people.
STEPS: tuple[tuple[str, str, str, ActionParams | None], ...] = (
    ("accept", "clerk-li", "clerk", None),
    ("approve", "reviewer-wang", "reviewer", None),
    ("pay", "payer-zhao", "payer", PAY),
    ("complete", "payer-zhao", "payer", None),
)


PHASES = ("open", *(s[0] for s in STEPS))


@dataclass
class Timing:
    best: float
    median: float


def timing(values: list[float], *, higher_is_better: bool) -> Timing:
    best = max(values) if higher_is_better else min(values)
    return Timing(best, statistics.median(values))


def yes(ok_best: bool, ok_median: bool) -> str:
    return f"{'yes' if ok_best else 'NO'}/{'yes' if ok_median else 'NO'}"


@cache
def calendar(region: str) -> WorkCalendar:
    return WorkCalendar.for_region(region)


@cache
def bare_engine() -> Engine:
    """The engine on the packaged calendars (no database overlays), for in-memory work."""
    return Engine(load_catalog(), calendar)


# How the cycle opens its case, in memory (`open_in_memory`) and through the store.
OPENING: dict[str, Any] = {
    "region": REGION,
    "item": ITEM,
    "applicant_name": APPLICANT[0],
    "applicant_id": APPLICANT[1],
    "actor": "clerk-li",
    "role": "clerk",
    "all_materials": True,
}


def open_in_memory(engine: Engine, case_no: str, now: dt.datetime = NOW) -> Any:
    return engine.open_case(case_no=case_no, now=now, **OPENING)


def in_memory_number(i: int) -> str:
    """A case number for in-memory cases (the engine does not check its form)."""
    return f"SC-20261123-{i % 100_000:05d}-B"


def jingban_store(url: str) -> Any:
    """jingban's case store as the product wires it."""
    return Services(Database(url, migrate=False)).cases


def jingban_open(store: Any) -> str:
    """One case opened through the store as the cycle opens it (all materials); its number."""
    return str(store.open(now=NOW, **OPENING).case.case_no)


def jingban_cycle(store: Any, n: int, clock: Callable[[], float]) -> dict[str, float]:
    """Open ``n`` cases and take each through the four actions; seconds per phase."""
    phases: dict[str, float] = {}
    t0 = clock()
    numbers = [jingban_open(store) for _ in range(n)]
    phases["open"] = clock() - t0
    for action, actor, role, params in STEPS:
        t0 = clock()
        for number in numbers:
            store.act(number, action, actor=actor, role=role, now=NOW, params=params)
        phases[action] = clock() - t0
    return phases


def fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"

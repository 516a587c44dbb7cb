"""Helpers of the engine tests: Beijing instants, valid identity numbers, cases on real items.

Instants and identity numbers come from ``tests/support.py``.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from support import at as at
from support import gb11643

from jingban.calendar import BEIJING, WorkCalendar
from jingban.engine import ActionParams, Case, Engine, Result, format_case_number
from jingban.workflows import load_catalog

CLERK = ("clerk-li", "clerk")
CLERK2 = ("clerk-he", "clerk")
REVIEWER = ("reviewer-wang", "reviewer")
REVIEWER2 = ("reviewer-ma", "reviewer")
PAYER = ("payer-zhao", "payer")
SUPERVISOR = ("supervisor-chen", "supervisor")
ADMIN = ("admin-sun", "admin")


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def close(text: str, hour: int = 20, minute: int = 0) -> dt.datetime:
    """Office close of a day (Xinjiang offices close at 20:00 Beijing time) as aware UTC."""
    return dt.datetime.combine(day(text), dt.time(hour, minute), BEIJING).astimezone(dt.UTC)


# 653101 is an address code of 喀什市; a birth date of 1980-05-17.
APPLICANT_ID = gb11643("65310119800517123")


@cache
def calendar(region: str) -> WorkCalendar:
    return WorkCalendar.for_region(region)


@cache
def make_engine() -> Engine:
    return Engine(load_catalog(), calendar)


_SEQUENCE: dict[tuple[str, dt.date], int] = {}


def open_case(
    engine: Engine,
    region: str,
    item: str,
    *,
    now: dt.datetime,
    received_at: dt.datetime | None = None,
    all_materials: bool = True,
    materials: tuple[str, ...] = (),
    who: tuple[str, str] = CLERK,
    **fields: Any,
) -> Result:
    """Open a case straight through the engine (no store), numbered like a store would.
    An online case is registered as cross-province, which every online item accepts."""
    received = received_at or now
    if fields.get("channel") == "online":
        fields.setdefault("cross_province", True)
    key = (region, received.astimezone(BEIJING).date())
    _SEQUENCE[key] = _SEQUENCE.get(key, 0) + 1
    return engine.open_case(
        case_no=format_case_number(region, key[1], _SEQUENCE[key]),
        region=region,
        item=item,
        applicant_name="阿依古丽·买买提",
        applicant_id=APPLICANT_ID,
        actor=who[0],
        role=who[1],
        now=now,
        received_at=received_at,
        all_materials=all_materials,
        materials=materials,
        **fields,
    )


def act(
    engine: Engine, case: Case, action: str, who: tuple[str, str], now: dt.datetime, **params: Any
) -> Result:
    """One action through the bare engine."""
    return engine.act(
        case, action, actor=who[0], role=who[1], now=now, params=ActionParams(**params)
    )


def snapshot(case: Case) -> dict[str, Any]:
    """Every field of a case, deep enough to see a change made in place."""
    from jingban.engine.model import case_to_dict

    return case_to_dict(case)

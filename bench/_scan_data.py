"""The data of the scan benchmark: a million synthetic open cases with realistic due and
warning instants, the holiday-boundary cases, and the bulk fill of a fresh database."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sqlite3
import time
from collections.abc import Iterator
from functools import cache
from typing import Any

from _pg import pg_dsn
from sqlalchemy.engine import make_url

from jingban.calendar import BEIJING, WorkCalendar
from jingban.engine import format_case_number
from jingban.engine.deadlines import warn_at
from jingban.engine.model import AGING_STATES
from jingban.storage._case_rows import case_values
from jingban.storage.models import CASES
from jingban.workflows import load_catalog

AS_OF = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING).astimezone(dt.UTC)


HOLIDAY_AS_OF = dt.datetime(2026, 9, 29, 9, 0, tzinfo=BEIJING).astimezone(dt.UTC)


# Due days of the holiday-boundary cases (sichuan) and whether each is yellow on 2026-09-29.
HOLIDAY_DUES = (
    (dt.date(2026, 10, 9), True),
    (dt.date(2026, 10, 10), False),
    (dt.date(2026, 10, 12), False),
)


ITEMS = (
    "inpatient_reimbursement",
    "outpatient_reimbursement",
    "transfer_continuation",
    "chronic_disease_recognition",
)


# Open states and their shares; the last two do not age (their clock stands still).
STATES = (
    ("submitted", 0.04),
    ("prereviewed", 0.01),
    ("accepted", 0.40),
    ("transferred", 0.05),
    ("reviewed", 0.27),
    ("paid", 0.08),
    ("supplement_requested", 0.10),
    ("suspended", 0.05),
)


OPEN_STATES = tuple(s for s, _ in STATES)


# Every column but the key, in the tables' order, from the schema's definition.
# Every column but the id. A filled case is not queued for the scan: it counts as scanned.
INSERT_COLUMNS = tuple(c.name for c in CASES.columns if c.name not in ("id", "applicant_id_hash"))


NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "阿依古丽·买买提", "杨磊", "赵敏", "黄勇", "周杰")


WARN_DAYS = 3


@cache
def calendar(region: str) -> WorkCalendar:
    return WorkCalendar.for_region(region)


def gb11643(body17: str) -> str:
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    value = (12 - sum(int(d) * w for d, w in zip(body17, weights, strict=True)) % 11) % 11
    return body17 + ("X" if value == 10 else str(value))


class Days:
    """Working days of one region around the scan instant, with their office close and the
    start of the 3-working-day warning window of a due at that close (both UTC)."""

    def __init__(self, region: str) -> None:
        cal = calendar(region)
        day0 = AS_OF.astimezone(BEIJING).date()
        first, last = day0 - dt.timedelta(days=90), day0 + dt.timedelta(days=400)
        days = [first + dt.timedelta(days=i) for i in range((last - first).days)]
        self.working = [d for d in days if cal.is_working_day(d)]
        self.today = next(i for i, d in enumerate(self.working) if d >= day0)
        self.close = [cal.office_close(d).astimezone(dt.UTC) for d in self.working]
        self.warn = [warn_at(cal, c, WARN_DAYS) for c in self.close]

    def due(self, offset: int) -> tuple[dt.datetime, dt.datetime]:
        """(due, warning start) of the working day ``offset`` working days from today."""
        i = self.today + offset
        return self.close[i], self.warn[i]


@cache
def templates() -> dict[str, list[tuple[str, str, str]]]:
    """Per region, (item key, item name, data JSON) of items a window clerk can open, the
    JSON being what the store writes for a freshly opened case of that item."""
    from jingban.engine import Engine

    engine = Engine(load_catalog(), calendar)
    out: dict[str, list[tuple[str, str, str]]] = {}
    for region in engine.catalog.regions:
        for key in ITEMS:
            try:
                opened = engine.open_case(
                    case_no="SC-20261123-00001-B",
                    region=region,
                    item=key,
                    applicant_name=NAMES[0],
                    applicant_id=gb11643("11010119900307451"),
                    actor="clerk-li",
                    role="clerk",
                    now=AS_OF,
                    all_materials=True,
                )
            except Exception:  # an item this region lacks or opens differently: skip it
                continue
            c = opened.case
            out.setdefault(region, []).append((c.item_key, c.item_name, case_values(c)["data"]))
    return out


def synthetic_rows(n: int, dialect: str, seed: int) -> Iterator[tuple[Any, ...]]:
    """``n`` open cases as INSERT_COLUMNS tuples, times bound as ``dialect`` stores them."""
    rng = random.Random(seed)
    items = templates()
    regions = sorted(items)
    days = {r: Days(r) for r in regions}
    ids = [gb11643(f"{rng.randrange(10**16, 10**17)}") for _ in range(500)]
    states = [s for s, _ in STATES]
    weights = [w for _, w in STATES]
    sequences: dict[tuple[str, dt.date], int] = {}
    day0 = AS_OF.astimezone(BEIJING).date()

    texts: dict[dt.datetime, str] = {}  # few distinct instants: format each once

    def t(value: dt.datetime | None) -> Any:
        if value is None or dialect != "sqlite":
            return value
        found = texts.get(value)
        if found is None:
            found = texts[value] = value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return found

    for i in range(n):
        region = regions[i % len(regions)]
        key, _, data = items[region][rng.randrange(len(items[region]))]
        state = rng.choices(states, weights)[0]
        received_day = day0 - dt.timedelta(days=rng.randrange(0, 60))
        seq = sequences.get((region, received_day), 0) + 1
        sequences[(region, received_day)] = seq
        received = dt.datetime.combine(received_day, dt.time(9, 30), BEIJING).astimezone(dt.UTC)
        d = days[region]
        # Promised due: 0.6 % overdue (up to 20 working days), the rest up to 190 ahead.
        offset = -rng.randrange(0, 20) if rng.random() < 0.006 else rng.randrange(1, 190)
        promised, promised_warn = d.due(offset)
        statutory, statutory_warn = d.due(offset + rng.choice((0, 0, 5, 10)))
        undecided = state in ("submitted", "prereviewed")
        accept_due = d.due(rng.randrange(-1, 10) if undecided else -rng.randrange(5, 60))[0]
        stage_due = d.due(rng.randrange(-1, 60))[0] if rng.random() < 0.1 else None
        accepted_at = None if undecided else received + dt.timedelta(days=1)
        version = 1 if undecided else rng.randrange(2, 5)
        yield (
            format_case_number(region, received_day, seq),
            region,
            f"{region}-office-{rng.randrange(10)}",
            key,
            "",
            "window",
            None,
            NAMES[rng.randrange(len(NAMES))],
            ids[rng.randrange(len(ids))],
            "resident_id",
            state,
            None,
            version,
            None if undecided else f"staff-{rng.randrange(200)}",
            t(received),
            t(accepted_at),
            None,
            t(accept_due),
            t(promised),
            t(statutory),
            t(stage_due),
            "transfer_out" if stage_due else None,
            t(promised_warn),
            t(statutory_warn),
            rng.random() < 0.05,
            hashlib.sha256(f"q{i}".encode()).hexdigest(),
            version,
            hashlib.sha256(f"h{i}".encode()).hexdigest(),
            data,
            state in AGING_STATES,  # running
        )


def holiday_rows(dialect: str, data: str) -> list[tuple[Any, ...]]:
    """The holiday-boundary cases: sichuan, accepted, promised due on each HOLIDAY_DUES day."""
    cal = calendar("sichuan")
    rows = []
    for seq, (day, _) in enumerate(HOLIDAY_DUES, start=1):
        due = cal.office_close(day).astimezone(dt.UTC)
        start = dt.datetime(2026, 9, 1, 9, 30, tzinfo=BEIJING).astimezone(dt.UTC)
        values: list[Any] = [
            format_case_number("sichuan", dt.date(2026, 9, 1), 90_000 + seq),
            "sichuan",
            "sichuan-office-0",
            "inpatient_reimbursement",
            "",
            "window",
            None,
            NAMES[0],
            gb11643("11010119900307451"),
            "resident_id",
            "accepted",
            None,
            2,
            None,
            start,
            start,
            None,
            start + dt.timedelta(days=7),
            due,
            due + dt.timedelta(days=30),
            None,
            None,
            warn_at(cal, due, WARN_DAYS),
            warn_at(cal, due + dt.timedelta(days=30), WARN_DAYS),
            False,
            "0" * 64,
            2,
            "0" * 64,
            data,
            True,  # running: accepted
        ]
        if dialect == "sqlite":
            values = [
                v.replace(tzinfo=None).isoformat(" ", "microseconds")
                if isinstance(v, dt.datetime)
                else v
                for v in values
            ]
        rows.append(tuple(values))
    return rows


def fill(url: str, n: int, seed: int) -> float:
    """Bulk-insert ``n`` cases plus the holiday cases; seconds taken (ANALYZE included)."""
    dialect = make_url(url).get_backend_name()
    data = templates()["sichuan"][0][2]
    rows = synthetic_rows(n, dialect, seed)
    t0 = time.perf_counter()
    columns = ", ".join(INSERT_COLUMNS)
    if dialect == "sqlite":
        conn = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        # Loading only (the scans use jingban's own connections): no fsync per batch, and a
        # page cache big enough for the indexes, else a million random inserts thrash it.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-1000000")
        marks = ", ".join("?" * len(INSERT_COLUMNS))
        insert = f"INSERT INTO cases ({columns}) VALUES ({marks})"
        batch: list[tuple[Any, ...]] = []
        for row in [*holiday_rows(dialect, data), *rows]:
            batch.append(row)
            if len(batch) == 50_000:
                conn.execute("BEGIN")
                conn.executemany(insert, batch)
                conn.execute("COMMIT")
                batch.clear()
        conn.execute("BEGIN")
        conn.executemany(insert, batch)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
            with conn.cursor() as cur:
                for start in range(0, n + len(HOLIDAY_DUES), 200_000):
                    with (
                        conn.transaction(),
                        cur.copy(f"COPY cases ({columns}) FROM STDIN") as copy,
                    ):
                        if start == 0:
                            for row in holiday_rows(dialect, data):
                                copy.write_row(row)
                        for _, row in zip(range(200_000), rows, strict=False):
                            copy.write_row(row)
            conn.execute("VACUUM ANALYZE cases")
    return time.perf_counter() - t0

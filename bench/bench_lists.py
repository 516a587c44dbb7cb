"""Lists at office scale: the first page of the work queue and of the board, a name search
and an identity-number search over a million cases, on SQLite and PostgreSQL.

Each backend's database is filled once by bulk insert (not through the engine) with
realistic rows — five regions, ten offices each, every item a clerk can open, states mostly
ended as in a live office, common surnames and Uyghur names, valid identity numbers with
their keyed hash, alerts for the open cases past a due — and kept for later runs
(``--reuse``). Timed through the store's own calls (`CaseStore.search`, `CaseStore.counts`),
as the console makes them; the median of ``--repeat`` runs of each is reported against the
issue's target of 100 ms.

    .venv/bin/python bench/bench_lists.py --cases 1000000 [--reuse] [--backend sqlite]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _pg import pg_dsn, pg_recreate
from _scan_data import AS_OF, Days, calendar, gb11643
from sqlalchemy import text
from sqlalchemy.engine import make_url

from jingban.engine import Engine, format_case_number
from jingban.engine.model import AGING_STATES
from jingban.storage import CaseStore, Database
from jingban.storage._case_rows import case_values
from jingban.storage.case_search import CaseFilter, Page, Waiting
from jingban.storage.keys import id_number_hash, key_path, secret_key
from jingban.storage.models import CASES
from jingban.workflows import load_catalog
from jingban.workflows.responsibility import waiting_for

TARGET_MS = 100.0
COLUMNS = tuple(c.name for c in CASES.columns if c.name != "id")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟")
UYGHUR = ("阿不都热依木", "阿依古丽·买买提", "古丽娜尔", "买买提江", "热依拉", "阿不都拉")
ENDED = (("completed", 0.80), ("not_accepted", 0.03), ("withdrawn", 0.02))
OPEN = (
    ("submitted", 0.006),
    ("accepted", 0.06),
    ("reviewed", 0.04),
    ("paid", 0.01),
    ("supplement_requested", 0.02),
    ("suspended", 0.004),
)
STATES = tuple(s for s, _ in (*ENDED, *OPEN))
WEIGHTS = tuple(w for _, w in (*ENDED, *OPEN))
OFFICES = 10


def templates(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    """Per region, (item key, data JSON) of every item a clerk can open there."""
    out: dict[str, list[tuple[str, str]]] = {}
    for region, catalog in engine.catalog.regions.items():
        for item in catalog.items:
            try:
                opened = engine.open_case(
                    case_no="SC-20261123-00001-B", region=region, item=item.key,
                    applicant_name="张伟", applicant_id=gb11643("11010119900307451"),
                    actor="clerk", role="clerk", now=AS_OF, all_materials=True,
                )  # fmt: skip
            except Exception:  # an item that opens otherwise (other applicant type): skip
                continue
            out.setdefault(region, []).append((item.key, case_values(opened.case)["data"]))
    return out


def rows(n: int, dialect: str, key: bytes, seed: int) -> Iterator[tuple[Any, ...]]:
    """``n`` cases as COLUMNS tuples, times bound as ``dialect`` stores them."""
    rng = random.Random(seed)
    items = templates(Engine(load_catalog(), calendar))
    regions = sorted(items)
    days = {r: Days(r) for r in regions}
    day0 = AS_OF.date()
    counters: dict[tuple[str, dt.date], int] = {}

    def t(value: dt.datetime | None) -> Any:
        if value is None or dialect != "sqlite":
            return value
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")

    for i in range(n):
        region = regions[i % len(regions)]
        office = f"{region}-office-{rng.randrange(OFFICES)}"
        item_key, data = items[region][rng.randrange(len(items[region]))]
        state = rng.choices(STATES, WEIGHTS)[0]
        ended = state in ("completed", "not_accepted", "withdrawn")
        received_day = day0 - dt.timedelta(days=rng.randrange(0, 40 if not ended else 700))
        seq = counters[(region, received_day)] = counters.get((region, received_day), 0) + 1
        received = dt.datetime.combine(received_day, dt.time(9, 30), dt.UTC)
        name = (
            UYGHUR[rng.randrange(len(UYGHUR))]
            if rng.random() < 0.08
            else SURNAMES[rng.randrange(len(SURNAMES))] + GIVEN[rng.randrange(len(GIVEN))]
        )
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        area = rng.randrange(110000, 660000)
        id_number = gb11643(f"{area}{born:%Y%m%d}{rng.randrange(100, 999)}")
        d = days[region]
        offset = -rng.randrange(0, 20) if rng.random() < 0.02 else rng.randrange(1, 150)
        promised, promised_warn = d.due(offset)
        statutory, statutory_warn = d.due(offset + rng.choice((0, 5, 10)))
        undecided = state == "submitted"
        assignee = None if undecided or rng.random() < 0.3 else f"{office}-staff-{rng.randrange(8)}"
        yield (
            format_case_number(region, received_day, seq), region, office, item_key, "",
            "window", None, name, id_number, "resident_id", id_number_hash(id_number, key), None,
            state, "approved" if state == "completed" else None, 3, assignee, t(received),
            None if undecided else t(received + dt.timedelta(hours=1)),
            t(received + dt.timedelta(days=5)) if ended else None,
            t(d.due(rng.randrange(-1, 5))[0]), t(promised), t(statutory), None, None,
            t(promised_warn), t(statutory_warn), False, "0" * 64, 3, "0" * 64, data,
            state in AGING_STATES, None,
        )  # fmt: skip


def fill(url: str, n: int, key: bytes, seed: int) -> float:
    """Bulk-insert ``n`` cases and an alert for each open case past a due; seconds taken."""
    dialect = make_url(url).get_backend_name()
    t0 = time.perf_counter()
    columns = ", ".join(COLUMNS)
    alerts = (
        "INSERT INTO alerts (case_id, case_no, region, office, level, due_kind, due_at, "
        "raised_at) SELECT id, case_no, region, office, 'orange', 'promised', promised_due, "
        "promised_due FROM cases WHERE running AND promised_due <= {as_of}"
    )
    if dialect == "sqlite":
        conn = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-1000000")
        insert = f"INSERT INTO cases ({columns}) VALUES ({', '.join('?' * len(COLUMNS))})"
        batch: list[tuple[Any, ...]] = []
        for row in rows(n, dialect, key, seed):
            batch.append(row)
            if len(batch) == 50_000:
                conn.execute("BEGIN")
                conn.executemany(insert, batch)
                conn.execute("COMMIT")
                batch.clear()
        conn.execute("BEGIN")
        conn.executemany(insert, batch)
        as_of = AS_OF.replace(tzinfo=None).isoformat(" ", "microseconds")
        conn.execute(alerts.format(as_of="?"), (as_of,))
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(pg_dsn(url), autocommit=True) as conn, conn.cursor() as cur:
            with conn.transaction(), cur.copy(f"COPY cases ({columns}) FROM STDIN") as copy:
                for row in rows(n, dialect, key, seed):
                    copy.write_row(row)
            cur.execute(alerts.format(as_of="%s"), (AS_OF,))
            cur.execute("VACUUM ANALYZE cases")
            cur.execute("VACUUM ANALYZE alerts")
    return time.perf_counter() - t0


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median milliseconds of ``repeat`` runs (after one warm-up) and the last result."""
    result = call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def run(url: str, n: int, repeat: int, reuse: bool, seed: int) -> list[tuple[str, float, str]]:
    db = Database(url)
    with db.engine.connect() as conn:
        have = int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
    key = secret_key(key_path(url))
    if not (reuse and have == n):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM alerts"))
            conn.execute(text("DELETE FROM cases"))
        print(f"  filling {n:,} cases …", flush=True)
        print(f"  filled in {fill(url, n, key, seed):.0f} s", flush=True)
    store = CaseStore(db, Engine(load_catalog(), calendar))
    now = AS_OF
    office = "tacheng-office-3"
    scope = CaseFilter(region="tacheng", office=office, open_only=True)
    clerk = dataclasses.replace(
        scope, waiting=Waiting(f"{office}-staff-1", waiting_for(load_catalog(), "clerk"))
    )
    with db.engine.connect() as conn:
        sample = conn.execute(
            text("SELECT applicant_id FROM cases WHERE office = :o LIMIT 1"), {"o": office}
        ).scalar_one()
    first = Page()

    def queue(found: CaseFilter) -> Callable[[], Any]:
        # What GET /work reads: the page with its total, the chips, the scope's options.
        return lambda: (
            store.search(found, first, now=now),
            store.counts(found, now=now),
            store.counts(scope, now=now),
        )

    cases = {
        "queue 我的待办 (clerk), page 1": queue(clerk),
        "queue scope=all, page 1": queue(scope),
        "board: grid counts + overdue page 1": lambda: (
            store.counts(scope, now=now),
            store.search(dataclasses.replace(scope, overdue=True), first, now=now),
        ),
        "name search 阿不都 (office)": lambda: store.search(
            CaseFilter(region="tacheng", office=office, name="阿不都"),
            Page.parse(1, 50, "-registered"),
            now=now,
        ),
        "name search 阿不都 (region)": lambda: store.search(
            CaseFilter(region="tacheng", name="阿不都"), Page.parse(1, 50, "-registered"), now=now
        ),
        "ID search (whole number)": lambda: store.search(
            CaseFilter(region="tacheng", office=office, id_number=sample), first, now=now
        ),
    }
    out = []
    for label, call in cases.items():
        ms, result = timed(call, repeat)
        page = result[0] if isinstance(result, tuple) else result
        out.append((label, ms, f"{page.total:,} match"))
    db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--sqlite-file", default=str(Path(tempfile.gettempdir()) / "jingban-bench-lists.db")
    )
    parser.add_argument("--pg-url", default=None, help="server URL (default $JINGBAN_TEST_PG_URL)")
    parser.add_argument("--reuse", action="store_true", help="keep a database already filled")
    args = parser.parse_args()
    os.environ.setdefault(
        "JINGBAN_SECRET_KEY_FILE", str(Path(tempfile.gettempdir()) / "jingban-bench.key")
    )
    urls = []
    if args.backend in ("sqlite", "both"):
        urls.append(f"sqlite:///{args.sqlite_file}")
    if args.backend in ("postgresql", "both"):
        server = args.pg_url or os.environ.get("JINGBAN_TEST_PG_URL")
        if not server:
            sys.exit("PostgreSQL: give --pg-url or set JINGBAN_TEST_PG_URL")
        if args.reuse:
            urls.append(
                make_url(server)
                .set(database="jingban_bench_lists")
                .render_as_string(hide_password=False)
            )
        else:
            urls.append(pg_recreate(server, "jingban_bench_lists"))
    failed = False
    for url in urls:
        backend = make_url(url).get_backend_name()
        print(f"{backend}, {args.cases:,} cases, median of {args.repeat} runs")
        for label, ms, note in run(url, args.cases, args.repeat, args.reuse, args.seed):
            ok = ms <= TARGET_MS
            failed |= not ok
            print(f"  {label:<40} {ms:8.1f} ms  {'ok' if ok else 'OVER'}  ({note})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

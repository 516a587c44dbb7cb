"""The office reports over a million cases (issue 16 §6): the yearly summary, a staff report
for one month, the other reports, and Excel downloads of 10,000 rows, on SQLite and
PostgreSQL, beside the on-time report that reads the cases table itself.

    eval "$(.ci/pg-start)"
    .venv/bin/python bench/bench_reports.py --cases 1000000            # fills both (~15 min)
    .venv/bin/python bench/bench_reports.py --cases 1000000 --reuse    # re-times

Per backend the database is filled once (`bench_lists.fill`: realistic cases over five
regions and ten offices each, 85 % ended) and then every case's ``report_facts`` row is
written by bulk insert, as the action effect would have left it (and ``report_months``
summed from them by `rebuild_months`, as the effect keeps it): received on a day of
2026 up to the scan instant (the open cases in its last 40 days), accepted that day or up
to two days later (not the 待受理 or 不予受理 ones), ended 1–40 days after receipt, a
completion's timing 70 % within the promised limit, 20 % within the statutory one, 3 %
延期办结 and 7 % late, working days used 0–25 of a limit of 0, 10, 15 or 20, handled by one
of eight members of staff of the office. So the yearly summary counts every one of the
million cases. Each report is built by `jingban.office_reports.build` as the CLI, the API
and the console build it (all its queries: flow, backlog, the 好差评/督办/稽核 sections and
the check for cases without facts); the median of ``--repeat`` runs after one warm-up is
reported against the issue's targets.
"""

from __future__ import annotations

import argparse
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
from _scan_data import AS_OF
from bench_lists import fill as fill_cases
from sqlalchemy import text
from sqlalchemy.engine import make_url

from jingban.calendar import BEIJING
from jingban.engine.present import case_summary
from jingban.office_reports import Period, build
from jingban.services import Services
from jingban.storage import Database
from jingban.storage.case_search import CaseFilter, Page
from jingban.storage.keys import key_path, secret_key
from jingban.storage.models_reports import REPORT_FACTS
from jingban.storage.report_facts import day_number
from jingban.storage.report_rebuild import rebuild_months
from jingban.xlsx import CASE_COLUMNS, sheet

YEAR = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
MONTH = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
TARGETS = {"year": 1000.0, "month": 300.0, "xlsx": 3000.0}
FACT_COLUMNS = tuple(c.name for c in REPORT_FACTS.columns)
EXPORT_ROWS = 10_000
TIMINGS = ((1, 0.70), (2, 0.20), (3, 0.03), (4, 0.07))


def facts(url: str, seed: int) -> Iterator[tuple[Any, ...]]:
    """A report_facts row per case of the database at ``url`` (see the module's text)."""
    rng = random.Random(seed)
    first, last = dt.date(2026, 1, 1), AS_OF.astimezone(BEIJING).date()
    span = (last - first).days
    db = Database(url)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT case_no, region, office, item_key, state FROM cases"))
        for case_no, region, office, item, state in rows:
            ended = state in ("completed", "not_accepted", "withdrawn")
            received = (
                last - dt.timedelta(days=rng.randrange(40))
                if not ended
                else (first + dt.timedelta(days=rng.randrange(span)))
            )
            accepted = (
                0
                if state in ("submitted", "not_accepted")
                else day_number(min(received + dt.timedelta(days=rng.randrange(3)), last))
            )
            end_day = min(received + dt.timedelta(days=rng.randrange(1, 41)), last)
            timing = used = limit = early = 0
            used, limit = -1, -1
            if state == "completed":
                timing = rng.choices([t for t, _ in TIMINGS], [w for _, w in TIMINGS])[0]
                limit = rng.choice((0, 10, 15, 20))
                used = rng.randrange(26)
                early = int(limit > 0 and used < limit)
            staff = f"{office}-staff-"
            yield (
                case_no, region, office or "", item, day_number(received), accepted,
                day_number(end_day) if ended else 0, state if ended else "",
                "approved" if state == "completed" else "", timing, early, used, limit,
                staff + str(rng.randrange(8)) if accepted else "",
                staff + str(rng.randrange(8)) if ended else "",
            )  # fmt: skip
    db.dispose()


def fill_facts(url: str, seed: int) -> float:
    t0 = time.perf_counter()
    columns = ", ".join(FACT_COLUMNS)
    if make_url(url).get_backend_name() == "sqlite":
        conn = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")
        insert = (
            f"INSERT INTO report_facts ({columns}) VALUES ({', '.join('?' * len(FACT_COLUMNS))})"
        )
        batch: list[tuple[Any, ...]] = []
        conn.execute("DELETE FROM report_facts")
        for row in facts(url, seed):
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

        rows = list(facts(url, seed))
        with psycopg.connect(pg_dsn(url), autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM report_facts")
            with conn.transaction(), cur.copy(f"COPY report_facts ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute("VACUUM ANALYZE report_facts")
    return time.perf_counter() - t0


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = call()  # warm-up: the catalog, the calendars, the page cache
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def export(services: Services) -> bytes:
    """What ``GET /api/cases?format=xlsx`` does for an administrator's 10,000 newest cases."""
    found = CaseFilter()
    cases, _ = services.cases.export(
        found, Page.parse(1, 1, "-registered"), now=AS_OF, limit=EXPORT_ROWS
    )
    rows = [case_summary(c) for c in cases]
    assert len(rows) == EXPORT_ROWS, len(rows)
    return sheet(title="办件清单", columns=CASE_COLUMNS, rows=rows, end=AS_OF.date())


def run(url: str, n: int, repeat: int, reuse: bool, seed: int) -> list[tuple[str, float, str, str]]:
    db = Database(url)
    with db.engine.connect() as conn:
        have = int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
        facts_have = int(conn.execute(text("SELECT count(*) FROM report_facts")).scalar_one())
    if not (reuse and have == n):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM alerts"))
            conn.execute(text("DELETE FROM cases"))
        print(f"  filling {n:,} cases …", flush=True)
        print(
            f"  filled in {fill_cases(url, n, secret_key(key_path(url)), seed):.0f} s", flush=True
        )
    if not (reuse and facts_have == n):
        print(f"  filling their facts … {fill_facts(url, seed):.0f} s", flush=True)
    with db.engine.connect() as conn:
        sums = int(conn.execute(text("SELECT count(*) FROM report_months")).scalar_one())
    if not (reuse and sums):
        t0 = time.perf_counter()
        rebuild_months(db)
        print(f"  summing them per month … {time.perf_counter() - t0:.0f} s", flush=True)
    services = Services(db)
    region, office = "tacheng", "tacheng-office-3"

    def report(kind: str, period: Period, **scope: str) -> Callable[[], Any]:
        return lambda: build(services, kind, period, AS_OF, **scope)

    cases: list[tuple[str, Callable[[], Any], str]] = [
        ("summary 本年, every region", report("summary", YEAR), "year"),
        ("summary 本年, one region", report("summary", YEAR, region=region), "year"),
        ("items 本年, every region", report("items", YEAR), "year"),
        ("trend 本年, every region", report("trend", YEAR), "year"),
        ("staff 2026-11, one office", report("staff", MONTH, region=region, office=office),
         "month"),
        ("staff 2026-11, one region", report("staff", MONTH, region=region), "month"),
        ("summary 本年 as xlsx", lambda: build(services, "summary", YEAR, AS_OF).workbook(),
         "xlsx"),
        (f"case list xlsx, {EXPORT_ROWS:,} rows", lambda: export(services), "xlsx"),
        ("baseline: on-time report 本年 (cases table)",
         lambda: services.reports.on_time(start=YEAR.start, end=YEAR.end), ""),
    ]  # fmt: skip
    out = []
    for label, call, target in cases:
        ms, result = timed(call, repeat)
        note = ""
        if hasattr(result, "total") and result.total:
            note = f"{result.total.get('completed', 0):,} completed"
        elif isinstance(result, bytes):
            note = f"{len(result) / 1024:,.0f} KiB"
        elif isinstance(result, list):
            note = f"{sum(r.completed for r in result):,} completed"
        out.append((label, ms, target, note))
    db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--sqlite-file", default=str(Path(tempfile.gettempdir()) / "jingban-bench-reports.db")
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
        name = "jingban_bench_reports"
        urls.append(
            make_url(server).set(database=name).render_as_string(hide_password=False)
            if args.reuse
            else pg_recreate(server, name)
        )
    failed = False
    for url in urls:
        backend = make_url(url).get_backend_name()
        print(f"{backend}, {args.cases:,} cases, median of {args.repeat} runs", flush=True)
        for label, ms, target, note in run(url, args.cases, args.repeat, args.reuse, args.seed):
            limit = TARGETS.get(target)
            verdict = "" if limit is None else ("ok" if ms <= limit else "OVER")
            failed |= verdict == "OVER"
            print(f"  {label:<44} {ms:9.1f} ms  {verdict:<4} {note}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

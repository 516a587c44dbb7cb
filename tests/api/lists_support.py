"""Many cases fast, for the list tests: copies of one registered case inserted in one
statement, each with its own valid case number, applicant and keyed identity hash."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, text

from jingban.calendar import BEIJING
from jingban.engine.case_number import format_case_number
from jingban.services import Services
from jingban.storage.keys import id_number_hash, key_path, secret_key
from jingban.storage.models import CASES


def clone_cases(services: Services, case_no: str, n: int, **columns: Any) -> list[str]:
    """Insert ``n`` copies of case ``case_no`` (numbered after it on its day), with column
    values ``columns`` overriding the copied ones; returns their numbers, oldest first."""
    db = services.db
    key = secret_key(key_path(db.url))
    with db.engine.connect() as conn:
        row = dict(conn.execute(select(CASES).where(CASES.c.case_no == case_no)).one()._mapping)
    row.pop("id")
    row.update(columns)
    region = row["region"]
    day = row["received_at"].astimezone(BEIJING).date()
    with db.engine.connect() as conn:
        last = conn.execute(
            text("SELECT last_seq FROM case_counters WHERE region = :region AND day = :day"),
            {"region": region, "day": day},
        ).scalar_one()
    first = int(last) + 1
    numbers = [format_case_number(region, day, first + i) for i in range(n)]
    rows = []
    for i, number in enumerate(numbers):
        applicant = f"9{i:016d}"
        rows.append({**row, "case_no": number, "applicant_id_hash": id_number_hash(applicant, key)})
    with db.engine.begin() as conn:
        conn.execute(insert(CASES), rows)
        conn.execute(
            text("UPDATE case_counters SET last_seq = :seq WHERE region = :region AND day = :day"),
            {"seq": first + n - 1, "region": region, "day": day},
        )
    return numbers


def table_rows(services: Services) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered, to compare a database before and after."""
    from jingban.storage.models import METADATA
    from jingban.storage.models_attachments import CASE_FILES  # noqa: F401  (on METADATA)

    out: dict[str, list[tuple[Any, ...]]] = {}
    with services.db.engine.connect() as conn:
        for table in METADATA.sorted_tables:
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def beijing(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), BEIJING)

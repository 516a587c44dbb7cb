"""Rebuilding ``report_facts`` from the cases (``jingban report rebuild``): after upgrading
a database whose cases predate the facts, or to check them.

Each case's row is decided by `jingban.storage.report_facts.fact_values` from the case as
stored, with who ended it and when read from its audit trail (the last action that took it
into an end), on the calendar and terms its actions are decided on — the row its last
counted action would have written. Rows are replaced a batch at a time; cases are read in
id order, so a rebuild stopped midway is simply run again. ``report_months`` is then
recomputed from the facts in one statement (`rebuild_months`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from jingban.engine.model import TERMINAL_STATES, Case
from jingban.storage._case_rows import case_from_row
from jingban.storage.database import Database
from jingban.storage.models import AUDIT, CASES
from jingban.storage.models_reports import REPORT_FACTS, REPORT_MONTHS
from jingban.storage.report_facts import fact_values

if TYPE_CHECKING:
    from jingban.calendar import WorkCalendar
    from jingban.workflows import Terms

BATCH = 500


def rebuild_facts(
    db: Database,
    terms_of: Callable[[Case], Terms],
    calendar_of: Callable[[str, str | None], WorkCalendar],
    *,
    region: str | None = None,
) -> int:
    """Replace the ``report_facts`` row of every case (of ``region``), then recompute
    their ``report_months``; return how many cases."""
    after, done = 0, 0
    while True:
        query = select(CASES).where(CASES.c.id > after).order_by(CASES.c.id).limit(BATCH)
        if region is not None:
            query = query.where(CASES.c.region == region)
        with db.engine.connect() as conn:
            rows = conn.execute(query).all()
            if not rows:
                rebuild_months(db, region=region)
                return done
            ends = _ends(conn, [r.case_no for r in rows if r.state in TERMINAL_STATES])
        facts = []
        for row in rows:
            case = case_from_row(row)
            ender, ended_at = ends.get(case.case_no, ("", case.completed_at or case.received_at))
            cal = calendar_of(case.region, case.office)
            facts.append(fact_values(case, ender, ended_at, terms_of(case), cal))
        _replace(db, facts)
        after, done = rows[-1].id, done + len(rows)


def rebuild_months(db: Database, *, region: str | None = None) -> None:
    """Recompute ``report_months`` (of ``region``) as the GROUP BY of ``report_facts``."""
    f = REPORT_FACTS
    place = (f.c.region, f.c.office, f.c.item_key)
    known = f.c.used_days >= 0
    ratio = and_(known, f.c.limit_days > 0)
    zero = (literal(0), literal(0), literal(0), literal(0.0), literal(0))

    def part(day: Any, measure: Any, sums: tuple[Any, ...], *where: Any) -> Select[Any]:
        month = day // literal_column("100")  # one literal: the same expression to group by
        query = select(month, *place, measure, func.count(), *sums).where(*where)
        if region is not None:
            query = query.where(f.c.region == region)
        return query.group_by(month, *place, measure)

    ended = case(
        (f.c.ended == "completed", literal("completed:") + cast(f.c.timing, String)),
        else_=f.c.ended,
    )
    sums = (
        func.sum(f.c.early),
        func.sum(case((known, f.c.used_days), else_=0)),
        func.sum(case((known, 1), else_=0)),
        func.sum(case((ratio, f.c.used_days * 1.0 / f.c.limit_days), else_=0.0)),
        func.sum(case((ratio, 1), else_=0)),
    )
    everything = union_all(
        part(f.c.received_day, literal("received"), zero),
        part(f.c.accepted_day, literal("accepted"), zero, f.c.accepted_day > 0),
        part(f.c.ended_day, ended, sums, f.c.ended != ""),
    )
    columns = [c.name for c in REPORT_MONTHS.columns]
    with db.engine.begin() as conn:
        wipe = delete(REPORT_MONTHS)
        if region is not None:
            wipe = wipe.where(REPORT_MONTHS.c.region == region)
        conn.execute(wipe)
        conn.execute(insert(REPORT_MONTHS).from_select(columns, everything))


def _ends(conn: Connection, numbers: list[str]) -> dict[str, tuple[str, dt.datetime]]:
    """Case number → (actor, at) of the last action that took the case into an end."""
    if not numbers:
        return {}
    query = (
        select(AUDIT.c.case_no, AUDIT.c.actor, AUDIT.c.at)
        .where(
            and_(
                AUDIT.c.case_no.in_(numbers),
                AUDIT.c.to_state.in_(sorted(TERMINAL_STATES)),
                ~AUDIT.c.refused,
                AUDIT.c.from_state.is_(None) | AUDIT.c.from_state.not_in(sorted(TERMINAL_STATES)),
            )
        )
        .order_by(AUDIT.c.case_no, AUDIT.c.seq)
    )
    found: dict[str, tuple[str, dt.datetime]] = {}
    for case_no, actor, at in conn.execute(query):
        found[case_no] = (actor, at)
    return found


def _replace(db: Database, facts: list[dict[str, object]]) -> None:
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(REPORT_FACTS).values(facts)
    columns = [c.name for c in REPORT_FACTS.columns if c.name != "case_no"]
    statement = statement.on_conflict_do_update(
        index_elements=["case_no"], set_={c: statement.excluded[c] for c in columns}
    )
    with db.engine.begin() as conn:
        conn.execute(statement)

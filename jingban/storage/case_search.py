"""The one query behind every list of cases: a filter (`CaseFilter`), a page (`Page`), and
the counts over everything the filter matches, all in SQL.

A list shows one page of the matching cases in a whitelisted order together with their
total; its chips and grids (per card colour, per office and item, overdue) are one GROUP BY
over all the matching cases, never a count of a truncated list. The card colour is computed
in SQL from the same rules as the console's `card_level` (`jingban.engine.levels.RULES`), as
of the ``now`` given, so a list can filter and sort by the colour it shows.

Text typed by staff reaches SQL only as bound parameters; a partial name or case number is
matched with LIKE with its wildcards escaped. An identity number is never in a query: the
filter carries it and the query matches its keyed hash (`jingban.storage.keys`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)

from jingban.calendar import BEIJING
from jingban.engine.levels import LEVEL_ORDER, RULES
from jingban.errors import BadInput

# The filter and page types live without SQL in `case_filter` (still importable from here).
from jingban.storage.case_filter import (  # noqa: F401
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    OPEN_STATES,
    SORTS,
    CaseFilter,
    CasePage,
    Counts,
    Page,
    Waiting,
)
from jingban.storage.models import ALERTS, CASES
from jingban.storage.search_text import checked_id_number
from jingban.storage.types import UTCDateTime
from jingban.workflows.vocabulary import STATE_LABELS, UNDECIDED_STATES

_FAR = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def as_of_param(now: dt.datetime) -> BindParameter[dt.datetime]:
    """The ``:as_of`` of the rules' SQL: one parameter per statement, shared by its parts."""
    return bindparam("as_of", now, type_=UTCDateTime())


def _rules(as_of: BindParameter[dt.datetime], value: Any) -> ColumnElement[Any]:
    """A CASE over `RULES`, most serious first: ``value(level)`` for the first that holds."""
    whens = [
        (text(f"({rule.sql_condition('running')})").bindparams(as_of), value(rule.level))
        for rule in RULES
    ]
    return case(*whens, else_=literal(value("green")))


def card_expression(as_of: BindParameter[dt.datetime]) -> ColumnElement[str]:
    """The card colour of each row as of ``as_of``: the first of `RULES` that holds."""
    return _rules(as_of, lambda level: level)


def _card_rank(as_of: BindParameter[dt.datetime]) -> ColumnElement[int]:
    return _rules(as_of, LEVEL_ORDER.index)


def overdue_expression(as_of: BindParameter[dt.datetime]) -> ColumnElement[bool]:
    """Whether a running case has passed a due it shows (acceptance only while undecided)."""
    c = CASES.c
    return and_(
        c.running,
        or_(
            c.statutory_due <= as_of,
            c.promised_due <= as_of,
            c.stage_due <= as_of,
            and_(c.state.in_(UNDECIDED_STATES), c.accept_due <= as_of),
        ),
    )


def _nearest_due(dialect: str) -> ColumnElement[Any]:
    c = CASES.c
    far = literal(_FAR, UTCDateTime())
    accept = case((c.state.in_(UNDECIDED_STATES), c.accept_due), else_=None)
    dues = [func.coalesce(d, far) for d in (c.statutory_due, c.promised_due, c.stage_due, accept)]
    return func.least(*dues) if dialect == "postgresql" else func.min(*dues)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), BEIJING).astimezone(dt.UTC)


def conditions(
    found: CaseFilter, as_of: BindParameter[dt.datetime], id_hash: Callable[[str], str]
) -> list[ColumnElement[bool]]:
    """The filter as SQL conditions on the cases table (``id_hash`` hashes an identity
    number). Raises `BadInput` for an unknown state or colour, or a partial identity number."""
    c = CASES.c
    where: list[ColumnElement[bool]] = []
    if found.region is not None:
        where.append(c.region == found.region)
    if found.office is not None:
        where.append(or_(c.office == found.office, c.office.is_(None)))
    if found.in_office is not None:
        where.append(c.office == found.in_office)
    if found.no_office:
        where.append(c.office.is_(None))
    if found.item is not None:
        where.append(c.item_key == found.item)
    unknown = [s for s in found.states if s not in STATE_LABELS]
    if unknown:
        raise BadInput(f"未知状态 {unknown[0]!r}；可用: {'、'.join(STATE_LABELS)}")
    if found.states:
        where.append(c.state.in_(found.states))
    if found.open_only:  # as a list of the open states: an index on state serves it
        where.append(c.state.in_(OPEN_STATES))
    if found.card is not None:
        if found.card not in LEVEL_ORDER:
            raise BadInput(f"未知牌色 {found.card!r}；可用: {'、'.join(LEVEL_ORDER)}")
        where.append(card_expression(as_of) == found.card)
    if found.open_alert is not None:
        where.append(
            c.id.in_(
                select(ALERTS.c.case_id).where(
                    ALERTS.c.level == found.open_alert, ALERTS.c.closed_at.is_(None)
                )
            )
        )
    if found.assignee is not None:
        where.append(c.assignee == found.assignee)
    if found.waiting is not None:
        where.append(_waiting(found.waiting))
    if found.received_from is not None:
        where.append(c.received_at >= _day_start(found.received_from))
    if found.received_to is not None:
        where.append(c.received_at < _day_start(found.received_to + dt.timedelta(days=1)))
    if found.name:
        where.append(c.applicant_name.contains(found.name.strip(), autoescape=True))
    if found.id_number:
        where.append(c.applicant_id_hash == id_hash(checked_id_number(found.id_number)))
    if found.case_no:
        typed = re.sub(r"\s", "", found.case_no).upper()
        where.append(c.case_no.contains(typed, autoescape=True))
    if found.overdue:
        where.append(overdue_expression(as_of))
    return where


def _waiting(waiting: Waiting) -> ColumnElement[bool]:
    c = CASES.c
    unassigned: list[ColumnElement[bool]] = []
    for state, items in sorted(waiting.states.items()):
        if items is None:
            unassigned.append(c.state == state)
        elif items:
            unassigned.append(and_(c.state == state, c.item_key.in_(sorted(items))))
    # Through coalesce: a condition no index serves, so the planner reads the scope's open
    # cases by (region, office, state) rather than every unassigned case there is.
    assigned = func.coalesce(c.assignee, "")
    waits = and_(assigned == "", or_(*unassigned)) if unassigned else false()
    return or_(assigned == waiting.username, waits)


def page_query(
    parts: list[list[ColumnElement[bool]]],
    page: Page,
    as_of: BindParameter[dt.datetime],
    dialect: str,
    limit: int | None = None,
) -> Select[Any]:
    """The rows of one page of the cases matching any of ``parts`` (disjoint conditions,
    `CaseFilter.office_parts`), in the page's order (ties broken by the newest first); with
    ``limit``, the first ``limit`` rows in that order instead of the page (a download)."""
    c = CASES.c
    if page.sort == "due":
        keys: list[ColumnElement[Any]] = [
            case((c.running, 0), else_=1),
            _card_rank(as_of),
            _nearest_due(dialect),
        ]
    elif page.sort == "card":
        keys = [_card_rank(as_of)]
    else:
        keys = [c[SORTS[page.sort][0]]]

    def order(columns: list[Any], id_column: Any) -> list[Any]:
        ordered = [k.desc() if page.descending else k.asc() for k in columns]
        return [*ordered, id_column.asc() if page.descending else id_column.desc()]

    # The page's ids first, each part read by its own index (the order reads only its keys,
    # often from the index alone), then the rows of those ids: the wide rows of the cases
    # not shown are never read.
    labelled = [k.label(f"k{i}") for i, k in enumerate(keys)]
    branches = [select(c.id, *labelled).where(and_(true(), *where)) for where in parts]
    found = (branches[0] if len(branches) == 1 else union_all(*branches)).subquery()
    ids = (
        select(found.c.id)
        .order_by(*order([found.c[f"k{i}"] for i in range(len(keys))], found.c.id))
        .limit(page.size if limit is None else limit)
        .offset((page.number - 1) * page.size if limit is None else 0)
        .subquery()
    )
    return select(CASES).where(c.id.in_(select(ids.c.id))).order_by(*order(keys, c.id))


def count_query(where: list[ColumnElement[bool]]) -> Select[Any]:
    return select(func.count()).select_from(CASES).where(and_(true(), *where))


def counts_query(
    where: list[ColumnElement[bool]], as_of: BindParameter[dt.datetime]
) -> Select[Any]:
    """One GROUP BY over every matching case: (office, item, state, card, overdue, n)."""
    c = CASES.c
    card = card_expression(as_of).label("card")
    late = case((overdue_expression(as_of), 1), else_=0).label("late")
    # Grouped by position: the colour and overdue expressions carry the ``:as_of`` parameter,
    # which PostgreSQL would not match between the select list and a repeated GROUP BY.
    return (
        select(c.office, c.item_key, c.state, card, late, func.count().label("n"))
        .where(and_(true(), *where))
        .group_by(*(literal_column(str(i)) for i in range(1, 6)))
    )


def fold_counts(rows: list[Any]) -> Counts:
    """`Counts` from the rows of `counts_query`."""
    result = Counts(by_card=dict.fromkeys(LEVEL_ORDER, 0))
    total = overdue = 0
    for office, item, state, card_, late, n in rows:
        total += n
        overdue += n if late else 0
        result.by_card[card_] = result.by_card.get(card_, 0) + n
        result.by_state[state] = result.by_state.get(state, 0) + n
        result.by_item[item] = result.by_item.get(item, 0) + n
        cell = result.grid.setdefault((office, item), dict.fromkeys(LEVEL_ORDER, 0))
        cell[card_] = cell.get(card_, 0) + n
    return Counts(total, result.by_card, result.by_state, result.by_item, result.grid, overdue)

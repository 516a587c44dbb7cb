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
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
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
from jingban.storage._fast import CASE_READ_COLUMNS

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

# The due of a case with none (the ``far`` parameter of the order by the nearest due).
FAR = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def as_of_param(now: dt.datetime | None = None) -> BindParameter[dt.datetime]:
    """The ``:as_of`` of the rules' SQL: one parameter per statement, shared by its parts."""
    return bindparam("as_of", now, type_=UTCDateTime())


def _quoted(value: str) -> str:
    """``value`` as an SQL string literal (standard quoting)."""
    return "'" + value.replace("'", "''") + "'"


def _among(column: ColumnElement[Any], values: Iterable[str]) -> ColumnElement[bool]:
    """``column IN ('a', 'b')`` with the values written into the SQL: only for values of the
    product's own vocabulary and catalog (states, item keys), never for text typed by staff,
    so that one shape of filter is one SQL text (`jingban.storage.list_statements`)."""
    return column.in_([literal_column(_quoted(v)) for v in values])


def _rules(as_of: BindParameter[dt.datetime], value: Callable[[str], str]) -> ColumnElement[Any]:
    """A CASE over `RULES`, most serious first: ``value(level)`` (SQL) for the first that
    holds."""
    whens: list[tuple[Any, Any]] = [
        (
            text(f"({rule.sql_condition('running')})").bindparams(as_of),
            literal_column(value(rule.level)),
        )
        for rule in RULES
    ]
    return case(*whens, else_=literal_column(value("green")))


def card_expression(as_of: BindParameter[dt.datetime]) -> ColumnElement[str]:
    """The card colour of each row as of ``as_of``: the first of `RULES` that holds."""
    return _rules(as_of, _quoted)


def _card_rank(as_of: BindParameter[dt.datetime]) -> ColumnElement[int]:
    return _rules(as_of, lambda level: str(LEVEL_ORDER.index(level)))


def overdue_expression(as_of: BindParameter[dt.datetime]) -> ColumnElement[bool]:
    """Whether a running case has passed a due it shows (acceptance only while undecided)."""
    c = CASES.c
    return and_(
        c.running,
        or_(
            c.statutory_due <= as_of,
            c.promised_due <= as_of,
            c.stage_due <= as_of,
            and_(_among(c.state, sorted(UNDECIDED_STATES)), c.accept_due <= as_of),
        ),
    )


def _nearest_due(dialect: str) -> ColumnElement[Any]:
    c = CASES.c
    far = bindparam("far", type_=UTCDateTime())
    accept = case((_among(c.state, sorted(UNDECIDED_STATES)), c.accept_due), else_=None)
    dues = [func.coalesce(d, far) for d in (c.statutory_due, c.promised_due, c.stage_due, accept)]
    return func.least(*dues) if dialect == "postgresql" else func.min(*dues)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), BEIJING).astimezone(dt.UTC)


def _contains(typed: str) -> str:
    """A LIKE pattern (escape character ``/``) matching any text that contains ``typed``."""
    return "%" + typed.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def filter_shape(found: CaseFilter) -> tuple[object, ...]:
    """What of ``found`` decides its SQL text (`conditions`): which fields are set, and the
    states, colour and 我的待办 rules it names; equal shapes make the same SQL. Raises
    `BadInput` for an unknown state or colour."""
    unknown = [s for s in found.states if s not in STATE_LABELS]
    if unknown:
        raise BadInput(f"未知状态 {unknown[0]!r}；可用: {'、'.join(STATE_LABELS)}")
    if found.card is not None and found.card not in LEVEL_ORDER:
        raise BadInput(f"未知牌色 {found.card!r}；可用: {'、'.join(LEVEL_ORDER)}")
    waiting = found.waiting
    return (
        found.region is not None,
        found.office is not None,
        found.in_office is not None,
        found.no_office,
        found.item is not None,
        found.states,
        found.open_only,
        found.card,
        found.open_alert is not None,
        found.assignee is not None,
        None if waiting is None else _waiting_rules(waiting),
        found.received_from is not None,
        found.received_to is not None,
        bool(found.name),
        bool(found.id_number),
        bool(found.case_no),
        found.overdue,
    )


def filter_values(
    found: CaseFilter, prefix: str, id_hash: Callable[[str], str]
) -> dict[str, object]:
    """The bound values of ``found``'s conditions (`conditions` with the same ``prefix``),
    by parameter name (``id_hash`` hashes an identity number). Raises `BadInput` for a
    partial identity number."""
    p, values = prefix, {}
    for name in ("region", "office", "in_office", "item", "open_alert", "assignee"):
        value = getattr(found, name)
        if value is not None:
            values[p + name] = value
    if found.waiting is not None:
        values[p + "username"] = found.waiting.username
    if found.received_from is not None:
        values[p + "received_from"] = _day_start(found.received_from)
    if found.received_to is not None:
        values[p + "received_to"] = _day_start(found.received_to + dt.timedelta(days=1))
    if found.name:
        values[p + "name"] = _contains(found.name.strip())
    if found.id_number:
        values[p + "id_hash"] = id_hash(checked_id_number(found.id_number))
    if found.case_no:
        values[p + "case_no"] = _contains(re.sub(r"\s", "", found.case_no).upper())
    return values


def conditions(
    found: CaseFilter, as_of: BindParameter[dt.datetime], prefix: str = ""
) -> list[ColumnElement[bool]]:
    """The filter as SQL conditions on the cases table, its values as parameters named as
    `filter_values` names them (with ``prefix``), so one `filter_shape` is one SQL text."""
    c = CASES.c
    filter_shape(found)  # the states and colour are known

    def bound(name: str, type_: Any = None) -> BindParameter[Any]:
        return bindparam(prefix + name, type_=type_)

    where: list[ColumnElement[bool]] = []
    if found.region is not None:
        where.append(c.region == bound("region"))
    if found.office is not None:
        where.append(or_(c.office == bound("office"), c.office.is_(None)))
    if found.in_office is not None:
        where.append(c.office == bound("in_office"))
    if found.no_office:
        where.append(c.office.is_(None))
    if found.item is not None:
        where.append(c.item_key == bound("item"))
    if found.states:
        where.append(_among(c.state, found.states))
    if found.open_only:  # as a list of the open states: an index on state serves it
        where.append(_among(c.state, OPEN_STATES))
    if found.card is not None:
        where.append(card_expression(as_of) == literal_column(_quoted(found.card)))
    if found.open_alert is not None:
        where.append(
            c.id.in_(
                select(ALERTS.c.case_id).where(
                    ALERTS.c.level == bound("open_alert"), ALERTS.c.closed_at.is_(None)
                )
            )
        )
    if found.assignee is not None:
        where.append(c.assignee == bound("assignee"))
    if found.waiting is not None:
        where.append(_waiting(found.waiting, bound("username")))
    if found.received_from is not None:
        where.append(c.received_at >= bound("received_from", UTCDateTime()))
    if found.received_to is not None:
        where.append(c.received_at < bound("received_to", UTCDateTime()))
    if found.name:
        where.append(c.applicant_name.like(bound("name"), escape="/"))
    if found.id_number:
        where.append(c.applicant_id_hash == bound("id_hash"))
    if found.case_no:
        where.append(c.case_no.like(bound("case_no"), escape="/"))
    if found.overdue:
        where.append(overdue_expression(as_of))
    return where


def _waiting_rules(waiting: Waiting) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
    return tuple(
        (state, None if items is None else tuple(sorted(items)))
        for state, items in sorted(waiting.states.items())
    )


def _waiting(waiting: Waiting, username: BindParameter[str]) -> ColumnElement[bool]:
    c = CASES.c
    unassigned: list[ColumnElement[bool]] = []
    for state, items in _waiting_rules(waiting):
        if items is None:
            unassigned.append(c.state == literal_column(_quoted(state)))
        elif items:
            unassigned.append(
                and_(c.state == literal_column(_quoted(state)), _among(c.item_key, items))
            )
    # Through coalesce: a condition no index serves, so the planner reads the scope's open
    # cases by (region, office, state) rather than every unassigned case there is.
    assigned = func.coalesce(c.assignee, literal_column("''"))
    waits = and_(assigned == literal_column("''"), or_(*unassigned)) if unassigned else false()
    return or_(assigned == username, waits)


# The columns a list reads of each case (`list_case` turns a row of them into a `Case`).
LIST_COLUMNS = CASE_READ_COLUMNS


def page_query(
    parts: list[list[ColumnElement[bool]]],
    page: Page,
    as_of: BindParameter[dt.datetime],
    dialect: str,
) -> Select[Any]:
    """The rows (`LIST_COLUMNS`) of one page of the cases matching any of ``parts`` (disjoint
    conditions, `CaseFilter.office_parts`), in the page's order (ties broken by the newest
    first); the page's size and offset are the parameters ``limit`` and ``offset`` (a
    download asks for the first rows up to its limit)."""
    c = CASES.c
    if page.sort == "due":
        keys: list[ColumnElement[Any]] = [
            case((c.running, literal_column("0")), else_=literal_column("1")),
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
        .limit(bindparam("limit", type_=Integer()))
        .offset(bindparam("offset", type_=Integer()))
        .subquery()
    )
    return (
        select(*(c[name] for name in LIST_COLUMNS))
        .where(c.id.in_(select(ids.c.id)))
        .order_by(*order(keys, c.id))
    )


def count_query(where: list[ColumnElement[bool]]) -> Select[Any]:
    return select(func.count()).select_from(CASES).where(and_(true(), *where))


def counts_query(
    where: list[ColumnElement[bool]], as_of: BindParameter[dt.datetime]
) -> Select[Any]:
    """One GROUP BY over every matching case: (office, item, state, card, overdue, n)."""
    c = CASES.c
    card = card_expression(as_of).label("card")
    late = case((overdue_expression(as_of), literal_column("1")), else_=literal_column("0")).label(
        "late"
    )
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

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

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
from jingban.engine.model import TERMINAL_STATES, Case
from jingban.errors import BadInput
from jingban.storage.models import ALERTS, CASES
from jingban.storage.search_text import checked_id_number
from jingban.storage.types import UTCDateTime
from jingban.workflows.vocabulary import STATE_LABELS, UNDECIDED_STATES

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
_FAR = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
OPEN_STATES = tuple(s for s in STATE_LABELS if s not in TERMINAL_STATES)


@dataclass(frozen=True, slots=True)
class Waiting:
    """我的待办 as a condition: cases assigned to ``username``, and unassigned cases in a
    state (and item) that waits for the user's role — ``states`` maps a state to the item
    keys concerned, ``None`` for every item (`jingban.workflows.responsibility`)."""

    username: str
    states: Mapping[str, frozenset[str] | None]


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Which cases a list shows. ``region`` and ``office`` are the viewer's scope (an
    office's staff see its cases and the region's cases of no office, as `User.sees`);
    every other field narrows it. ``card`` is the colour as of the query's ``now``;
    ``open_alert`` an alert level the scan recorded and has not closed. ``name`` and
    ``case_no`` match any part; ``id_number`` is a whole identity number (checked by
    `checked_id_number`). ``received_from``/``received_to`` are Beijing dates, inclusive;
    ``no_office`` keeps only cases of no office."""

    region: str | None = None
    office: str | None = None
    in_office: str | None = None
    item: str | None = None
    states: tuple[str, ...] = ()
    card: str | None = None
    open_alert: str | None = None
    assignee: str | None = None
    waiting: Waiting | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    name: str | None = None
    id_number: str | None = None
    case_no: str | None = None
    open_only: bool = False
    overdue: bool = False
    no_office: bool = False

    def office_parts(self) -> tuple[CaseFilter, ...]:
        """The filter as disjoint parts each served by an index: an office's scope (its cases
        and the region's of no office) split in two, since a planner may not read an index
        twice for an OR."""
        if self.office is None:
            return (self,)
        if self.in_office is not None:
            mine = self.in_office in (self.office,)
            return (dataclasses.replace(self, office=None),) if mine else ()
        return (
            dataclasses.replace(self, office=None, in_office=self.office),
            dataclasses.replace(self, office=None, no_office=True),
        )


SORTS: Mapping[str, tuple[str, ...]] = {
    "due": ("urgency",),
    "case_no": ("case_no",),
    "received_at": ("received_at",),
    "item": ("item_key",),
    "state": ("state",),
    "applicant": ("applicant_name",),
    "assignee": ("assignee",),
    "office": ("office",),
    "card": ("card",),
    "registered": ("id",),
}
"""The orders a list may ask for (the columns it shows), by name. ``due`` is urgency:
running clocks before stopped ones (a paused case never sorts among the urgent), then the
card colour, then the nearest due. ``registered`` is the order of registration."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its number (from 1), its size (at most `MAX_PAGE_SIZE`), the
    order (a key of `SORTS`) and its direction."""

    number: int = 1
    size: int = DEFAULT_PAGE_SIZE
    sort: str = "due"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.number < 1:
            raise BadInput(f"页码应从 1 开始: {self.number}")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise BadInput(f"每页件数应在 1–{MAX_PAGE_SIZE} 之间: {self.size}")
        if self.sort not in SORTS:
            raise BadInput(f"未知的排序 {self.sort!r}；可用: {'、'.join(SORTS)}")

    @classmethod
    def parse(cls, number: int = 1, size: int = DEFAULT_PAGE_SIZE, sort: str | None = None) -> Page:
        """A page from user text: ``sort`` is a key of `SORTS`, ``-key`` for descending."""
        order = (sort or "due").strip()
        return cls(number, size, order.removeprefix("-"), order.startswith("-"))

    @property
    def sort_text(self) -> str:
        """The order as `parse` reads it (``-key`` when descending)."""
        return ("-" if self.descending else "") + self.sort


@dataclass(frozen=True, slots=True)
class CasePage:
    """One page of a list: its cases, the total the filter matches, and the page asked."""

    cases: list[Case]
    total: int
    page: Page

    @property
    def pages(self) -> int:
        """How many pages the total fills (at least 1)."""
        return max(1, -(-self.total // self.page.size))


@dataclass(frozen=True, slots=True)
class Counts:
    """Counts over every case a filter matches: the total, per card colour, per state, per
    item, per (office, item) by colour, and how many are overdue."""

    total: int = 0
    by_card: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)
    by_item: dict[str, int] = field(default_factory=dict)
    grid: dict[tuple[str | None, str], dict[str, int]] = field(default_factory=dict)
    overdue: int = 0


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
) -> Select[Any]:
    """The rows of one page of the cases matching any of ``parts`` (disjoint conditions,
    `CaseFilter.office_parts`), in the page's order (ties broken by the newest first)."""
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
        .limit(page.size)
        .offset((page.number - 1) * page.size)
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

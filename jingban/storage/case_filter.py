"""Which cases a list shows and which page of them: the filter, the page and its orders,
and what a search returns — plain values, without SQL (`jingban.storage.case_search` turns
them into queries), so a command can declare its options without importing SQLAlchemy."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from jingban.engine.model import TERMINAL_STATES, Case
from jingban.errors import BadInput
from jingban.workflows.vocabulary import STATE_LABELS

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
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

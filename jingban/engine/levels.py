"""Alert levels, due kinds and the rules that turn a case's stored dues into a card colour.

Defined once, as data: the deadline scan generates its SQL from `RULES`
(`AlertRule.sql_condition`) and the console evaluates the same rules in Python
(`card_level`), so the colour a page shows is the level the scan records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from jingban.workflows.vocabulary import (
    FINAL_STATES,
    STATE,
    UNDECIDED_STATES,
    StateDef,
    sql_state_list,
)


@dataclass(frozen=True, slots=True)
class LevelDef:
    """One card colour: its alert label (messages, CLI), short name and title (console)."""

    key: str
    label: str
    name: str
    title: str


LEVEL_DEFS: tuple[LevelDef, ...] = (
    LevelDef("red", "红牌", "红", "红牌：已超法定时限"),
    LevelDef("orange", "橙牌", "橙", "橙牌：已超承诺时限或临近法定时限"),
    LevelDef("yellow", "黄牌预警", "黄", "黄牌：临近承诺时限"),
    LevelDef("green", "", "绿", "绿：时限内"),
)
"""Most serious first; ``green`` is the colour of a case no rule applies to (no alert)."""

LEVEL_ORDER: tuple[str, ...] = tuple(d.key for d in LEVEL_DEFS)
LEVELS: tuple[str, ...] = ("yellow", "orange", "red")
"""The levels an alert can have, least serious first."""
ALERT_LEVELS: tuple[str, ...] = tuple(reversed(LEVELS))
"""The levels an alert can have, most serious first (how boards and digests list them)."""
LEVEL_LABELS: Mapping[str, str] = MappingProxyType(
    {d.key: d.label for d in LEVEL_DEFS if d.key in LEVELS}
)
LEVEL_NAMES: Mapping[str, str] = MappingProxyType({d.key: d.name for d in LEVEL_DEFS})
LEVEL_TITLES: Mapping[str, str] = MappingProxyType({d.key: d.title for d in LEVEL_DEFS})


@dataclass(frozen=True, slots=True)
class DueKind:
    """One kind of due date a case stores: its column and label; ``severity`` orders the
    dues that fall at once (most serious first)."""

    key: str
    label: str
    column: str
    severity: int


DUE_KIND_DEFS: tuple[DueKind, ...] = (
    DueKind("accept", "受理时限(一次性告知)", "accept_due", 1),
    DueKind("promised", "承诺时限", "promised_due", 3),
    DueKind("statutory", "法定时限", "statutory_due", 0),
    DueKind("stage", "环节时限", "stage_due", 2),
    DueKind("delivery", "送达时限", "delivery_due", 4),
)
DUE_KINDS: tuple[str, ...] = tuple(d.key for d in DUE_KIND_DEFS)
DUE_KIND_LABELS: Mapping[str, str] = MappingProxyType({d.key: d.label for d in DUE_KIND_DEFS})
DUE_COLUMNS: Mapping[str, str] = MappingProxyType({d.key: d.column for d in DUE_KIND_DEFS})
SEVERITY: Mapping[str, int] = MappingProxyType({d.key: d.severity for d in DUE_KIND_DEFS})


class Dated(Protocol):
    """What the rules read of a case: its state and its stored dues and warning instants."""

    @property
    def state(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One level of one due kind: the case is at ``level`` once the stored instant
    ``threshold`` has passed (and, with ``until``, while that instant has not), in the states
    of ``scope`` (``running``: the clock runs; ``undecided``: no acceptance decision yet;
    ``ended``: the case has ended, as a result awaiting delivery has)."""

    level: str
    due_kind: str
    threshold: str
    scope: str = "running"
    until: str | None = None

    def applies(self, case: Dated, now: dt.datetime) -> bool:
        """Whether the rule holds for ``case`` at ``now``."""
        spec = STATE.get(case.state)
        if spec is None or not _in_scope(spec, self.scope):
            return False
        at: dt.datetime | None = getattr(case, self.threshold)
        if at is None or at > now:
            return False
        if self.until is None:
            return True
        end: dt.datetime | None = getattr(case, self.until)
        return end is not None and end > now

    def sql_condition(self, running_column: str = "running") -> str:
        """The rule as an SQL condition on the ``cases`` table, with ``:as_of`` for now.
        ``running_column`` is the stored flag that is true exactly in the running states."""
        if self.scope == "undecided":
            scope = f"state IN {sql_state_list(UNDECIDED_STATES)}"
        elif self.scope == "ended":
            scope = f"state IN {sql_state_list(FINAL_STATES)}"
        else:
            scope = running_column
        condition = f"{scope} AND {self.threshold} <= :as_of"
        if self.until is not None:
            condition += f" AND {self.until} > :as_of"
        return condition


def _in_scope(spec: StateDef, scope: str) -> bool:
    if scope == "undecided":
        return spec.undecided
    if scope == "ended":
        return spec.final
    return spec.running


RULES: tuple[AlertRule, ...] = (
    AlertRule("red", "statutory", "statutory_due"),
    AlertRule("red", "accept", "accept_due", scope="undecided"),
    AlertRule("red", "stage", "stage_due"),
    AlertRule("orange", "promised", "promised_due"),
    AlertRule("orange", "statutory", "statutory_warn_at", until="statutory_due"),
    # The result of an ended case not delivered (送达) in time: ``delivery_due`` is set only
    # while the result awaits delivery (`jingban.engine.delivery`).
    AlertRule("orange", "delivery", "delivery_due", scope="ended"),
    AlertRule("yellow", "promised", "promised_warn_at", until="promised_due"),
)
"""The scan's rules, most serious first."""


def card_level(case: Dated, now: dt.datetime) -> str:
    """The case's card colour at ``now``: the most serious level among the `RULES` that
    hold, ``green`` when none does (also for paused and ended cases)."""
    for rule in RULES:  # most serious first
        if rule.applies(case, now):
            return rule.level
    return "green"

"""What the console shows of a case: its card colour, its dues with working days left, its
row in a work queue, and its chain as boxes with the current stage highlighted.

All functions are pure: they take the case, the calendar and ``now`` and return plain data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jingban.calendar import WorkCalendar
from jingban.engine.audit import AuditEvent
from jingban.engine.deadlines import working_days_left
from jingban.engine.identity import mask_name
from jingban.engine.levels import (
    DUE_KIND_LABELS,
    LEVEL_NAMES,
    LEVEL_ORDER,
    LEVEL_TITLES,
    SEVERITY,
    card_level,
)
from jingban.engine.model import Case
from jingban.engine.present import payload_lines, time_text
from jingban.workflows import ACTION_LABELS, STATE_LABELS, CompiledItem
from jingban.workflows.vocabulary import (
    OFF_PATH_STATES,
    PAUSED_STATES,
    PAUSED_TEXT,
    UNDECIDED_STATES,
)

__all__ = [
    "LEVEL_NAMES",
    "LEVEL_ORDER",
    "LEVEL_TITLES",
    "PAUSED_TEXT",
    "DueView",
    "card_level",
    "chain_view",
    "dues",
    "payload_lines",
    "queue_row",
    "time_text",
    "visited_states",
]


@dataclass(frozen=True)
class DueView:
    """One due date of a case, as shown."""

    kind: str
    label: str
    at: dt.datetime
    days_left: int
    passed: bool


def dues(case: Case, cal: WorkCalendar, now: dt.datetime) -> list[DueView]:
    """The dues that matter in the case's state, most urgent first (the acceptance window
    only while no decision is taken)."""
    found = []
    for kind, at in case.dues().items():
        if at is None or (kind == "accept" and case.state not in UNDECIDED_STATES):
            continue
        label = DUE_KIND_LABELS[kind]
        if kind == "stage" and case.stage_due_key:
            label = f"环节时限 ({case.stage_due_key})"
        found.append(DueView(kind, label, at, working_days_left(cal, now, at), at <= now))
    return sorted(found, key=lambda d: (d.at, SEVERITY[d.kind]))


def queue_row(case: Case, cal: WorkCalendar, now: dt.datetime) -> dict[str, Any]:
    """A case as one row of a work queue (applicant's name masked). Rows sort most urgent
    first: running clocks before paused ones, then by card colour, then by working days left
    on the due that explains the colour."""
    shown = dues(case, cal, now) if not case.is_terminal else []
    # The due that explains the card: the most serious one passed, else the soonest.
    first = (
        min(shown, key=lambda d: (not d.passed, SEVERITY[d.kind] if d.passed else 0, d.at))
        if shown
        else None
    )
    paused = case.state in PAUSED_STATES
    level = card_level(case, now)
    return {
        "case_no": case.case_no,
        "region": case.region,
        "office": case.office,
        "item_name": case.item_name,
        "item_key": case.item_key,
        "applicant": mask_name(case.applicant_name),
        "state": case.state,
        "state_label": STATE_LABELS.get(case.state, case.state),
        "level": level,
        "due": first,
        "days_left": first.days_left if first else None,
        "paused": paused,
        "paused_text": PAUSED_TEXT.get(case.state, ""),
        "assignee": case.assignee,
        "received_at": case.received_at,
        "provisional": case.provisional,
        "sort_key": (
            paused,
            LEVEL_ORDER.index(level),
            first.days_left if first else 10**6,
            case.case_no,
        ),
    }


def visited_states(history: list[AuditEvent]) -> set[str]:
    """States the case has been in (refused attempts do not count)."""
    return {e.to_state for e in history if not e.refused and e.to_state is not None}


def chain_view(compiled: CompiledItem, case: Case, history: list[AuditEvent]) -> dict[str, Any]:
    """The item's chain as boxes: the main path with the action that enters each stage, then
    the off-path states; each box knows whether it is current or passed."""
    seen = visited_states(history)
    current = case.state
    chain = list(compiled.chain_states)
    at = chain.index(current) if current in chain else -1

    def box(state: str, index: int | None = None) -> dict[str, Any]:
        label = STATE_LABELS.get(state, state)
        if state == "completed" and case.outcome == "denied" and current == "completed":
            label = "已办结 (审核不通过)"
        done = state in seen and state != current
        if index is not None and at >= 0:
            done = index < at
        return {"state": state, "label": label, "current": state == current, "done": done}

    main = []
    for index, state in enumerate(chain):
        entry = box(state, index)
        if index:
            action = compiled.happy_path[index - 1]
            entry["via"] = ACTION_LABELS.get(action, action)
        main.append(entry)
    off = [box(s) for s in OFF_PATH_STATES if s in compiled.states]
    return {"main": main, "off": off}

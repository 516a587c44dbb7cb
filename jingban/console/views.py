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
from jingban.engine.deadlines import (
    beijing_date,
    stopped_at,
    working_days_left,
    working_days_used,
)
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
from jingban.workflows import STATE_LABELS, CompiledItem
from jingban.workflows.actions import EVENT_LABELS
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
    "clock_view",
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
    provisional: bool = False
    """The due day lies in a year whose holiday schedule is not yet published (暂定)."""


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
        day = beijing_date(at)
        found.append(
            DueView(
                kind,
                label,
                at,
                working_days_left(cal, now, at),
                at <= now,
                cal.is_provisional(day),
            )
        )
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
    clock = clock_view(case, cal, now)
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
        # A stopped clock counts nothing down: no days left while paused (see ``clock``).
        "days_left": first.days_left if first and not paused else None,
        "paused": paused,
        "paused_text": PAUSED_TEXT.get(case.state, ""),
        "clock": clock,
        "assignee": case.assignee,
        "received_at": case.received_at,
        "provisional": case.provisional,
        "sort_key": (
            paused,
            LEVEL_ORDER.index(level),
            first.days_left if first and not paused else 10**6,
            case.case_no,
        ),
    }


def clock_view(case: Case, cal: WorkCalendar, now: dt.datetime) -> dict[str, Any] | None:
    """While the case's clock stands still (补正 awaited, 中止): that it is stopped, since
    when, and the working days it ran so far (``used``, None before it started), with the
    line the console shows; None while it runs or once the case has ended."""
    if case.is_terminal or case.state not in PAUSED_STATES:
        return None
    used = working_days_used(case, cal, now)
    since = stopped_at(case)
    text = PAUSED_TEXT.get(case.state, "计时暂停")
    if used is not None:
        text += f"，已用 {used} 个工作日"
    return {"stopped": True, "since": since, "used": used, "text": text}


def visited_states(history: list[AuditEvent]) -> set[str]:
    """States the case has been in (refused attempts do not count)."""
    return {e.to_state for e in history if not e.refused and e.to_state is not None}


def taken_path(chain: list[str], history: list[AuditEvent]) -> dict[str, str]:
    """The chain states the case stands on now, each with the action that entered it, from
    its history: a step back along the chain (a supplement restarting at 待受理, a 冲正 back
    before 拨付) undoes the steps after it, so only the path actually taken remains."""
    taken: dict[str, str] = {}
    for event in history:
        if event.refused or event.to_state is None or event.to_state == event.from_state:
            continue
        state = event.to_state
        if state in chain:
            index = chain.index(state)
            taken = {s: a for s, a in taken.items() if chain.index(s) < index}
            taken[state] = event.action
    return taken


def chain_view(compiled: CompiledItem, case: Case, history: list[AuditEvent]) -> dict[str, Any]:
    """The item's chain as boxes: the main path with the action that entered each stage (as
    the history says: 审核不通过 straight to 办结, say), then the off-path states. Each box is
    ``done`` (passed on the path the case took), ``current`` (where it stands or ended) or
    neither; ``skipped`` marks the stages an ended case never reached."""
    current = case.state
    chain = list(compiled.chain_states)
    taken = taken_path(chain, history)
    if current in chain and not taken:  # a case without history: its place on the chain
        taken = {s: "" for s in chain[: chain.index(current) + 1]}

    def box(state: str, done: bool) -> dict[str, Any]:
        label = STATE_LABELS.get(state, state)
        if state == "completed" and case.outcome == "denied" and current == "completed":
            label = "已办结 (审核不通过)"
        is_current = state == current
        return {
            "state": state,
            "label": label,
            "current": is_current,
            "done": done and not is_current,
            "skipped": case.is_terminal and not done and not is_current,
        }

    main = []
    for index, state in enumerate(chain):
        entry = box(state, state in taken)
        if index:
            action = taken.get(state) or compiled.happy_path[index - 1]
            entry["via"] = EVENT_LABELS.get(action, action)
        main.append(entry)
    seen = visited_states(history)
    off = [box(s, s in seen) for s in OFF_PATH_STATES if s in compiled.states]
    for entry in off:
        entry["skipped"] = False  # the other states are alternatives, not steps
    return {"main": main, "off": off}

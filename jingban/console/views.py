"""What the console shows of a case: its card colour, its dues with working days left, its
row in a work queue, and its chain as boxes with the current stage highlighted.

All functions are pure: they take the case, the calendar and ``now`` and return plain data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jingban.calendar import BEIJING, WorkCalendar
from jingban.engine.audit import AuditEvent
from jingban.engine.deadlines import working_days_left
from jingban.engine.identity import mask_name
from jingban.engine.model import Case
from jingban.scheduler.scan import AGING_STATES, DUE_KIND_LABELS
from jingban.workflows import ACTION_LABELS, STATE_LABELS, CompiledItem

LEVEL_ORDER = ("red", "orange", "yellow", "green")
LEVEL_NAMES = {"red": "红", "orange": "橙", "yellow": "黄", "green": "绿"}
LEVEL_TITLES = {
    "red": "红牌：已超法定时限",
    "orange": "橙牌：已超承诺时限或临近法定时限",
    "yellow": "黄牌：临近承诺时限",
    "green": "绿：时限内",
}
UNDECIDED = ("submitted", "prereviewed")
PAUSED = ("supplement_requested", "suspended")
PAUSED_TEXT = {"supplement_requested": "待申请人补正，计时暂停", "suspended": "中止，计时暂停"}
# Which due to name when several fall at once: the most serious first.
SEVERITY = {"statutory": 0, "accept": 1, "stage": 2, "promised": 3}
OFF_PATH_ORDER = ("supplement_requested", "suspended", "not_accepted", "withdrawn")


def card_level(case: Case, now: dt.datetime) -> str:
    """The case's card colour now: the same rules as the deadline scan
    (`jingban.scheduler.scan.RULES`), evaluated on the stored dues, so the colour is right
    even before the next scan; ``green`` when no rule applies (also for paused and ended
    cases)."""
    if case.state not in AGING_STATES:
        return "green"

    def passed(at: dt.datetime | None) -> bool:
        return at is not None and at <= now

    if passed(case.statutory_due) or passed(case.stage_due):
        return "red"
    if case.state in UNDECIDED and passed(case.accept_due):
        return "red"
    if passed(case.promised_due) or passed(case.statutory_warn_at):
        return "orange"
    if passed(case.promised_warn_at):
        return "yellow"
    return "green"


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
        if at is None or (kind == "accept" and case.state not in UNDECIDED):
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
    paused = case.state in PAUSED
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
    off = [box(s) for s in OFF_PATH_ORDER if s in compiled.states]
    return {"main": main, "off": off}


def time_text(value: Any) -> str:
    """A stored time (aware datetime or ISO text) or date as Beijing text; other values as
    they are."""
    if isinstance(value, str):
        text: str = value
        try:
            value = (
                dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
            )
        except ValueError:
            return text
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def payload_lines(event: AuditEvent) -> list[str]:
    """What an audit record's payload says, in short Chinese lines for the timeline."""
    p = event.payload
    lines: list[str] = []
    if event.refused:
        lines.append(f"被拒绝: {p.get('error', '')}")
    if p.get("missing"):
        lines.append("缺少材料: " + "；".join(p["missing"]))
    if event.action in ("open", "accept", "supplement") and p.get("materials"):
        lines.append(f"已收材料 {len(p['materials'])} 项")
    if "amount_fen" in p:
        fen = int(p["amount_fen"])
        lines.append(
            f"金额 {fen // 100}.{fen % 100:02d} 元，账号 {p.get('account')}，"
            f"凭证 {p.get('voucher')}"
        )
    if event.action == "suspend":
        procedure = p.get("procedure") or "特别程序"
        lines.append(
            f"{procedure}，预计 {p.get('expected_working_days')} 个工作日"
            f"(约 {time_text(p.get('expected_resume'))} 恢复)"
        )
    if "stopped_working_days" in p:
        lines.append(f"计时暂停 {p['stopped_working_days']} 个工作日")
    if event.action == "extend" and "days" in p:
        lines.append(f"延长 {p['days']} 个工作日")
    if event.action == "reassign":
        lines.append(f"承办人: {p.get('assignee_from') or '无'} → {p.get('assignee_to')}")
    for kind, change in (p.get("dues") or {}).items():
        old, new = change
        label = DUE_KIND_LABELS.get(kind, kind)
        lines.append(f"{label}: {time_text(old) or '无'} → {time_text(new) or '无'}")
    return lines

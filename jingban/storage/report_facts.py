"""A case's report facts (`jingban.storage.models_reports`): what they are and when an
action rewrites them.

`fact_values` decides the row from the case as it stands (no I/O but the calendar it is
given). `ReportFactEffect` is the action effect that keeps the row current: it writes it when
a case is registered, accepted, ends (办结, 不予受理, 撤回) or leaves an end (no action does
today: a 冲正 comes before 办结), replacing the case's row in the action's own unit — the
other actions change nothing a report counts. A completion's timing follows the on-time rule of
`jingban.storage.reports`: within the promised due, within the statutory due, within the
extended due only (延期办结: after the statutory due the case would have had without its
extensions), or late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from jingban.calendar import BEIJING
from jingban.engine import deadlines
from jingban.engine.model import TERMINAL_STATES, Case
from jingban.storage.action_effects import EffectRow, Written

if TYPE_CHECKING:
    from jingban.calendar import WorkCalendar
    from jingban.workflows import Terms

TIMINGS = {1: "within_promised", 2: "within_statutory", 3: "extended", 4: "late"}
"""``report_facts.timing`` of a completed case (0: not completed)."""
KEY = ("case_no",)


def day_number(at: dt.datetime | dt.date | None) -> int:
    """A Beijing date as the integer YYYYMMDD the facts store (0 for None)."""
    if at is None:
        return 0
    day = at.astimezone(BEIJING).date() if isinstance(at, dt.datetime) else at
    return day.year * 10000 + day.month * 100 + day.day


def timing(case: Case, terms: Terms, cal: WorkCalendar) -> int:
    """The `TIMINGS` key of a completed case (0 for any other)."""
    done = case.completed_at
    if case.state != "completed" or done is None:
        return 0
    promised, statutory = case.promised_due, case.statutory_due
    if statutory is not None and done > statutory:
        return 4
    if case.extensions:
        unextended = deadlines.unextended_statutory_due(case, terms, cal)
        if unextended is not None and done > unextended:
            return 3
    return 1 if promised is None or done <= promised else 2


def fact_values(
    case: Case, ender: str, ended_at: dt.datetime | None, terms: Terms, cal: WorkCalendar
) -> dict[str, Any]:
    """The ``report_facts`` row of ``case`` as it stands; ``ender`` took the action that
    ended it at ``ended_at`` (for 办结 its ``completed_at`` counts; both unused while the
    case is open)."""
    ended = case.state if case.state in TERMINAL_STATES else ""
    used = allowed = -1
    early = 0
    if case.state == "completed" and case.completed_at is not None:
        found = deadlines.working_days_used(case, cal, case.completed_at)
        limit = deadlines.working_days_allowed(case, cal)
        used = -1 if found is None else found
        allowed = -1 if limit is None else limit
        early = int(used >= 0 and allowed > 0 and used < allowed)
    if ended == "completed":
        ended_at = case.completed_at
    return {
        "case_no": case.case_no,
        "region": case.region,
        "office": case.office or "",
        "item_key": case.item_key,
        "received_day": day_number(case.received_at),
        "accepted_day": day_number(case.accepted_at),
        "ended_day": day_number(ended_at) if ended else 0,
        "ended": ended,
        "outcome": case.outcome or "" if ended == "completed" else "",
        "timing": timing(case, terms, cal),
        "early": early,
        "used_days": used,
        "limit_days": allowed,
        "acceptor": case.accepted_by or "",
        "completer": ender if ended else "",
    }


class ReportFactEffect:
    """The action effect that keeps a case's ``report_facts`` row current (see the module's
    text). ``terms_of`` gives the terms a case is decided under, ``calendar_of`` the
    calendar of its region and office; neither may fail for a case the engine has just
    decided."""

    def __init__(
        self,
        terms_of: Callable[[Case], Terms],
        calendar_of: Callable[[str, str | None], WorkCalendar],
    ) -> None:
        self.terms_of = terms_of
        self.calendar_of = calendar_of

    def __call__(self, written: Written) -> Sequence[EffectRow]:
        case, event, before = written.case, written.event, written.before
        if event.refused:
            return []
        opened = written.opened or before is None  # every stored action is told its before
        if not opened and before is not None and not _changed(before, case):
            return []
        cal = self.calendar_of(case.region, case.office)
        values = fact_values(case, event.actor, event.at, self.terms_of(case), cal)
        rows = [EffectRow("report_facts", values, KEY)]
        old: dict[tuple[object, ...], tuple[float, ...]] = {}
        if not opened and before is not None:
            old = measures(fact_values(before, "", event.at, self.terms_of(before), cal))
        new = measures(values)
        for key in sorted(set(old) | set(new), key=str):
            delta = tuple(
                a - b for a, b in zip(new.get(key, _NONE), old.get(key, _NONE), strict=True)
            )
            if any(delta):
                rows.append(EffectRow("report_months", _month_row(key, delta), MONTH_KEY, SUMS))
        return rows


MONTH_KEY = ("month", "region", "office", "item_key", "measure")
SUMS = ("n", "early", "used_total", "used_counted", "ratio_total", "ratio_counted")
_NONE = (0, 0, 0, 0, 0.0, 0)


def measures(values: dict[str, Any]) -> dict[tuple[object, ...], tuple[float, ...]]:
    """What one case's facts add to ``report_months``: (month, region, office, item,
    measure) → the `SUMS`. A case counts as received in its month, accepted in the month of
    its acceptance, and by how it ended in the month it ended."""
    place = (values["region"], values["office"], values["item_key"])
    out: dict[tuple[object, ...], tuple[float, ...]] = {}
    out[(int(values["received_day"]) // 100, *place, "received")] = (1, 0, 0, 0, 0.0, 0)
    if accepted := int(values["accepted_day"]):
        out[(accepted // 100, *place, "accepted")] = (1, 0, 0, 0, 0.0, 0)
    ended, day = str(values["ended"]), int(values["ended_day"])
    if ended == "completed":
        used, limit = int(values["used_days"]), int(values["limit_days"])
        known, ratio = used >= 0, used >= 0 and limit > 0
        out[(day // 100, *place, f"completed:{values['timing']}")] = (
            1,
            int(values["early"]),
            used if known else 0,
            int(known),
            used / limit if ratio else 0.0,
            int(ratio),
        )
    elif ended:
        out[(day // 100, *place, ended)] = (1, 0, 0, 0, 0.0, 0)
    return out


def _month_row(key: tuple[object, ...], sums: tuple[float, ...]) -> dict[str, object]:
    return {**dict(zip(MONTH_KEY, key, strict=True)), **dict(zip(SUMS, sums, strict=True))}


def _changed(before: Case, after: Case) -> bool:
    """Whether an action changed what the case's facts count: it ended the case or took it
    back from an end, or accepted it, or undid its acceptance (a supplement restarts it)."""
    ends = after.state in TERMINAL_STATES
    if ends != (before.state in TERMINAL_STATES):
        return True
    return before.accepted_at != after.accepted_at

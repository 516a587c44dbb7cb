"""Due dates of a case, recomputed from its clock on every transition.

- ``accept``: 5 working days after receipt of complete materials (行政许可法 art. 32: the
  one-time notice of missing materials within 5 days, after which the application counts as
  accepted).
- ``promised`` and ``statutory``: the item's limits counted from the clock start (receipt, or
  acceptance where the document says 受理后), moved later by the working days the clock stood
  still (suspension 中止; a supplement under the ``pause`` policy) and, for the statutory due,
  by extensions (延期).
- ``stage``: the earliest open stage sub-limit (e.g. 转出地 10 working days after acceptance).

Every due is office close of its day, Beijing time, stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jingban.engine.model import Case
from jingban.workflows import Item, Limit, Terms

if TYPE_CHECKING:
    from jingban.calendar import Due, WorkCalendar

ACCEPT_WINDOW_DAYS = 5
_ACCEPT_WINDOW = Limit(ACCEPT_WINDOW_DAYS, "working_days")
# Working days before a due date when a warning starts (黄牌 for the promised due, 橙牌 for the
# statutory one): 3 for limits of 5 working days or more, 1 for shorter ones, 0 for 即办.
LONG_WARN_DAYS, SHORT_WARN_DAYS = 3, 1


def default_warn_days(limit: Limit) -> int:
    """The warning threshold, in working days, for a limit."""
    if limit.unit == "instant" or limit.value == 0:
        return 0
    if limit.unit == "working_days":
        return LONG_WARN_DAYS if limit.value >= 5 else SHORT_WARN_DAYS
    if limit.unit == "natural_days":
        return LONG_WARN_DAYS if limit.value >= 7 else SHORT_WARN_DAYS
    return LONG_WARN_DAYS


WarnDays = Callable[[Item, str, Limit], int]
"""(item, "promised" | "statutory", limit) → warning threshold in working days."""


def warn_days_by_limit(item: Item, kind: str, limit: Limit) -> int:
    return default_warn_days(limit)


def warn_at(cal: WorkCalendar, due: dt.datetime, days: int) -> dt.datetime:
    """The instant a due enters its warning window: the start (00:00 Beijing) of the working
    day ``days`` working days before the due day. With no window (0 days, as for 即办 items,
    due the day they start) it is the due itself: no warning before it passes."""
    from jingban.calendar import BEIJING

    if days <= 0:
        return due
    first = cal.add_working_days(due.astimezone(BEIJING).date(), -days)
    return dt.datetime.combine(first, dt.time.min, BEIJING).astimezone(dt.UTC)


DueChanges = dict[str, tuple[dt.datetime | None, dt.datetime | None]]


@dataclass(frozen=True, slots=True)
class _Shifted:
    at: dt.datetime
    provisional: bool


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _shifted(cal: WorkCalendar, due: Due, days: int) -> _Shifted:
    if days <= 0:
        return _Shifted(_utc(due.at), due.provisional)
    day = cal.add_working_days(due.date, days)
    return _Shifted(_utc(cal.office_close(day)), due.provisional or cal.is_provisional(day))


def _limit_due(cal: WorkCalendar, start: dt.datetime, limit: Limit, shift: int) -> _Shifted:
    return _shifted(cal, cal.due(start, limit.value, limit.unit), shift)


def inputs_changed(before: Case, after: Case, item: Item) -> bool:
    """Whether anything the dues depend on differs between two versions of a case: when
    not, neither do the dues. (Received time, supplement time, clock start, clock stops,
    extensions, and the start and end stamps of ``item``'s stage sub-limits.)"""
    if (
        before.clock_start_at != after.clock_start_at
        or before.pauses != after.pauses
        or before.extension_days != after.extension_days
        or before.received_at != after.received_at
    ):
        return True
    if before.supplemented_at != after.supplemented_at:
        return True
    return any(
        before.started(s.starts) != after.started(s.starts)
        or (before.started(s.ends) is None) != (after.started(s.ends) is None)
        for s in item.stage_limits
    )


def recompute(
    case: Case,
    item: Item,
    terms: Terms,
    cal: WorkCalendar,
    warn_days: WarnDays = warn_days_by_limit,
) -> DueChanges:
    """Recompute every due of ``case`` in place (and the instants their warnings start);
    return the dues that changed (old, new)."""
    before = case.dues()
    provisional = False

    window_from = case.supplemented_at or case.received_at
    if case.accepted_at is None or case.accept_due is None:
        # The acceptance window only matters until the case is accepted; then it stays put.
        accept = _limit_due(cal, window_from, _ACCEPT_WINDOW, case.stopped_since(window_from))
        case.accept_due = accept.at
        provisional |= accept.provisional

    if case.clock_start_at is None:
        case.promised_due = case.statutory_due = None
        case.promised_warn_at = case.statutory_warn_at = None
    else:
        stopped = case.stopped_since(case.clock_start_at)
        promised = _limit_due(cal, case.clock_start_at, terms.promised, stopped)
        statutory = _limit_due(
            cal, case.clock_start_at, terms.statutory, stopped + case.extension_days
        )
        promised_warn = warn_at(cal, promised.at, warn_days(item, "promised", terms.promised))
        statutory_warn = warn_at(cal, statutory.at, warn_days(item, "statutory", terms.statutory))
        # Equal instants (the two limits often coincide) are kept as one object.
        case.promised_due = promised.at
        case.statutory_due = promised.at if statutory.at == promised.at else statutory.at
        case.promised_warn_at = promised_warn
        case.statutory_warn_at = (
            promised_warn if statutory_warn == promised_warn else statutory_warn
        )
        provisional |= promised.provisional or statutory.provisional

    case.stage_due = case.stage_due_key = None
    for stage in item.stage_limits:
        started = case.started(stage.starts)
        if started is None or case.started(stage.ends) is not None:
            continue
        due = _limit_due(cal, started, stage.limit, case.stopped_since(started))
        provisional |= due.provisional
        if case.stage_due is None or due.at < case.stage_due:
            case.stage_due, case.stage_due_key = due.at, stage.key

    case.provisional = provisional
    after = case.dues()
    return {kind: (before[kind], after[kind]) for kind in after if before[kind] != after[kind]}


def beijing_date(at: dt.datetime) -> dt.date:
    """The Beijing-time calendar day of an aware instant."""
    from jingban.calendar import BEIJING

    return at.astimezone(BEIJING).date()


def stopped_working_days(cal: WorkCalendar, since: dt.datetime, until: dt.datetime) -> int:
    """Working days the clock stood still between two instants: working days x with
    since < x ≤ until (Beijing dates), as the issue's resume rule counts them."""
    return max(cal.working_days_between(beijing_date(since), beijing_date(until)), 0)


def working_days_left(cal: WorkCalendar, now: dt.datetime, due: dt.datetime) -> int:
    """Working days from ``now`` to ``due`` (0 on the due day, negative when overdue)."""
    left = cal.working_days_between(beijing_date(now), beijing_date(due))
    return -1 if now > due and left >= 0 else left


def stopped_at(case: Case) -> dt.datetime | None:
    """When the case's clock stopped, while it stands still (补正 awaited, 中止); else None."""
    if case.state == "suspended":
        return case.suspended_at
    if case.state == "supplement_requested":
        return case.supplement_requested_at
    return None


def working_days_used(case: Case, cal: WorkCalendar, now: dt.datetime) -> int | None:
    """Working days the case's clock has run so far: from its start to ``now`` or to the
    moment it stopped, less the working days of the stops already recorded (None before the
    clock starts, as for an item counted from acceptance that is not yet accepted)."""
    start = case.clock_start_at
    if start is None:
        return None
    until = stopped_at(case) or now
    if until <= start:
        return 0
    return max(stopped_working_days(cal, start, until) - case.stopped_since(start), 0)


def unextended_statutory_due(case: Case, terms: Terms, cal: WorkCalendar) -> dt.datetime | None:
    """The statutory due ``case`` would have without its extensions (延期): completed after
    it but within the extended due, a case is 延期办结, not on time. None before the clock
    starts."""
    if case.clock_start_at is None:
        return None
    stopped = case.stopped_since(case.clock_start_at)
    return _limit_due(cal, case.clock_start_at, terms.statutory, stopped).at


def working_days_allowed(case: Case, cal: WorkCalendar) -> int | None:
    """The working days the promised limit gives ``case``, counted as `working_days_used`
    counts (from the clock start to the promised due, less the stops): what 提速率 divides
    the days used by. 0 for an instant (即办) item; None before the clock starts."""
    start, due = case.clock_start_at, case.promised_due
    if start is None or due is None:
        return None
    if due <= start:
        return 0
    return max(stopped_working_days(cal, start, due) - case.stopped_since(start), 0)

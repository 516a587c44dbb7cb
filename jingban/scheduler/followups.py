"""The follow-up run (leader-only, on the scan's interval): supplement deadlines, 容缺
materials and undertaking checks.

- ``remind_days`` working days before a supplement deadline (`JINGBAN_SUPPLEMENT_REMIND_DAYS`)
  the assignee is reminded through the region's routes (the delivery queue) and the
  applicant's message is recorded (`applicant_message`);
- at the deadline the case is withdrawn by the system (``lapse``, outcome ``lapsed``, in the
  audit trail) where the region's rule is ``withdraw``, with the applicant told; otherwise a
  card is raised for the supervisor;
- an overdue deferred material, an overdue undertaking check, a case still suspended (中止)
  after its expected resume date, a supervision order (督办单) unanswered at its reply due
  and a step of a 差评's rectification past its due each raise a card.

Each is recorded once (`FollowupStore.record`), so a second run, a second process or a
restart repeats nothing; the lapse itself is stored under the case's optimistic lock, so
two runs that race produce one withdrawal.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from jingban.engine.deadlines import warn_at
from jingban.services import Services
from jingban.storage.followup_messages import applicant_text, staff_message
from jingban.storage.followups import Followup, OpenDue

log = logging.getLogger("jingban.scheduler")

#: Natural days that surely hold ``n`` working days before a due (the longest holiday runs
#: with their weekends are under two weeks): the range the reminder query reads ahead.
_AHEAD_SLACK_DAYS = 16


@dataclass(slots=True)
class FollowupReport:
    """What one run did: the records it made (kind → case numbers), the cases it withdrew."""

    raised: dict[str, list[str]] = field(default_factory=dict)
    lapsed: list[str] = field(default_factory=list)
    closed: int = 0

    def add(self, kind: str, case_no: str) -> None:
        self.raised.setdefault(kind, []).append(case_no)


def applicant_message(services: Services, due: OpenDue, kind: str, now: dt.datetime) -> bool:
    """Record the applicant's message ``kind`` (``applicant_remind``, ``applicant_lapsed``) about
    ``due`` once, with its text (`applicant_text`). This is the one place an applicant
    message of the follow-up run is made. A reminder goes to the applicant's mobile number
    as a text message (`ApplicantMessageStore.tell`: queued on the delivery queue, on the
    case's timeline); the lapse needs none here, since the ``lapse`` action tells the
    applicant like every milestone. Returns whether it was recorded now (False: before)."""
    recorded = services.followups.record(due, kind, now)
    if recorded is not None and kind == "applicant_remind":
        text = applicant_text(kind, case_no=due.case_no, item_name=due.item_name, due_at=due.due_at)
        if services.applicant_messages.tell(due.case_no, "supplement_remind", text, now):
            log.info("supplement reminder for %s queued for the applicant", due.case_no)
    return recorded is not None


def _tell_staff(services: Services, due: OpenDue, made: Followup, now: dt.datetime) -> int:
    """Queue ``made`` for every enabled route of the case's region (and office) that takes
    every level (a card has no colour); a personal route's to each person it stands for:
    the one the card is about (a supervision order's recipient), else the assignee or
    whoever can act on the case's stage, or the office's supervisors."""
    message = staff_message(
        kind=made.kind,
        case_no=due.case_no,
        item_name=due.item_name,
        name=due.name,
        due_at=due.due_at,
        office=due.office,
    )
    first_try = services.calendar(due.region).next_opening(now)
    queued = 0
    deliveries = services.deliveries
    facts = None
    for route in services.routes.routes():
        if route.levels or not route.enabled or route.region != due.region:
            continue
        if route.office not in (None, due.office):
            continue
        key = f"followup:{made.id}"
        if not route.personal:
            queued += deliveries.enqueue_message(key, route, message, first_try=first_try)
            continue
        if facts is None:
            facts = deliveries.recipients.facts([due.case_no]).get(due.case_no)
        if facts is None:
            continue
        for person in deliveries.recipients.people(str(route.role), facts, about=due.recipient):
            queued += deliveries.enqueue_message(
                key, route, message, first_try=first_try, recipient=person
            )
    return queued


def _raise(
    services: Services, due: OpenDue, kind: str, now: dt.datetime, report: FollowupReport
) -> None:
    made = services.followups.record(due, kind, now)
    if made is not None:
        report.add(kind, due.case_no)
        _tell_staff(services, due, made, now)


def run_followups(services: Services, now: dt.datetime, *, remind_days: int) -> FollowupReport:
    """One follow-up run at ``now`` (see the module docstring)."""
    report = FollowupReport()
    store = services.followups
    ahead = now + dt.timedelta(days=remind_days * 2 + _AHEAD_SLACK_DAYS) if remind_days else now
    for due in store.open_dues(ahead):
        rule = services.catalog.region(due.region).supplements
        if due.kind == "supplement":
            if due.state != "supplement_requested":
                continue
            if due.due_at <= now:
                if rule.on_lapse == "withdraw":
                    if store.lapse(due.case_no, now):
                        report.lapsed.append(due.case_no)
                        _raise(services, due, "lapsed", now, report)
                        if applicant_message(services, due, "applicant_lapsed", now):
                            report.add("applicant_lapsed", due.case_no)
                else:
                    _raise(services, due, "supplement_overdue", now, report)
            elif remind_days:
                cal = services.calendar(due.region, due.office)
                if warn_at(cal, due.due_at, remind_days) <= now:
                    _raise(services, due, "supplement_remind", now, report)
                    if applicant_message(services, due, "applicant_remind", now):
                        report.add("applicant_remind", due.case_no)
        elif due.due_at <= now and due.kind == "deferred" and due.state != "completed":
            _raise(services, due, "deferred_overdue", now, report)
        elif due.due_at <= now and due.kind == "undertaking":
            _raise(services, due, "undertaking_overdue", now, report)
        elif due.due_at <= now and due.kind == "suspension" and due.state == "suspended":
            _raise(services, due, "suspension_overdue", now, report)
        elif due.due_at <= now and due.kind == "supervision":
            _raise(services, due, "supervision_overdue", now, report)
        elif due.due_at <= now and due.kind == "rectification":
            _raise(services, due, "rectification_overdue", now, report)
    report.closed = store.close_stale(now)
    return report

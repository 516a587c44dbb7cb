"""The 好差评 actions: the applicant's rating and appeal (system decisions, like the lapse:
`rate` and `appeal` return the result the store writes under the case's lock) and the staff
steps of a rectification (handlers registered in `jingban.engine.handlers.HANDLERS`).

Every due is counted on the case's working-day calendar in the region's days
(`jingban.workflows.supervision_rules.SupervisionRule`): the 核实, 整改 and 回复 of a 差评
within ``rectify_working_days`` of the rating (or of an upheld appeal), the 回访 within
``callback_working_days`` of the answer, the review of an appeal within
``appeal_review_working_days``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from jingban.engine.audit import stay_event
from jingban.engine.feedback import (
    RATING_LABELS,
    RATING_STAGES,
    STEP_LABELS,
    Feedback,
    Rating,
    Rectification,
    RectStep,
)
from jingban.engine.followups import due_after
from jingban.engine.free_text import checked_optional, checked_text
from jingban.errors import BadInput, Conflict, NotAllowed
from jingban.workflows.actions import ACTIONS

if TYPE_CHECKING:
    from jingban.engine.engine import Engine, Result
    from jingban.engine.handlers import Step
    from jingban.engine.model import Case
    from jingban.workflows import Catalog
    from jingban.workflows.supervision_rules import SupervisionRule

APPLICANT = "applicant"
"""The actor and role of what the applicant does on the public page."""

_NOTHING = {
    "verify_rating": "本办件没有待核实的差评",
    "rectify": "本办件没有待整改的差评 (核实为属实或申诉成立后才需整改)",
    "answer_rating": "本办件没有待回复评价人的差评",
    "call_back": "本办件没有待回访的差评",
    "review_appeal": "本办件没有待复核的申诉",
}


class SameReviewer(NotAllowed):
    """An appeal is reviewed by someone other than who verified the 差评."""


def _days(rule: SupervisionRule, step: str) -> int | None:
    """Working days the step after ``step`` is due in, when ``step`` starts a new window."""
    return {
        "answer_rating": rule.callback_working_days,
        "appeal": rule.appeal_review_working_days,
        "review_appeal": rule.rectify_working_days,
    }.get(step)


def _advanced(
    item: Rectification,
    step: RectStep,
    rule: SupervisionRule,
    cal_due: Callable[[int], dt.datetime],
) -> Rectification:
    days = _days(rule, step.name)
    return item.taken(step, item.due_at if days is None else cal_due(days))


def _staff_step(action: str) -> Callable[[Step], str | None]:
    """The handler of ``action``: take the step on the oldest rectification waiting for it,
    with the outcome (where the action has one) and the text given (``reason``)."""

    def handler(s: Step) -> str | None:
        case = s.case
        item = case.feedback.waiting_for(action)
        if item is None:
            raise NotAllowed(_NOTHING[action])
        if action == "review_appeal" and s.actor == item.verifier:
            raise SameReviewer(f"申诉须由核实人 ({item.verifier}) 以外的人员复核")
        has_outcome = ACTIONS[action].param("outcome") is not None
        outcome = s.values.given("outcome") if has_outcome else None
        text = s.values.given("reason")
        rule = s.catalog.region(case.region).supervision
        step = RectStep(action, s.at, s.actor, outcome, text, item.due_at)
        done = _advanced(item, step, rule, lambda days: due_after(s.cal, s.at, days))
        case.feedback = case.feedback.replaced(done)
        s.payload.update(_step_payload(done, step))
        return text

    handler.__name__ = action
    return handler


def _step_payload(item: Rectification, step: RectStep) -> dict[str, object]:
    payload: dict[str, object] = {
        "rectification": item.no,
        "step_label": STEP_LABELS[step.name],
        "due_at": item.due_at,
        "in_time": step.in_time,
    }
    if step.outcome is not None:
        choices = dict(ACTIONS[step.name].param("outcome").choices)  # type: ignore[union-attr]
        payload.update(outcome=step.outcome, outcome_label=choices.get(step.outcome, step.outcome))
    following = item.next_step
    payload["next_label"] = STEP_LABELS[following] if following else "整改完毕"
    return payload


STEPS = ("verify_rating", "rectify", "answer_rating", "call_back", "review_appeal")
HANDLERS = {action: _staff_step(action) for action in STEPS}
"""The handler of each staff step of a rectification."""


OFFERS: dict[str, Callable[[Catalog, Case], bool]] = {
    key: (lambda action: lambda _c, case: case.feedback.waiting_for(action) is not None)(key)
    for key in STEPS
}
"""Each staff step is offered only while a rectification waits for it."""


# -- the applicant's own: decided here, stored by the store ----------------------------


def _system_result(
    case: Case, action: str, now: dt.datetime, reason: str | None, payload: dict[str, object]
) -> Result:
    from jingban.engine.engine import Result

    event = stay_event(
        case, action, actor=APPLICANT, role=APPLICANT, at=now, reason=reason, payload=payload
    )
    return Result(case, event)


def rate(
    engine: Engine,
    case: Case,
    *,
    stage: str,
    rating: int,
    comment: str | None,
    staff: str | None,
    now: dt.datetime,
) -> Result:
    """The applicant rates ``stage`` (受理 once accepted, 办结 once completed), once; a rating
    of 1 or 2 opens a rectification due in the region's days. ``staff``: who handled the
    stage (the store finds the completer). Raises `BadInput` (unknown stage or level, a
    comment that may not be kept), `NotAllowed` (the stage not reached) or `Conflict`
    (rated before); ``case`` is unchanged."""
    if stage not in RATING_STAGES:
        raise BadInput(f"评价环节须为: {'、'.join(f'{k} ({v})' for k, v in RATING_STAGES.items())}")
    if rating not in RATING_LABELS:
        raise BadInput("评价须为 1–5 (非常不满意 … 非常满意)")
    label = RATING_STAGES[stage]
    if stage == "accept" and case.accepted_at is None:
        raise NotAllowed("受理后才能评价受理环节")
    if stage == "complete" and case.state != "completed":
        raise NotAllowed("办结后才能评价")
    if case.feedback.rating_of(stage) is not None:
        raise Conflict(f"该办件的{label}环节已经评价过")
    comment = checked_optional((comment or "").strip() or None, "评价意见", lines=True)
    new = case.copy()
    given = Rating(stage, rating, staff, now)
    feedback = Feedback((*case.feedback.ratings, given), case.feedback.rectifications)
    payload: dict[str, object] = {
        "stage": stage,
        "stage_label": label,
        "rating": rating,
        "rating_label": RATING_LABELS[rating],
        "staff": staff,
    }
    if given.bad:
        rule = engine.catalog.region(case.region).supervision
        cal = engine.calendar_of(case.region, case.office)
        due = due_after(cal, now, rule.rectify_working_days)
        opened = Rectification(len(feedback.rectifications) + 1, stage, rating, staff, now, due)
        feedback = feedback.replaced(opened)
        payload.update(rectification=opened.no, due_at=due)
    new.feedback = feedback
    new.version = case.version + 1
    return _system_result(new, "rate", now, comment, payload)


def appeal(engine: Engine, case: Case, *, text: str, now: dt.datetime) -> Result:
    """The applicant appeals (申诉) the finding that their 差评 was 不属实, once, after its
    answer; the review is due in the region's days. Raises `NotAllowed` when there is
    nothing to appeal, `BadInput` for a text that may not be kept."""
    item = next((r for r in case.feedback.rectifications if r.may_appeal), None)
    if item is None:
        raise NotAllowed("没有可申诉的差评处理结果 (差评核实为不属实并答复后可申诉一次)")
    text = checked_text(text.strip(), "申诉理由", lines=True)
    if not text:
        raise BadInput("请写明申诉理由")
    rule = engine.catalog.region(case.region).supervision
    cal = engine.calendar_of(case.region, case.office)
    step = RectStep("appeal", now, APPLICANT, None, text, item.due_at)
    done = _advanced(item, step, rule, lambda days: due_after(cal, now, days))
    new = case.copy()
    new.feedback = case.feedback.replaced(done)
    new.version = case.version + 1
    return _system_result(new, "appeal", now, text, _step_payload(done, step))

"""How a case's ratings and rectifications (好差评) read in the staff views (``show --json``,
``GET /api/cases/{no}``, the case page) and on the applicant's progress page.

Staff see every rating with who it is attributed to and every step of each rectification
(times ISO 8601, Beijing time). The applicant sees which stage they may rate now, the
office's answers to their 差评 and whether they may appeal one — never staff names, notes or
measures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from jingban.calendar.office_hours import BEIJING
from jingban.engine.feedback import RATING_LABELS, RATING_STAGES, STEP_LABELS
from jingban.engine.model import Case
from jingban.workflows.actions import ACTIONS


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(BEIJING).isoformat()


def _outcome_label(step: str, outcome: str | None) -> str | None:
    spec = ACTIONS.get(step)
    param = spec.param("outcome") if spec is not None else None
    if outcome is None or param is None:
        return None
    return dict(param.choices).get(outcome, outcome)


def staff_fields(case: Case) -> dict[str, object]:
    """``ratings`` (stage, level, label, attributed staff, time) and ``rectifications``
    (each with its next step, due and the steps taken)."""
    fb = case.feedback
    return {
        "ratings": [
            {
                "stage": r.stage,
                "stage_label": RATING_STAGES[r.stage],
                "rating": r.rating,
                "label": RATING_LABELS[r.rating],
                "staff": r.staff,
                "at": _iso(r.at),
            }
            for r in fb.ratings
        ],
        "rectifications": [
            {
                "no": x.no,
                "stage_label": RATING_STAGES[x.stage],
                "rating_label": RATING_LABELS[x.rating],
                "staff": x.staff,
                "opened_at": _iso(x.opened_at),
                "due_at": _iso(x.due_at),
                "next_step": x.next_step,
                "next_label": STEP_LABELS[x.next_step] if x.next_step else None,
                "closed": x.closed,
                "steps": [
                    {
                        "step": s.name,
                        "label": STEP_LABELS[s.name],
                        "at": _iso(s.at),
                        "by": s.by,
                        "outcome": s.outcome,
                        "outcome_label": _outcome_label(s.name, s.outcome),
                        "text": s.text,
                        "in_time": s.in_time,
                    }
                    for s in x.steps
                ],
            }
            for x in fb.rectifications
        ],
    }


def rate_stage(case: Case, rated: Collection[str]) -> str | None:
    """The stage the applicant may rate now (办结 first, then 受理), none of ``rated``."""
    done = {*rated, *(r.stage for r in case.feedback.ratings)}
    if case.state == "completed" and "complete" not in done:
        return "complete"
    if case.accepted_at is not None and "accept" not in done:
        return "accept"
    return None


def public_fields(case: Case) -> dict[str, object]:
    """For the progress page: ``answers`` (the office's answer to each 差评, with its day)
    and ``can_appeal`` (the ratings themselves are the store's: `rate_stage`)."""
    answers = []
    for x in case.feedback.rectifications:
        answer = x.step("answer_rating")
        if answer is not None:
            answers.append(
                {
                    "stage_label": RATING_STAGES[x.stage],
                    "answer": answer.text,
                    "date": answer.at.astimezone(BEIJING).date().isoformat(),
                }
            )
    return {
        "answers": answers,
        "can_appeal": any(x.may_appeal for x in case.feedback.rectifications),
    }

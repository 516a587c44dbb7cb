"""好差评 on a case: the applicant's ratings, one per stage (受理, 办结), each attributed to the
member of staff who handled that stage, and the rectification (差评整改) a bad one opens.

国办发〔2019〕51号 and GB/T 39734-2020 rate on five levels (非常满意 … 非常不满意); a rating
of 2 (不满意) or 1 (非常不满意) is a 差评 and opens a `Rectification` for the office's
supervisor. Its steps follow one another:

    核实 (verify_rating) ─ 属实 ──→ 整改 (rectify) ─→ 回复 (answer_rating) ─→ 回访 (call_back)
                        └ 不属实 ─────────────────→ 回复
    申诉 (appeal, by the applicant, once, after the answer to a 差评 found 不属实)
        ─→ 申诉复核 (review_appeal, by someone other than who verified) ─ 成立 → 整改 …
                                                                       └ 不成立 → 回复 …

Each step is an audited action of the case; ``due_at`` is the due of the step next, counted
in the region's working days (`jingban.workflows.supervision_rules.SupervisionRule`). Pure
data, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

RATING_LABELS: Mapping[int, str] = MappingProxyType(
    {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
)
"""The five levels of GB/T 39734-2020, best first."""
BAD_AT_MOST = 2
"""A rating at or below it is a 差评."""
RATING_STAGES: Mapping[str, str] = MappingProxyType({"accept": "受理", "complete": "办结"})
"""The stages an applicant rates, with their wording."""

STEP_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "verify_rating": "核实",
        "rectify": "整改",
        "answer_rating": "回复",
        "call_back": "回访",
        "appeal": "申诉",
        "review_appeal": "申诉复核",
    }
)
"""The steps of a rectification, by the action that takes them."""
_AFTER = {
    ("verify_rating", "valid"): "rectify",
    ("verify_rating", "invalid"): "answer_rating",
    ("review_appeal", "upheld"): "rectify",
    ("review_appeal", "rejected"): "answer_rating",
    ("rectify", None): "answer_rating",
    ("answer_rating", None): "call_back",
    ("appeal", None): "review_appeal",
}


@dataclass(frozen=True, slots=True)
class Rating:
    """The applicant's rating of one stage, attributed to ``staff`` (None: unknown)."""

    stage: str
    rating: int
    staff: str | None
    at: dt.datetime

    @property
    def bad(self) -> bool:
        return self.rating <= BAD_AT_MOST


@dataclass(frozen=True, slots=True)
class RectStep:
    """One step taken: which (``name``, an action key), when, by whom, its outcome (核实,
    回访 and 申诉复核 have one), its text (the note, measures, answer or appeal) and the due
    it was taken against (``due_at``)."""

    name: str
    at: dt.datetime
    by: str
    outcome: str | None
    text: str
    due_at: dt.datetime

    @property
    def in_time(self) -> bool:
        return self.at <= self.due_at


@dataclass(frozen=True, slots=True)
class Rectification:
    """差评整改 number ``no`` of its case, opened by the ``stage`` rating ``rating`` at
    ``opened_at``; ``due_at`` is when the next step is due; ``steps`` those taken."""

    no: int
    stage: str
    rating: int
    staff: str | None
    opened_at: dt.datetime
    due_at: dt.datetime
    steps: tuple[RectStep, ...] = ()

    @property
    def next_step(self) -> str | None:
        """The action that must come next; None once the call-back closed it."""
        if not self.steps:
            return "verify_rating"
        last = self.steps[-1]
        return _AFTER.get((last.name, last.outcome))

    @property
    def closed(self) -> bool:
        return self.next_step is None

    @property
    def verifier(self) -> str | None:
        """Who verified the 差评 (the first 核实)."""
        return next((s.by for s in self.steps if s.name == "verify_rating"), None)

    @property
    def found_valid(self) -> bool | None:
        """Whether the 差评 stands, as the last verdict (核实 or 申诉复核) says; None before."""
        verdicts = [s for s in self.steps if s.name in ("verify_rating", "review_appeal")]
        if not verdicts:
            return None
        return verdicts[-1].outcome in ("valid", "upheld")

    @property
    def may_appeal(self) -> bool:
        """Whether the applicant may appeal now: the 差评 was found 不属实 and answered, and
        no appeal was made before."""
        if any(s.name == "appeal" for s in self.steps) or self.found_valid is not False:
            return False
        return any(s.name == "answer_rating" for s in self.steps) and self.next_step in (
            "call_back",
            None,
        )

    def step(self, name: str) -> RectStep | None:
        """The last step ``name`` taken, or None."""
        return next((s for s in reversed(self.steps) if s.name == name), None)

    def taken(self, step: RectStep, due_at: dt.datetime) -> Rectification:
        """This rectification with ``step`` taken and the next step due at ``due_at``."""
        return replace(self, steps=(*self.steps, step), due_at=due_at)


@dataclass(frozen=True, slots=True)
class Feedback:
    """A case's ratings and rectifications (empty when it has none)."""

    ratings: tuple[Rating, ...] = ()
    rectifications: tuple[Rectification, ...] = ()

    def rating_of(self, stage: str) -> Rating | None:
        return next((r for r in self.ratings if r.stage == stage), None)

    def waiting_for(self, action: str) -> Rectification | None:
        """The oldest rectification whose next step is ``action``."""
        return next((r for r in self.rectifications if r.next_step == action), None)

    def replaced(self, new: Rectification) -> Feedback:
        """With rectification ``new`` in place of the one of its number (or added)."""
        kept = [r for r in self.rectifications if r.no != new.no]
        return Feedback(self.ratings, tuple(sorted([*kept, new], key=lambda r: r.no)))


NO_FEEDBACK = Feedback()


def feedback_data(feedback: Feedback) -> dict[str, Any]:
    """The feedback as plain data (times aware; the storage layer writes them as text)."""
    return {
        "ratings": [
            {"stage": r.stage, "rating": r.rating, "staff": r.staff, "at": r.at}
            for r in feedback.ratings
        ],
        "rectifications": [
            {
                "no": x.no,
                "stage": x.stage,
                "rating": x.rating,
                "staff": x.staff,
                "opened_at": x.opened_at,
                "due_at": x.due_at,
                "steps": [
                    {
                        "name": s.name,
                        "at": s.at,
                        "by": s.by,
                        "outcome": s.outcome,
                        "text": s.text,
                        "due_at": s.due_at,
                    }
                    for s in x.steps
                ],
            }
            for x in feedback.rectifications
        ],
    }


def feedback_from(data: Mapping[str, Any], time: Any) -> Feedback:
    """The feedback ``feedback_data`` wrote, times read by ``time`` (text → aware)."""
    ratings = tuple(
        Rating(r["stage"], int(r["rating"]), r.get("staff"), time(r["at"]))
        for r in data.get("ratings") or ()
    )
    rectifications = tuple(
        Rectification(
            int(x["no"]),
            x["stage"],
            int(x["rating"]),
            x.get("staff"),
            time(x["opened_at"]),
            time(x["due_at"]),
            tuple(
                RectStep(
                    s["name"],
                    time(s["at"]),
                    s["by"],
                    s.get("outcome"),
                    s["text"],
                    time(s["due_at"]),
                )
                for s in x.get("steps") or ()
            ),
        )
        for x in data.get("rectifications") or ()
    )
    return Feedback(ratings, rectifications)

"""The applicants' ratings (好差评): one per case and stage (受理, 办结), each an audited action
of the case (`jingban.engine.feedback_handlers.rate`), kept also as a ``ratings`` row for the
figures; the appeal of a 差评 found 不属实; and the figures supervisors are judged on.

`rating_effect` writes the ``ratings`` row in the rating's own unit (an action effect,
registered by `jingban.services.Services`), so a rating is stored with its audit record or
not at all.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select

from jingban.calendar import BEIJING
from jingban.engine import Result
from jingban.engine.feedback import BAD_AT_MOST, RATING_LABELS, RATING_STAGES, feedback_from
from jingban.engine.feedback_handlers import APPLICANT, appeal, rate
from jingban.storage._case_decisions import Attempt
from jingban.storage.action_effects import EffectRow, Written
from jingban.storage.case_store import CaseStore
from jingban.storage.database import Database
from jingban.storage.models import AUDIT, CASES, RATINGS
from jingban.storage.timecodec import from_json_time

__all__ = ["RATING_LABELS", "FeedbackFigures", "RatingStore", "rating_effect"]


def rating_effect(w: Written) -> Sequence[EffectRow]:
    """The ``ratings`` row of a stored rating (``rate``); none for any other action."""
    event = w.event
    if event.action != "rate" or event.refused:
        return []
    p = event.payload
    values = {
        "case_no": w.case.case_no,
        "stage": p["stage"],
        "region": w.case.region,
        "office": w.case.office,
        "item_key": w.case.item_key,
        "staff": p.get("staff"),
        "rating": p["rating"],
        "comment": event.reason,
        "at": event.at,
    }
    return [EffectRow(RATINGS.name, values)]


@dataclass(frozen=True, slots=True)
class FeedbackFigures:
    """The 好差评 figures of a period: ratings given, 差评 among them, and of the 差评 those
    answered after their check (and rectification where it stood: 整改), answered within
    their due (按期整改) and called back (回访)."""

    rated: int = 0
    bad: int = 0
    rectified: int = 0
    rectified_in_time: int = 0
    called_back: int = 0

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return None if not whole else part / whole

    @property
    def bad_rate(self) -> float | None:
        """差评率: 差评 / ratings."""
        return self._share(self.bad, self.rated)

    @property
    def rectified_rate(self) -> float | None:
        """整改率: 差评 checked, rectified where they stood, and answered / 差评."""
        return self._share(self.rectified, self.bad)

    @property
    def in_time_rate(self) -> float | None:
        """按期整改率: 差评 answered within their due / 差评."""
        return self._share(self.rectified_in_time, self.bad)

    @property
    def callback_rate(self) -> float | None:
        """回访率: 差评 called back / 差评."""
        return self._share(self.called_back, self.bad)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rated": self.rated,
            "bad": self.bad,
            "rectified": self.rectified,
            "rectified_in_time": self.rectified_in_time,
            "called_back": self.called_back,
            "bad_rate": self.bad_rate,
            "rectified_rate": self.rectified_rate,
            "in_time_rate": self.in_time_rate,
            "callback_rate": self.callback_rate,
        }


class RatingStore:
    """The ratings of one database; ratings and appeals are stored through ``cases``."""

    def __init__(self, db: Database, cases: CaseStore) -> None:
        self.db = db
        self.cases = cases

    def rate(
        self,
        *,
        case_no: str,
        rating: int,
        comment: str | None,
        now: dt.datetime,
        stage: str = "complete",
    ) -> Result:
        """Record the applicant's rating of ``stage`` of the case, attributed to who
        handled it (受理: who accepted; 办结: who completed). Raises `BadInput`, `NotAllowed`
        (the stage not reached), `Conflict` (rated before, or changed meanwhile)."""
        staff = self._completer(case_no) if stage == "complete" else None
        return self.cases.decide(
            case_no,
            lambda case: rate(
                self.cases.engine,
                case,
                stage=stage,
                rating=rating,
                comment=comment,
                staff=staff if stage == "complete" else case.accepted_by,
                now=now,
            ),
            attempt=Attempt("rate", APPLICANT, APPLICANT, now),
        )

    def appeal(self, *, case_no: str, text: str, now: dt.datetime) -> Result:
        """The applicant's appeal of a 差评 found 不属实 (once). Raises `NotAllowed` when
        there is none to appeal, `BadInput` for a text that may not be kept."""
        return self.cases.decide(
            case_no,
            lambda case: appeal(self.cases.engine, case, text=text, now=now),
            attempt=Attempt("appeal", APPLICANT, APPLICANT, now),
        )

    def _completer(self, case_no: str) -> str | None:
        """Who completed the case (the actor of its last 办结), or None."""
        query = (
            select(AUDIT.c.actor)
            .where(AUDIT.c.case_no == case_no, AUDIT.c.to_state == "completed")
            .where(AUDIT.c.from_state != "completed")  # the step into 办结, not one after
            .where(~AUDIT.c.refused)
            .order_by(AUDIT.c.seq.desc())
            .limit(1)
        )
        with self.db.engine.connect() as conn:
            return conn.execute(query).scalar()

    def rating_of(self, case_no: str) -> dict[str, Any] | None:
        """The case's rating of 办结 and its label, or None when it has none."""
        return self.ratings_of(case_no).get("complete")

    def ratings_of(self, case_no: str) -> dict[str, dict[str, Any]]:
        """The case's ratings by stage: the level and its label."""
        query = select(RATINGS.c.stage, RATINGS.c.rating).where(RATINGS.c.case_no == case_no)
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {
            stage: {"rating": rating, "label": RATING_LABELS[rating], "stage_label": label}
            for stage, rating in rows
            if (label := RATING_STAGES.get(stage)) is not None
        }

    def by_item(
        self, region: str | None, office: str | None = None
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """Per (region, item): number of ratings, average, and counts by label (of one
        office's cases when ``office`` is given)."""
        query = select(
            RATINGS.c.region, RATINGS.c.item_key, RATINGS.c.rating, func.count()
        ).group_by(RATINGS.c.region, RATINGS.c.item_key, RATINGS.c.rating)
        if region is not None:
            query = query.where(RATINGS.c.region == region)
        if office is not None:
            query = query.where(RATINGS.c.office == office)
        out: dict[tuple[str, str], dict[str, Any]] = {}
        with self.db.engine.connect() as conn:
            for reg, item, rating, count in conn.execute(query):
                entry = out.setdefault((reg, item), {"count": 0, "sum": 0, "by_label": {}})
                entry["count"] += count
                entry["sum"] += rating * count
                entry["by_label"][RATING_LABELS[rating]] = count
        for entry in out.values():
            entry["average"] = round(entry.pop("sum") / entry["count"], 2)
        return out

    def by_staff(
        self,
        *,
        region: str | None,
        office: str | None,
        start: dt.date,
        end: dt.date,
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(region, member of staff) → (ratings, 差评 among them) given from ``start`` to
        ``end`` (Beijing days), in one GROUP BY."""
        bad = func.sum(case((RATINGS.c.rating <= BAD_AT_MOST, 1), else_=0))
        query = (
            select(RATINGS.c.region, RATINGS.c.staff, func.count(), bad)
            .where(
                RATINGS.c.at >= _beijing_midnight(start),
                RATINGS.c.at < _beijing_midnight(end + dt.timedelta(days=1)),
            )
            .group_by(RATINGS.c.region, RATINGS.c.staff)
        )
        if region is not None:
            query = query.where(RATINGS.c.region == region)
        if office is not None:
            query = query.where(RATINGS.c.office == office)
        with self.db.engine.connect() as conn:
            return {(r, staff): (int(n), int(b or 0)) for r, staff, n, b in conn.execute(query)}

    def figures(
        self,
        *,
        region: str | None,
        office: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        staff: str | None = None,
    ) -> FeedbackFigures:
        """The 好差评 figures of the ratings given from ``start`` to ``end`` (Beijing days,
        inclusive), of a region, office or member of staff: see `FeedbackFigures`."""
        where = []
        if region is not None:
            where.append(RATINGS.c.region == region)
        if office is not None:
            where.append(RATINGS.c.office == office)
        if staff is not None:
            where.append(RATINGS.c.staff == staff)
        if start is not None:
            where.append(RATINGS.c.at >= _beijing_midnight(start))
        if end is not None:
            where.append(RATINGS.c.at < _beijing_midnight(end + dt.timedelta(days=1)))
        counted = select(func.count(), func.count().filter(RATINGS.c.rating <= BAD_AT_MOST))
        bad = (
            select(RATINGS.c.stage, CASES.c.data)
            .join(CASES, CASES.c.case_no == RATINGS.c.case_no)
            .where(RATINGS.c.rating <= BAD_AT_MOST)
        )
        if where:
            counted, bad = counted.where(and_(*where)), bad.where(and_(*where))
        with self.db.engine.connect() as conn:
            rated, bad_count = conn.execute(counted.select_from(RATINGS)).one()
            rows = conn.execute(bad).all()
        rectified = in_time = called = 0
        for stage, data in rows:
            feedback = feedback_from(json.loads(data).get("feedback") or {}, _time)
            item = next((r for r in feedback.rectifications if r.stage == stage), None)
            if item is None:
                continue
            answer = next((s for s in item.steps if s.name == "answer_rating"), None)
            if answer is not None:
                rectified += 1
                in_time += answer.in_time
            called += item.step("call_back") is not None
        return FeedbackFigures(int(rated), int(bad_count), rectified, in_time, called)


def _beijing_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=BEIJING).astimezone(dt.UTC)


def _time(value: str) -> dt.datetime:
    found = from_json_time(value)
    if found is None:
        raise ValueError("a feedback record without its time")
    return found

"""The applicants' ratings (好差评): one per completed case, and their counts per item."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from jingban.engine import checked_optional
from jingban.errors import Conflict
from jingban.storage.database import Database
from jingban.storage.models import CASES, RATINGS

__all__ = ["RATING_LABELS", "RatingStore"]

RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


class RatingStore:
    """The ratings of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def rate(
        self,
        *,
        case_no: str,
        region: str,
        item_key: str,
        rating: int,
        comment: str | None,
        now: dt.datetime,
    ) -> None:
        """Record the rating of a case; raises `Conflict` when the case was rated already,
        `BadInput` for a comment that may not be kept (`jingban.engine.checked_text`: a
        control character, a full identity or account number)."""
        comment = (comment or "").strip() or None
        checked_optional(comment, "评价意见", lines=True)
        try:
            with self.db.write() as conn:
                conn.execute(
                    insert(RATINGS).values(
                        case_no=case_no,
                        region=region,
                        item_key=item_key,
                        rating=rating,
                        comment=comment,
                        at=now,
                    )
                )
        except IntegrityError:
            raise Conflict("该办件已经评价过") from None

    def rating_of(self, case_no: str) -> dict[str, Any] | None:
        """The case's rating and its label, or None when it has none."""
        with self.db.engine.connect() as conn:
            row = conn.execute(select(RATINGS.c.rating).where(RATINGS.c.case_no == case_no)).first()
        return None if row is None else {"rating": row[0], "label": RATING_LABELS[row[0]]}

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
            query = query.where(
                RATINGS.c.case_no.in_(select(CASES.c.case_no).where(CASES.c.office == office))
            )
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

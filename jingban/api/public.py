"""The public progress query (办理进度查询) and the applicant's rating (好差评).

No login. A wrong code, an unknown case number and a malformed one get the same answer, so the
answers help nobody enumerate sequential numbers; a number whose check character fails is
told so at once (a typo, before any lookup). Failures are limited per case number (5 in 15
minutes) and per client address (20 in 15 minutes, whatever the numbers tried), both shared
by every server process through the database; requests are limited per client address too
(30 a minute, per process: a cheap guard against floods, checked before any lookup). Those
are the defaults of `jingban.settings`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from jingban.api.deps import NowDep, ServicesDep, accounts, client_address
from jingban.api.schemas import RatingIn
from jingban.engine import BadCaseNumber, Case, normalise_case_number, query_code_matches
from jingban.engine.case_number import CheckCharacterMismatch
from jingban.engine.present import public_progress
from jingban.errors import BadInput, Conflict, JingbanError, NotAllowed, NotFound
from jingban.services import Services
from jingban.settings import settings
from jingban.storage import Database
from jingban.storage.accounts import RateLimited
from jingban.storage.models import CaseRow, RatingRow

router = APIRouter(tags=["公众查询"])
RATINGS = RatingRow.__table__
RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
NOT_FOUND = "未找到该办件，或查询码不正确。请核对回执上的办件编号和查询码。"


class _ClientLimiter:
    """A sliding window of request times per client address (per process)."""

    def __init__(self) -> None:
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, client: str) -> None:
        """Count a request; raises `RateLimited` past the settings' requests per window."""
        config = settings()
        window = config.progress_window_seconds
        now = time.monotonic()
        with self._lock:
            seen = self._seen[client]
            while seen and seen[0] <= now - window:
                seen.popleft()
            if len(seen) >= config.progress_requests:
                raise RateLimited("查询过于频繁，请稍后再试", max(int(window), 1))
            seen.append(now)


_limiter = _ClientLimiter()


def _lookup(
    services: Services, request: Request, case_no: str, code: str, now: dt.datetime
) -> Case:
    """The case for a number and query code, or `NotFound` (the same for every failure)."""
    client = client_address(request)
    _limiter.hit(client)
    store = accounts(request)
    config = settings()
    client_failures, case_failures = config.progress_client_failures, config.progress_case_failures
    try:
        canonical = normalise_case_number(case_no)
    except CheckCharacterMismatch:
        raise  # a typo: say so before any lookup
    except BadCaseNumber:
        store.check_failures("progress-client", client, now, limit=client_failures)
        store.record_failure("progress-client", client, client, now)
        raise NotFound(NOT_FOUND) from None
    store.check_failures("progress-client", client, now, limit=client_failures)
    store.check_failures("progress", canonical, now, limit=case_failures)
    try:
        case, stored_hash = services.cases.get_with_query_hash(canonical)
    except NotFound:
        case, stored_hash = None, "0" * 64
    if not query_code_matches(code or "", stored_hash) or case is None:
        store.record_failure("progress", canonical, client, now)
        store.record_failure("progress-client", client, client, now)
        raise NotFound(NOT_FOUND)
    return case


@router.get("/api/public/progress", summary="办理进度查询 (办件编号 + 查询码)")
def progress(
    services: ServicesDep,
    request: Request,
    now: NowDep,
    case_no: Annotated[str, Query(max_length=40)],
    code: Annotated[str, Query(max_length=40)],
) -> dict[str, Any]:
    case = _lookup(services, request, case_no, code, now)
    item = services.engine.item_of(case)
    data = public_progress(
        case,
        services.cases.history(case.case_no),
        item.terms(case.channel, case.applicant_type).stages,
    )
    data["rating"] = _rating_of(services.db, case.case_no)
    data["can_rate"] = case.state == "completed" and data["rating"] is None
    return data


@router.post("/api/public/rating", status_code=201, summary="好差评 (办结后一次)")
def rate(body: RatingIn, services: ServicesDep, request: Request, now: NowDep) -> dict[str, Any]:
    case = _lookup(services, request, body.case_no, body.code, now)
    if case.state != "completed":
        raise NotAllowed("办结后才能评价")
    try:
        with services.db.write() as conn:
            conn.execute(
                insert(RATINGS).values(
                    case_no=case.case_no,
                    region=case.region,
                    item_key=case.item_key,
                    rating=body.rating,
                    comment=(body.comment or "").strip() or None,
                    at=now,
                )
            )
    except IntegrityError:
        raise Conflict("该办件已经评价过") from None
    return {"case_no": case.case_no, "rating": body.rating, "label": RATING_LABELS[body.rating]}


def _rating_of(db: Database, case_no: str) -> dict[str, Any] | None:
    with db.engine.connect() as conn:
        row = conn.execute(select(RATINGS.c.rating).where(RATINGS.c.case_no == case_no)).first()
    return None if row is None else {"rating": row[0], "label": RATING_LABELS[row[0]]}


def ratings_by_item(
    db: Database, region: str | None, office: str | None = None
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (region, item): number of ratings, average, and counts by label (of one office's
    cases when ``office`` is given)."""
    query = select(RATINGS.c.region, RATINGS.c.item_key, RATINGS.c.rating, func.count()).group_by(
        RATINGS.c.region, RATINGS.c.item_key, RATINGS.c.rating
    )
    if region is not None:
        query = query.where(RATINGS.c.region == region)
    if office is not None:
        cases = CaseRow.__table__
        query = query.where(
            RATINGS.c.case_no.in_(select(cases.c.case_no).where(cases.c.office == office))
        )
    out: dict[tuple[str, str], dict[str, Any]] = {}
    with db.engine.connect() as conn:
        for reg, item, rating, count in conn.execute(query):
            entry = out.setdefault((reg, item), {"count": 0, "sum": 0, "by_label": {}})
            entry["count"] += count
            entry["sum"] += rating * count
            entry["by_label"][RATING_LABELS[rating]] = count
    for entry in out.values():
        entry["average"] = round(entry.pop("sum") / entry["count"], 2)
    return out


_PAGE = Path(__file__).parent / "static" / "progress.html"


@router.get("/progress", response_class=HTMLResponse, include_in_schema=False)
def progress_page() -> HTMLResponse:
    """The phone-friendly progress page; it calls /api/public/progress."""
    return HTMLResponse(_PAGE.read_text("utf-8"))


__all__ = ["BadInput", "JingbanError", "ratings_by_item", "router"]

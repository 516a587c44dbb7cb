"""The public progress query (办理进度查询) and the applicant's rating (好差评).

No login. A wrong code, an unknown case number and a malformed one get the same answer, so the
answers help nobody enumerate sequential numbers; a number whose check character fails is
told so at once (a typo, before any lookup). The query is ``POST /api/public/progress`` with
the code in a JSON body; the older ``GET`` with the code in the query string still answers,
marked deprecated (its query string is masked in the access log, `jingban.server`).

Nobody can lock the applicant out by failing on their number: failures count per client
address (20 in 15 minutes over every number), per client address and case number (5 in 15
minutes), and per case number over every address (100 in an hour); past that last cap only
addresses that have not failed on the number within the hour may try it. A right code is
accepted unless the asking address itself is stopped. Failures are shared by every server
process through the database; requests are limited per client address too (30 a minute, per
process: a cheap guard against floods, checked before any lookup). Those are the defaults of
`jingban.settings`; `docs/public-query.md` gives the arithmetic.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingban.api.deps import NowDep, ServicesDep, accounts, client_address
from jingban.api.headers import page_policy
from jingban.api.schemas import AppealIn, ProgressIn, RatingIn
from jingban.engine import BadCaseNumber, Case, normalise_case_number, query_code_matches
from jingban.engine.case_number import CheckCharacterMismatch
from jingban.engine.feedback import RATING_LABELS, RATING_STAGES
from jingban.engine.present import public_progress
from jingban.engine.present_feedback import rate_stage
from jingban.errors import Conflict, NotFound, RateLimited
from jingban.services import Services
from jingban.settings import settings
from jingban.storage.accounts import AccountStore
from jingban.workflows.office_info import office_info

router = APIRouter(tags=["公众查询"])
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


_HOUR = dt.timedelta(hours=1)


def _check_limits(store: AccountStore, client: str, number: str, now: dt.datetime) -> None:
    """Raise `RateLimited` when ``client`` may not try ``number`` now (see the module
    docstring): only failures of ``client`` itself stop it, except that past the per-case
    hourly cap an address that failed on the number within the hour is stopped too."""
    config = settings()
    store.check_failures("progress-client", client, now, limit=config.progress_client_failures)
    store.check_failures(
        "progress", number, now, limit=config.progress_case_failures, client=client
    )
    if len(store.failure_times("progress", number, now - _HOUR)) >= (
        config.progress_case_hourly_failures
    ):
        store.check_failures("progress", number, now, limit=1, window=_HOUR, client=client)


def _lookup(
    services: Services, request: Request, case_no: str, code: str, now: dt.datetime
) -> Case:
    """The case for a number and query code, or `NotFound` (the same for every failure)."""
    client = client_address(request)
    _limiter.hit(client)
    store = accounts(request)
    config = settings()
    try:
        canonical = normalise_case_number(case_no)
    except CheckCharacterMismatch:
        raise  # a typo: say so before any lookup
    except BadCaseNumber:
        store.check_failures("progress-client", client, now, limit=config.progress_client_failures)
        store.record_failure("progress-client", client, client, now)
        raise NotFound(NOT_FOUND) from None
    _check_limits(store, client, canonical, now)
    try:
        case, stored_hash = services.cases.get_with_query_hash(canonical)
    except NotFound:
        case, stored_hash = None, "0" * 64
    if not query_code_matches(code or "", stored_hash) or case is None:
        store.record_failure("progress", canonical, client, now)
        store.record_failure("progress-client", client, client, now)
        raise NotFound(NOT_FOUND)
    return case


def _progress(services: Services, case: Case, now: dt.datetime) -> dict[str, Any]:
    item = services.engine.item_of(case)
    data = public_progress(
        case,
        services.cases.history(case.case_no),
        item.terms(case.channel, case.applicant_type).stages,
        services.calendar(case.region, case.office),
        now,
    )
    data["contacts"] = office_info(case.region, case.office, item).public()
    stored = services.ratings.ratings_of(case.case_no)
    stage = rate_stage(case, stored)
    data["ratings"] = stored
    data["rating"] = stored.get("complete")
    data["rate_stage"] = stage
    data["rate_stage_label"] = RATING_STAGES[stage] if stage else None
    data["can_rate"] = stage is not None
    return data


@router.post("/api/public/progress", summary="办理进度查询 (办件编号 + 查询码，JSON 请求体)")
def progress_post(
    body: ProgressIn, services: ServicesDep, request: Request, now: NowDep
) -> dict[str, Any]:
    return _progress(services, _lookup(services, request, body.case_no, body.code, now), now)


# RFC 9745: the GET is deprecated since 2026-12-01T00:00:00Z (the code travels in its URL).
DEPRECATION = "@1796083200"


@router.get(
    "/api/public/progress",
    summary="办理进度查询 (已弃用: 查询码在网址中，请改用 POST)",
    deprecated=True,
)
def progress(
    services: ServicesDep,
    request: Request,
    response: Response,
    now: NowDep,
    case_no: Annotated[str, Query(max_length=40)],
    code: Annotated[str, Query(max_length=40)],
) -> dict[str, Any]:
    """The same answer as the POST; kept for old links and scripts, with a ``Deprecation``
    header."""
    response.headers["Deprecation"] = DEPRECATION
    return _progress(services, _lookup(services, request, case_no, code, now), now)


@router.post("/api/public/rating", status_code=201, summary="好差评 (受理后、办结后各一次)")
def rate(body: RatingIn, services: ServicesDep, request: Request, now: NowDep) -> dict[str, Any]:
    case = _lookup(services, request, body.case_no, body.code, now)
    if body.stage in services.ratings.ratings_of(case.case_no):
        raise Conflict(f"该办件的{RATING_STAGES.get(body.stage, body.stage)}环节已经评价过")
    services.ratings.rate(
        case_no=case.case_no, stage=body.stage, rating=body.rating, comment=body.comment, now=now
    )
    return {
        "case_no": case.case_no,
        "stage": body.stage,
        "rating": body.rating,
        "label": RATING_LABELS[body.rating],
    }


@router.post("/api/public/appeal", status_code=201, summary="差评申诉 (核实为不属实并答复后一次)")
def appeal(body: AppealIn, services: ServicesDep, request: Request, now: NowDep) -> dict[str, Any]:
    case = _lookup(services, request, body.case_no, body.code, now)
    result = services.ratings.appeal(case_no=case.case_no, text=body.text, now=now)
    return {"case_no": case.case_no, "due_date": str(result.event.payload["due_at"])[:10]}


_PAGE = Path(__file__).parent / "static" / "progress.html"


@router.get("/progress", response_class=HTMLResponse, include_in_schema=False)
def progress_page() -> HTMLResponse:
    """The phone-friendly progress page; it calls /api/public/progress."""
    html = _PAGE.read_text("utf-8")
    return HTMLResponse(html, headers={"Content-Security-Policy": page_policy(html)})


__all__ = ["router"]

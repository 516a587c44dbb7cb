"""Lists downloaded as Excel workbooks (`jingban.xlsx`): the work queue as filtered on the
page (``/work/download``, every matching case, not one page) and the board's overdue cases
(``/board/download``) — the same cases the pages list, titled with the office and the day."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from jingban.calendar import BEIJING
from jingban.console import queries
from jingban.console.routes_work import queue_filter, queue_filters
from jingban.console.web import ConsoleRoute, UserDep, now_of, require_role, services_of
from jingban.engine.present import case_summary
from jingban.office_reports import place_name
from jingban.services import Services
from jingban.storage.accounts import User
from jingban.storage.case_search import CaseFilter, Page
from jingban.xlsx import CASE_COLUMNS, CONTENT_TYPE, sheet

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Text = Annotated[str | None, Query(max_length=100)]
LIMIT = 10_000
"""The most cases one download holds."""


def _workbook(
    request: Request, services: Services, user: User, found: CaseFilter, what: str, slug: str
) -> Response:
    now = now_of(request)
    cases, total = services.cases.export(found, Page.parse(1, 1, "due"), now=now, limit=LIMIT)
    place = place_name(user.region, user.office)
    more = f"，仅含最急的 {LIMIT} 件" if total > LIMIT else ""
    today = now.astimezone(BEIJING).date()
    data = sheet(
        title=f"{place} {what} (共 {total} 件{more})",
        columns=CASE_COLUMNS,
        rows=[case_summary(c) for c in cases],
        end=today,
        name=what,
    )
    return Response(
        data,
        media_type=CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{slug}-{today}.xlsx"'},
    )


@router.get("/work/download")
def work_download(
    request: Request,
    user: UserDep,
    scope: Text = None,
    state: Text = None,
    item: Text = None,
    level: Text = None,
    assignee: Text = None,
    received_from: Text = None,
    received_to: Text = None,
    q: Text = None,
) -> Response:
    """The work queue as the page filters it, most urgent first."""
    require_role(user, "clerk", "reviewer", "payer", "supervisor")
    services = services_of(request)
    filters = queue_filters(
        user, scope, state, item, level, assignee, received_from, received_to, q
    )
    _, narrowed = queue_filter(services, user, filters)
    what = "我的待办" if filters["scope"] == "mine" else "在办件清单"
    return _workbook(request, services, user, narrowed, what, "work")


@router.get("/board/download")
def board_download(request: Request, user: UserDep) -> Response:
    """The board's overdue cases, most urgent first."""
    require_role(user, "supervisor", "admin")
    services = services_of(request)
    found = dataclasses.replace(queries.visible(user, open_only=True), overdue=True)
    return _workbook(request, services, user, found, "超期办件清单", "overdue")

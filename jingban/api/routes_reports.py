"""The office reports (`jingban.office_reports`): ``GET /api/reports/summary``, ``items``,
``staff`` and ``trend``, as JSON or, with ``format=xlsx``, an Excel workbook."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from jingban.api.deps import NowDep, ServicesDep, UserDep
from jingban.api.downloads import XLSX_RESPONSES, FormatQuery, report_scope, workbook_response
from jingban.api.routes_misc import RegionQuery
from jingban.calendar import BEIJING

router = APIRouter(tags=["报表"])

KIND_SUMMARIES = {
    "summary": "办件情况汇总 (各经办机构；含好差评、督办、稽核)",
    "items": "分事项办件情况",
    "staff": "工作人员办件情况",
    "trend": "月度办件趋势",
}


def _report(
    kind: str,
    services: ServicesDep,
    user: UserDep,
    now: NowDep,
    region: str | None,
    office: str | None,
    start: dt.date | None,
    end: dt.date | None,
    period: str | None,
    format: str,
) -> Any:
    from jingban.office_reports import Period, build

    region, office = report_scope(user, region, office)
    chosen = Period.chosen(start, end, period, now.astimezone(BEIJING).date())
    report = build(services, kind, chosen, now, region=region, office=office)
    if format == "xlsx":
        return workbook_response(report.workbook(), f"{kind}-{chosen.start}-{chosen.end}.xlsx")
    return report.as_json()


def _route(kind: str) -> None:
    def endpoint(
        services: ServicesDep,
        user: UserDep,
        now: NowDep,
        region: RegionQuery = None,
        office: Annotated[str | None, Query(max_length=100, description="经办机构")] = None,
        start: Annotated[dt.date | None, Query(alias="from", description="统计期间起")] = None,
        end: Annotated[dt.date | None, Query(alias="to", description="统计期间止")] = None,
        period: Annotated[
            Literal["month", "quarter", "year"] | None,
            Query(description="本月 month、本季 quarter、本年 year (缺省本月)"),
        ] = None,
        format: FormatQuery = "json",
    ) -> Any:
        return _report(kind, services, user, now, region, office, start, end, period, format)

    endpoint.__name__ = f"report_{kind}"
    router.add_api_route(
        f"/api/reports/{kind}",
        endpoint,
        methods=["GET"],
        summary=f"{KIND_SUMMARIES[kind]}；format=xlsx 下载 Excel",
        responses=XLSX_RESPONSES,
    )


for _kind in KIND_SUMMARIES:
    _route(_kind)

"""统计报表: the office reports (`jingban.office_reports`) for supervisors and
administrators — a period chosen (本月, 本季, 本年 or from/to), the report table, the
好差评/督办/稽核 figures, three charts drawn server-side (`jingban.console.charts`: the
monthly trend over the twelve months to the period's end, the on-time rate per item,
the workload per member of staff), and every report downloadable as Excel.

Staff of an office see their office's figures, of a region their region's; an
administrator may choose the region.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from jingban.calendar import BEIJING, region_keys, region_profile
from jingban.console import charts
from jingban.console.web import ConsoleRoute, UserDep, now_of, render, require_role, services_of
from jingban.errors import BadInput
from jingban.office_reports import KINDS, LABELS, PERIODS, Period, Report, build
from jingban.storage.accounts import User
from jingban.xlsx import CONTENT_TYPE

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

TextQuery = Annotated[str | None, Query(max_length=20)]


def _date(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{name}: 日期应为 YYYY-MM-DD，收到 {text!r}") from None


def _choice(
    user: User,
    kind: str | None,
    region: str | None,
    period: str | None,
    start: str | None,
    end: str | None,
    now: dt.datetime,
) -> tuple[str, str | None, Period, str | None]:
    """The report kind, region, period and period name the page shows (errors as `BadInput`)."""
    kind = kind or "summary"
    if kind not in KINDS:
        raise BadInput(f"报表 {kind!r} 不认识")
    if period is not None and period not in PERIODS:
        raise BadInput(f"统计期间 {period!r} 不认识")
    # A period button wins over the dates the form also sends (those of the period shown).
    first, last = (None, None) if period else (_date(start, "起始日期"), _date(end, "截止日期"))
    if first is None and last is None and period is None:
        period = "month"
    chosen = Period.chosen(first, last, period, now.astimezone(BEIJING).date())
    if user.region is not None:
        region = user.region
    elif region:
        region_profile(region)
    return kind, region or None, chosen, period


def _twelve_months(period: Period) -> Period:
    end = period.end
    first = dt.date(end.year - (1 if end.month < 12 else 0), end.month % 12 + 1, 1)
    return Period(first, end)


def _charts(report_of: Any, period: Period) -> dict[str, Any]:
    trend: Report = report_of("trend", _twelve_months(period))
    items: Report = report_of("items", period)
    staff: Report = report_of("staff", period)
    return {
        "by_month": charts.trend(
            "月度趋势 (近十二个月)",
            [
                charts.Month(r["month"][2:], r["received"], r["completed"], r["on_time_rate"])
                for r in trend.rows
            ],
        ),
        "by_item": charts.bars(
            "按时办结率 (按事项)",
            [(r["item_name"], r["on_time_rate"]) for r in items.rows if r["completed"]],
            percent=True,
        ),
        "by_staff": charts.bars(
            "工作量 (受理与办结件数，按工作人员)",
            [(r["staff_name"], r["accepted"] + r["completed"]) for r in staff.rows],
        ),
    }


@router.get("/reports")
def reports_page(
    request: Request,
    user: UserDep,
    kind: TextQuery = None,
    region: TextQuery = None,
    period: TextQuery = None,
    start: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=20)] = None,
) -> Response:
    """The report page (read only)."""
    require_role(user, "supervisor", "admin")
    services, now = services_of(request), now_of(request)
    kind, region, chosen, named = _choice(user, kind, region, period, start, end, now)

    def report_of(which: str, span: Period) -> Report:
        return build(services, which, span, now, region=region, office=user.office)

    report = report_of(kind, chosen)
    query = {"kind": kind, "from": chosen.start.isoformat(), "to": chosen.end.isoformat()}
    if region:
        query["region"] = region
    context = {
        "report": report,
        "kinds": KINDS,
        "kind": kind,
        "periods": PERIODS,
        "period": named,
        "period_range": chosen,
        "regions": [(k, region_profile(k).name) for k in region_keys()]
        if user.region is None
        else [],
        "region": region,
        "query": query,
        "charts": _charts(report_of, chosen),
        "labels": LABELS,
    }
    return render(request, "reports.html", context, active="reports")


@router.get("/reports/download")
def download(
    request: Request,
    user: UserDep,
    kind: TextQuery = None,
    region: TextQuery = None,
    period: TextQuery = None,
    start: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=20)] = None,
) -> Response:
    """The report as an Excel workbook."""
    require_role(user, "supervisor", "admin")
    services, now = services_of(request), now_of(request)
    kind, region, chosen, _ = _choice(user, kind, region, period, start, end, now)
    report = build(services, kind, chosen, now, region=region, office=user.office)
    return Response(
        report.workbook(),
        media_type=CONTENT_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{kind}-{chosen.start}-{chosen.end}.xlsx"'
        },
    )

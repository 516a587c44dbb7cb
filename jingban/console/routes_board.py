"""监督看板: what a supervisor watches — red/orange/yellow counts per item and office, the
overdue list with reassignment, the on-time rate per item, and alerts waiting to be sent.

Viewing the board only reads: its counts are one GROUP BY over every open case the
supervisor sees, with card colours computed as of the app's clock by the scan's own rules,
and it shows when the last deadline scan ran. The "立即扫描" button (POST) runs a scan and
queues the deliveries of the alerts it raises, as the scheduler does.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from jingban.console import listing, queries
from jingban.console.views import LEVEL_NAMES, LEVEL_TITLES, queue_row
from jingban.console.web import (
    ConsoleRoute,
    PostDep,
    UserDep,
    accounts_of,
    now_of,
    render,
    require_role,
    see_other,
    services_of,
)
from jingban.engine.levels import ALERT_LEVELS
from jingban.engine.roles import ROLE_LABELS
from jingban.services import Services
from jingban.storage.accounts import User
from jingban.storage.alerts import last_scan
from jingban.storage.case_search import Counts
from jingban.storage.scan import ScanResult

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
COUNTED = ALERT_LEVELS


def run_scan(services: Services, request: Request) -> ScanResult:
    """One deadline scan as of now, with the deliveries of its new alerts queued."""
    return services.scan_deadlines(now_of(request), node="console")


def _grid(counts: Counts, names: dict[str, str]) -> list[dict[str, Any]]:
    """The (office, item) cells that have a counted colour, most red first."""
    cells = [
        {"office": office, "item_name": names.get(item, item), **levels}
        for (office, item), levels in counts.grid.items()
        if any(levels.get(lvl) for lvl in COUNTED)
    ]
    return sorted(
        cells,
        key=lambda g: (-g["red"], -g["orange"], -g["yellow"], g["office"] or "", g["item_name"]),
    )


def _deliveries(services: Services, user: User) -> list[dict[str, Any]]:
    routes = {r.id: r for r in services.routes.routes(user.region)}
    pending = []
    for d in services.deliveries.deliveries(status="pending"):
        if user.region is not None and d["region"] != user.region:
            continue
        route = routes.get(d["route_id"])
        if (
            route is not None
            and user.office is not None
            and route.office not in (None, user.office)
        ):
            continue
        d["route_name"] = f"{route.name} ({route.kind})" if route else str(d["route_id"])
        pending.append(d)
    return pending


def exchange_backlog(services: Services, user: User, now: dt.datetime) -> dict[str, Any]:
    """The platform events of the user's region waiting to be sent, and the oldest's age."""
    backlog = services.exchange.backlog(region=user.region)
    age = backlog.oldest_age(now)
    return {"pending": backlog.pending, "failed": backlog.failed, "oldest_age": waited(age)}


def waited(age: dt.timedelta | None) -> str | None:
    """A wait as the board shows it: 3 天 4 小时, 2 小时 5 分钟, 7 分钟 (None: no wait)."""
    if age is None:
        return None
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时"
    return f"{hours} 小时 {mins} 分钟" if hours else f"{mins} 分钟"


@router.get("/board")
def board(
    request: Request,
    user: UserDep,
    page: Annotated[str | None, Query(max_length=10)] = None,
    page_size: Annotated[str | None, Query(max_length=10)] = None,
    sort: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The supervisor board as of now, read only (no scan; the last scan's time shown); its
    overdue list pages and sorts by any of its columns (most urgent first by default)."""
    require_role(user, "supervisor", "admin")
    services, now = services_of(request), now_of(request)
    names = listing.item_names(services)
    counts = services.cases.counts(queries.visible(user, open_only=True), now=now)
    chosen = listing.page_of({"page": page, "page_size": page_size, "sort": sort})
    found = services.cases.search(
        queries.visible(user, open_only=True, overdue=True), chosen, now=now
    )
    overdue = [queue_row(c, services.calendar(c.region, c.office), now) for c in found.cases]
    by_no = {c.case_no: c for c in found.cases}
    staff = queries.staff_lists(services, accounts_of(request).users(), found.cases)
    for row in overdue:
        case = by_no[row["case_no"]]
        row["staff"] = [
            (u.username, f"{u.display_name} ({ROLE_LABELS[u.role]})")
            for u in staff[case.case_no]
            if u.username != case.assignee
        ]
        row["version"] = case.version
    report = services.reports.on_time(region=user.region)
    supervisions = services.followups.waiting("supervision", user.region, user.office)
    ratings = services.ratings.by_item(user.region)
    rates = [
        {
            "item_name": r.item_name,
            "region": r.region,
            "completed": r.completed,
            "late": r.late,
            "extended": r.extended,
            "rate": r.on_time_rate,
            "promised_rate": r.promised_rate,
            "rating": ratings.get((r.region, r.item_key)),
        }
        for r in sorted(report, key=lambda r: (r.on_time_rate or 0, r.item_name))
    ]
    context = {
        "grid": _grid(counts, names),
        "totals": {lvl: counts.by_card.get(lvl, 0) for lvl in COUNTED},
        "open_total": counts.total,
        "overdue": overdue,
        "overdue_total": found.total,
        "paging": listing.pager("/board", {}, chosen, found.total),
        "last_scan": last_scan(services.db),
        "rates": rates,
        "deliveries": _deliveries(services, user),
        "followup_cards": [
            c
            for c in services.followups.cards(user.region)
            if user.office is None or c.office == user.office
        ],
        "supervisions": supervisions,
        "feedback": services.ratings.figures(region=user.region, office=user.office),
        "supervisions_overdue": sum(1 for o in supervisions if o.due_at < now),
        "exchange": exchange_backlog(services, user, now),
        "level_names": LEVEL_NAMES,
        "level_titles": LEVEL_TITLES,
        "counted": COUNTED,
        "can_act": user.role == "supervisor",
        "show_office": user.office is None,
    }
    return render(request, "board.html", context, active="board")


@router.post("/board/scan")
def scan_now(request: Request, post: PostDep) -> Response:
    """立即扫描: run a scan now and show the board."""
    require_role(post.user, "supervisor", "admin")
    result = run_scan(services_of(request), request)
    return see_other("/board", f"扫描完成: 新预警 {len(result.alerts)} 条")

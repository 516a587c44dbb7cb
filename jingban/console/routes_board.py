"""监督看板: what a supervisor watches — red/orange/yellow counts per item and office, the
overdue list with reassignment, the on-time rate per item, and alerts waiting to be sent.

Rendering the board runs a deadline scan as of the app's clock (and queues the deliveries of
the alerts it raises, as the scheduler does), so the board is never behind the clock.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request, Response

from jingban.console import queries
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
from jingban.storage.scan import ScanResult

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
COUNTED = ALERT_LEVELS


def run_scan(services: Services, request: Request) -> ScanResult:
    """One deadline scan as of now, with the deliveries of its new alerts queued."""
    return services.scan_deadlines(now_of(request), node="console")


def _grid(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    for row in rows:
        if row["level"] in COUNTED:
            counts[(row["office"] or "", row["item_name"])][row["level"]] += 1
    return [
        {"office": office, "item_name": item, **levels}
        for (office, item), levels in sorted(
            counts.items(), key=lambda kv: (-kv[1]["red"], -kv[1]["orange"], kv[0])
        )
    ]


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


@router.get("/board")
def board(request: Request, user: UserDep) -> Response:
    """The supervisor board, after a scan as of now."""
    require_role(user, "supervisor", "admin")
    services, now = services_of(request), now_of(request)
    result = run_scan(services, request)
    cases = queries.open_cases(services, user, limit=2000)
    rows = [queue_row(c, services.calendar(c.region, c.office), now) for c in cases]
    by_no = {c.case_no: c for c in cases}
    users = accounts_of(request).users()
    overdue = sorted(
        (r for r in rows if r["due"] is not None and r["due"].passed and not r["paused"]),
        key=lambda r: r["sort_key"],
    )
    for row in overdue:
        case = by_no[row["case_no"]]
        row["staff"] = [
            (u.username, f"{u.display_name} ({ROLE_LABELS[u.role]})")
            for u in queries.staff_for(services, users, case)
            if u.username != case.assignee
        ]
        row["version"] = case.version
    report = services.reports.on_time(region=user.region)
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
        "grid": _grid(rows),
        "totals": {lvl: sum(1 for r in rows if r["level"] == lvl) for lvl in COUNTED},
        "overdue": overdue,
        "rates": rates,
        "deliveries": _deliveries(services, user),
        "scan": result,
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

"""日历: the year view of a region's working days, its local closures, and the import of next
year's holiday notice. Supervisors may look and register closure days of their own office;
administrators change anything (closures of the whole region or of any office, notices).
Every change recomputes the dues of the open cases it touches (recorded in their audit
trails)."""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from jingban.calendar import (
    BEIJING,
    WorkCalendar,
    parse_notice,
    region_keys,
    region_profile,
)
from jingban.calendar.workcalendar import DayInfo
from jingban.console.web import (
    ConsoleRoute,
    PostDep,
    Posted,
    UserDep,
    now_of,
    render,
    require_role,
    see_other,
    services_of,
)
from jingban.errors import BadInput, JingbanError
from jingban.services import Services
from jingban.storage.accounts import User
from jingban.storage.calendar_changes import changes
from jingban.storage.calendar_store import Closure, check_closure_scope

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
KIND_LABELS = {
    "workday": "工作日",
    "weekend": "周末",
    "off": "放假",
    "work": "调休上班",
    "regional": "地方节日",
    "cancelled": "取消调休",
    "closed": "闭馆",
}
MARKS = {"off": "休", "work": "班", "regional": "节", "closed": "闭", "cancelled": "休"}
MAX_NOTICE_BYTES = 200_000


def _region(user: User, wanted: str | None) -> str:
    """The region asked for (``wanted``; the user's own, else 四川, when none is given).
    Raises `BadInput` (400) for a region the product does not know: a closure or a view
    is never applied to a region other than the one named."""
    wanted = (wanted or "").strip() or None
    if wanted is not None and wanted not in region_keys():
        raise BadInput(f"未知的地区 {wanted[:32]!r}；可用: {'、'.join(region_keys())}")
    if user.region is not None:
        return user.region
    return wanted or "sichuan"


def _cell(info: DayInfo) -> dict[str, Any]:
    label = KIND_LABELS.get(info.kind, info.kind)
    title = f"{info.day.isoformat()} {label}{(' ' + info.name) if info.name else ''}"
    return {
        "day": info.day.day,
        "kind": info.kind,
        "working": info.working,
        "mark": MARKS.get(info.kind, ""),
        "title": title,
    }


def year_view(cal: WorkCalendar, year: int) -> list[dict[str, Any]]:
    """Twelve month grids (weeks from Monday) of day cells, with each month's working days."""
    months = []
    for month in range(1, 13):
        weeks = []
        working = 0
        for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[dict[str, Any] | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                info = cal.describe(day)
                working += info.working
                row.append(_cell(info))
            weeks.append(row)
        months.append({"month": month, "weeks": weeks, "working": working})
    return months


def _deviations(cal: WorkCalendar, year: int) -> list[dict[str, Any]]:
    out = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        info = cal.describe(day)
        plain_weekend = info.kind in ("weekend", "off") and day.weekday() >= 5 and not info.name
        if info.kind != "workday" and not plain_weekend and info.kind != "weekend":
            out.append(
                {
                    "day": day,
                    "weekday": "一二三四五六日"[day.weekday()],
                    "label": KIND_LABELS.get(info.kind, info.kind),
                    "name": info.name,
                }
            )
        day += dt.timedelta(days=1)
    return out


@router.get("/calendar")
def calendar_page(
    request: Request,
    user: UserDep,
    region: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[int | None, Query(ge=2015, le=2045)] = None,
) -> Response:
    """The region's year of working days, its closures and the notices imported."""
    require_role(user, "supervisor", "admin")
    services, now = services_of(request), now_of(request)
    key = _region(user, region)
    shown = year or now.astimezone(BEIJING).year
    own = user.office if user.role == "supervisor" else None
    cal = services.calendar(key, own)
    months = year_view(cal, shown)
    context = {
        "region": region_profile(key),
        "regions": [(k, region_profile(k).name) for k in region_keys()]
        if user.region is None
        else [],
        "year": shown,
        "months": months,
        "total": sum(m["working"] for m in months),
        "provisional": cal.is_provisional(dt.date(shown, 1, 1)),
        "deviations": _deviations(cal, shown),
        "closures": _closures(services, user, key, own, shown),
        "notices": services.calendar_store.notices(),
        "recalculating": changes(services.db, pending_only=True),
        "overrides": [
            {
                "at": c.at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
                "actor": c.actor,
                "detail": c.detail,
                "reason": c.reason,
            }
            for c in changes(services.db)
            if c.kind == "override"
        ],
        "kind_labels": KIND_LABELS,
        "can_edit": user.role == "admin",
        "can_close": user.role == "admin" or own is not None,
        "own_office": own,
        "offices": _offices(services, key),
    }
    return render(request, "calendar.html", context, active="calendar")


def _finish(services: Services, now: dt.datetime) -> list[str]:
    """Finish the recalculation the change just recorded owes the open cases (and any an
    interrupted process left); the case numbers whose dues moved."""
    return [n for f in services.finish_calendar_changes(now) for n in f.changed]


def _may_change(user: User, closure: Closure) -> bool:
    try:
        check_closure_scope(user, closure.region, closure.office)
    except JingbanError:
        return False
    return True


def _closures(
    services: Services, user: User, region: str, own: str | None, year: int
) -> list[dict[str, Any]]:
    """The closures shown (from last year on): a supervisor sees the region's and their
    office's; each says whether this user may remove it."""
    found = services.calendar_store.closures(region, office=own)
    return [
        {
            "day": c.day,
            "reason": c.reason,
            "created_by": c.created_by,
            "office": c.office,
            "editable": _may_change(user, c),
        }
        for c in found
        if c.day.year >= year - 1
    ]


def _offices(services: Services, region: str) -> list[str]:
    """Offices known in ``region`` (of its staff and its closures), for the office field."""
    names = {u.office for u in services.accounts.users() if u.region == region and u.office}
    names |= {c.office for c in services.calendar_store.closures(region) if c.office}
    return sorted(names)


def _back(region: str, year: int | str | None) -> str:
    return f"/calendar?region={region}" + (f"&year={year}" if year else "")


@router.post("/calendar/closures")
def add_closure(request: Request, post: PostDep) -> Response:
    """Close a region's offices on a day, or one office's (``office``), or reopen (with
    ``remove``), then recompute the dues of the open cases there. Administrators may do it
    for the whole region or any office, a supervisor for their own office only (403)."""
    require_role(post.user, "supervisor", "admin")
    services, now = services_of(request), now_of(request)
    wanted = post.text("region")
    key = _region(post.user, wanted)
    office = post.text("office") or None
    check_closure_scope(post.user, wanted or key, office)
    try:
        day = dt.date.fromisoformat(post.text("day"))
    except ValueError:
        raise BadInput(f"日期格式不正确: {post.text('day')!r} (应为 YYYY-MM-DD)") from None
    reason = post.text("reason")
    where = f"{office} " if office else ""
    if post.text("remove"):
        services.calendar_store.reopen(key, day, office=office, actor=post.user.username, now=now)
        what = f"已取消 {where}{day} 闭馆"
    else:
        services.calendar_store.close(
            key, day, reason, actor=post.user.username, now=now, office=office
        )
        what = f"已登记 {where}{day} 闭馆: {reason}"
    changed = _finish(services, now)
    return see_other(_back(key, day.year), f"{what}；重新计算了 {len(changed)} 件在办办件的时限")


@router.post("/calendar/notices")
async def import_notice(request: Request, post: PostDep) -> Response:
    """Import a holiday notice (TOML, pasted or uploaded), then recompute open cases' dues."""
    require_role(post.user, "admin")
    upload = post.form.get("file")
    text = post.text("content")
    name = "粘贴的通知"
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_NOTICE_BYTES + 1)
        if len(raw) > MAX_NOTICE_BYTES:
            raise BadInput("文件过大")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(f"{upload.filename}: 不是 UTF-8 文本") from None
        name = upload.filename
    if not text.strip():
        raise BadInput("请粘贴通知内容或选择文件")
    return await run_in_threadpool(_install, request, post, text, name)


def _install(request: Request, post: Posted, text: str, name: str) -> Response:
    services, now = services_of(request), now_of(request)
    try:
        notice = parse_notice(text, name)
        replaced = services.calendar_store.install_notice(
            notice,
            replace=bool(post.text("replace")),
            actor=post.user.username,
            now=now,
            source=(name, text),
            reason=post.text("reason"),
            force_official_override=bool(post.text("force_official_override")),
        )
    except JingbanError as exc:
        return render(
            request,
            "error.html",
            {"title": "导入失败", "message": exc.message, "back": "/calendar"},
            status=400,
        )
    changed = _finish(services, now)
    verb = "替换" if replaced else "导入"
    return see_other(
        _back(_region(post.user, post.text("region")), notice.year),
        f"已{verb} {notice.year} 年 {notice.title}: 放假 {len(notice.off)} 天，"
        f"调休上班 {len(notice.work)} 天；重新计算了 {len(changed)} 件在办办件的时限",
    )

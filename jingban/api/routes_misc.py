"""Sign-in, the item catalog, alerts, the on-time report and the calendar."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from jingban.api.deps import NowDep, ServicesDep, UserDep, accounts, bearer, client_address
from jingban.api.downloads import XLSX_RESPONSES, FormatQuery, report_scope, workbook_response
from jingban.api.schemas import (
    DUE_FIRST_YEAR,
    DUE_LAST_YEAR,
    DUE_MAX_N,
    DUE_START_PATTERN,
    TokenIn,
    TokenOut,
    region_enum,
)
from jingban.calendar import BEIJING, UNITS, region_profile
from jingban.errors import AuthenticationFailed, BadInput, Forbidden, NotFound
from jingban.services import Services
from jingban.storage.accounts import AccountStore, User
from jingban.storage.scan import LEVELS, alert_json
from jingban.workflows import UnknownItem, compile_item
from jingban.workflows.export import item_detail, item_summary

router = APIRouter()

RegionQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=32, description="地区键", json_schema_extra=region_enum),
]


@router.post(
    "/api/auth/token",
    response_model=TokenOut,
    tags=["登录"],
    summary="用户名和密码换取令牌 (登录失败过多时 429，Retry-After 给出等待秒数)",
    description=(
        "须先修改初始密码或被重置的密码的账号得到 403，错误码 password_change_required。"
        "同一账号从同一地址失败 5 次，该地址暂停登录此账号 15 分钟；账号失败 3 次后，"
        "从未登录过的地址每次尝试须等待逐次加倍的时间 (最长 60 秒)；同一地址失败 20 次"
        "暂停该地址。管理员可用 jingban user unlock 解除。"
    ),
)
def token(
    body: TokenIn, request: Request, now: NowDep, store: Annotated[AccountStore, Depends(accounts)]
) -> TokenOut:
    user, value, expires = store.authenticate(
        body.username, body.password, now=now, client=client_address(request), usable=True
    )
    return TokenOut(
        access_token=value,
        expires_at=expires.astimezone(BEIJING).isoformat(),
        username=user.username,
        role=user.role,
    )


def _revoke_presented(request: Request, credentials: HTTPAuthorizationCredentials | None) -> None:
    store = accounts(request)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed("需要登录 (Authorization: Bearer 令牌)")
    if not store.revoke(credentials.credentials):
        raise AuthenticationFailed("登录已失效，请重新登录")


_LOGOUT = (
    "撤销请求所带的令牌 (Authorization: Bearer)，所有服务进程立即生效；令牌无效或已失效时 401。"
)


@router.post(
    "/api/auth/logout",
    status_code=204,
    response_class=Response,
    tags=["登录"],
    summary="退出登录: 撤销当前令牌",
    description=_LOGOUT,
)
@router.delete(
    "/api/auth/token",
    status_code=204,
    response_class=Response,
    tags=["登录"],
    summary="撤销当前令牌 (同 POST /api/auth/logout)",
    description=_LOGOUT,
)
def logout(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Response:
    _revoke_presented(request, credentials)
    return Response(status_code=204)


@router.get("/api/me", tags=["登录"], summary="当前用户")
def me(user: UserDep) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "region": user.region,
        "office": user.office,
    }


def _region(services: Services, user: User, region: str | None) -> str:
    key = region or user.region or "sichuan"
    region_profile(key)
    services.catalog.region(key)
    return key


@router.get("/api/items", tags=["事项"], summary="地区的事项目录")
def items(services: ServicesDep, user: UserDep, region: RegionQuery = None) -> list[dict[str, Any]]:
    key = _region(services, user, region)
    return [item_summary(i) for i in services.catalog.region(key).items]


@router.get(
    "/api/items/{key}",
    tags=["事项"],
    summary="事项详情 (含 Mermaid 流程图)；地区没有这个事项时 404",
)
def item(
    key: str, services: ServicesDep, user: UserDep, region: RegionQuery = None
) -> dict[str, Any]:
    try:
        found = services.catalog.item(_region(services, user, region), key)
    except UnknownItem as exc:  # the path names no item: not found, with the close matches
        raise NotFound(exc.message) from None
    data = item_detail(found)
    data["mermaid"] = compile_item(found).mermaid()
    return data


@router.get(
    "/api/alerts",
    tags=["预警"],
    summary="预警 (本人所属地区/经办机构)；format=xlsx 下载 Excel",
    responses=XLSX_RESPONSES,
)
def alerts(
    services: ServicesDep,
    user: UserDep,
    now: NowDep,
    level: Annotated[str | None, Query(json_schema_extra={"enum": list(LEVELS)})] = None,
    region: RegionQuery = None,
    open: Annotated[bool, Query(description="只列未关闭的")] = True,
    format: FormatQuery = "json",
) -> Any:
    if level is not None and level not in LEVELS:
        raise BadInput(f"level: 未知级别 {level!r}")
    if region is not None:
        region_profile(region)  # an unknown region is refused, not an empty list
    if user.region is not None and region not in (None, user.region):
        raise Forbidden("只能查看本地区的预警")
    views = services.alerts.alerts(
        as_of=now,
        level=level,
        region=region or user.region,
        office=user.office,
        open_only=open,
    )
    rows = [alert_json(a) for a in views]
    if format == "xlsx":
        from jingban.engine.levels import DUE_KIND_LABELS
        from jingban.office_reports import place_name
        from jingban.xlsx import ALERT_COLUMNS, sheet

        for row in rows:
            row["due_kind_label"] = DUE_KIND_LABELS.get(row["due_kind"], row["due_kind"])
        place = place_name(region or user.region, user.office)
        today = now.astimezone(BEIJING).date()
        data = sheet(
            title=f"{place} 预警清单", columns=ALERT_COLUMNS, rows=rows, end=today, name="预警清单"
        )
        return workbook_response(data, f"alerts-{today}.xlsx")
    return rows


@router.get(
    "/api/reports/on-time",
    tags=["报表"],
    summary="按时办结率 (含好差评)；format=xlsx 下载 Excel",
    responses=XLSX_RESPONSES,
)
def on_time(
    services: ServicesDep,
    user: UserDep,
    region: RegionQuery = None,
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
    format: FormatQuery = "json",
) -> Any:
    region, _ = report_scope(user, region, None)
    rows = services.reports.on_time(region=region, start=start, end=end, office=user.office)
    if format == "xlsx":
        from jingban.xlsx import on_time_workbook

        place = user.office or (region_profile(region).name if region else "全部地区")
        data = on_time_workbook(rows, place=place, start=start, end=end)
        return workbook_response(data, "on-time.xlsx")
    ratings = services.ratings.by_item(region or user.region, user.office)
    return [
        {
            "region": r.region,
            "item_key": r.item_key,
            "item_name": r.item_name,
            "completed": r.completed,
            "within_promised": r.within_promised,
            "within_statutory": r.within_statutory,
            "late": r.late,
            "on_time_rate": r.on_time_rate,
            "promised_rate": r.promised_rate,
            "extended": r.extended,
            "extended_rate": r.extended_rate,
            "ratings": ratings.get((r.region, r.item_key), {}),
        }
        for r in rows
    ]


def _due_start(start: str) -> dt.date | dt.datetime:
    """The start ``GET /api/calendar/due`` counts from: exactly what `DUE_START_PATTERN`
    allows (a time without an offset is Beijing time). Raises `BadInput` for anything else."""
    try:
        value: dt.date | dt.datetime = (
            dt.date.fromisoformat(start) if len(start) == 10 else dt.datetime.fromisoformat(start)
        )
    except ValueError:
        raise BadInput(
            f"start: 无法识别的日期 {start!r} (应为 YYYY-MM-DD 或带时区的时间)"
        ) from None
    if re.fullmatch(DUE_START_PATTERN, start) is None:
        if DUE_FIRST_YEAR <= value.year <= DUE_LAST_YEAR:
            raise BadInput(f"start: 无法识别的日期 {start!r} (应为 YYYY-MM-DD 或带时区的时间)")
        raise BadInput(f"start: {start} 超出日历范围 ({DUE_FIRST_YEAR}–{DUE_LAST_YEAR} 年)")
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value


@router.get("/api/calendar/due", tags=["日历"], summary="计算截止日期")
def calendar_due(
    services: ServicesDep,
    user: UserDep,
    start: Annotated[
        str,
        Query(
            max_length=40,
            description="YYYY-MM-DD 或时间 (可带时区，不带为北京时间)，"
            f"{DUE_FIRST_YEAR}–{DUE_LAST_YEAR} 年",
            json_schema_extra={"pattern": DUE_START_PATTERN},
        ),
    ],
    n: Annotated[int, Query(ge=0, le=DUE_MAX_N)],
    unit: Annotated[str, Query(json_schema_extra={"enum": list(UNITS)})] = "working_days",
    region: RegionQuery = None,
) -> dict[str, Any]:
    if unit not in UNITS:
        raise BadInput(f"unit: 未知的时限单位 {unit!r}")
    key = region or user.region or "sichuan"
    region_profile(key)
    value = _due_start(start)
    due = services.calendar(key).due(value, n, unit)
    return {
        "start": start,
        "value": n,
        "unit": unit,
        "region": key,
        "counted_from": due.start.isoformat(),
        "due": due.date.isoformat(),
        "due_at": due.at.isoformat(),
        "provisional": due.provisional,
    }

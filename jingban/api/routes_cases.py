"""Cases: register, list, show, act."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response

from jingban.api.deps import NowDep, ServicesDep, UserDep, on_store
from jingban.api.downloads import XLSX_RESPONSES, workbook_response
from jingban.api.schemas import (
    CASE_NO_PATTERN,
    ID_NUMBER_PATTERN,
    ActionIn,
    BatchIn,
    CaseIn,
    IdentityIn,
)
from jingban.batch import BATCH_ACTIONS, act_each
from jingban.batch import Item as BatchItem
from jingban.calendar import BEIJING
from jingban.engine import ActionParams, BadCaseNumber, Case
from jingban.engine.levels import LEVEL_ORDER, LEVELS
from jingban.engine.present import case_detail, case_summary, event_dict
from jingban.errors import BadInput, Forbidden, NotFound
from jingban.services import Services
from jingban.storage.accounts import User
from jingban.storage.case_search import MAX_PAGE_SIZE, SORTS, CaseFilter, Page
from jingban.storage.search_text import checked_id_number, typed
from jingban.workflows import STATE_LABELS, UnknownItem
from jingban.workflows.actions import ACTIONS

router = APIRouter(prefix="/api/cases", tags=["办件"])
PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
"""The most cases a downloaded list (``format=xlsx``) holds."""

CaseNoPath = Annotated[
    str,
    Path(
        max_length=40,
        description="办件编号，如 KS-20261123-00042-8 (连字符可省，不分大小写)",
        json_schema_extra={"pattern": CASE_NO_PATTERN},
    ),
]


def _visible(services: Services, user: User, case_no: str) -> Case:
    """The case a path names, as `Services.visible_case` finds it; a number of the documented
    shape that is still wrong (region code, date, check character) names no case: `NotFound`,
    with the reason. A number of another shape stays `BadInput` (400)."""
    try:
        return services.visible_case(user, case_no)
    except BadCaseNumber as exc:
        raise _wrong_number(case_no, exc) from None


def _wrong_number(case_no: str, exc: BadCaseNumber) -> Exception:
    """What a malformed case number in a path answers: `NotFound` (with the reason) for one
    of the documented shape, the `BadCaseNumber` itself (400) for any other."""
    return NotFound(exc.message) if re.fullmatch(CASE_NO_PATTERN, case_no) else exc


@router.post(
    "",
    status_code=201,
    summary="登记办件 (查询码只返回这一次)；地区没有这个事项时 404",
)
@on_store
def open_case(body: CaseIn, services: ServicesDep, user: UserDep, now: NowDep) -> dict[str, Any]:
    if user.region is not None and body.region != user.region:
        raise Forbidden(f"您只能登记 {user.region} 地区的办件")
    try:
        opened = _open(body, services, user, now)
    except UnknownItem as exc:  # the body names no item of the region: not found
        raise NotFound(exc.message) from None
    return {"query_code": opened.query_code, **case_summary(opened.case)}


def _open(body: CaseIn, services: Services, user: User, now: dt.datetime) -> Any:
    return services.cases.open(
        now=now,
        region=body.region,
        item=body.item,
        applicant_name=body.applicant_name,
        applicant_id=body.applicant_id,
        applicant_id_type=body.applicant_id_type,
        applicant_type=body.applicant_type,
        channel=body.channel,
        received_at=body.received_at,
        materials=body.materials,
        all_materials=body.all_materials,
        cross_province=body.cross_province,
        phone=body.phone,
        sms_optout=body.sms_optout,
        actor=user.username,
        role=user.role,
        office=user.office,
        applicant_kind=body.applicant_kind,
        credit_code=body.credit_code,
        agent_name=body.agent_name,
        agent_id=body.agent_id,
        agent_id_type=body.agent_id_type,
    )


@router.get(
    "",
    summary="办件列表 (本人所属地区/经办机构)；分页、排序、筛选，total 为符合条件的总件数；"
    "format=xlsx 下载 Excel",
    responses=XLSX_RESPONSES,
)
def list_cases(
    services: ServicesDep,
    user: UserDep,
    now: NowDep,
    state: Annotated[
        str | None, Query(description="状态", json_schema_extra={"enum": list(STATE_LABELS)})
    ] = None,
    level: Annotated[
        str | None,
        Query(
            description="red、orange、yellow: 有未关闭的该级预警",
            json_schema_extra={"enum": list(LEVELS)},
        ),
    ] = None,
    item: Annotated[str | None, Query(description="事项编码")] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
    sort: Annotated[
        str,
        Query(
            max_length=20,
            description="排序: "
            + "、".join(SORTS)
            + "；前加 - 为倒序 (默认 -registered，最新在前)",
            json_schema_extra={"enum": [*SORTS, *(f"-{key}" for key in SORTS)]},
        ),
    ] = "-registered",
    q: Annotated[
        str | None, Query(max_length=100, description="查找: 姓名的一部分、完整证件号码或办件编号")
    ] = None,
    name: Annotated[str | None, Query(max_length=100, description="申请人姓名 (部分)")] = None,
    id_number: Annotated[
        str | None,
        Query(
            max_length=40,
            description="完整的证件号码 (按键控哈希匹配)；号码无效时无结果，notice 说明原因",
            json_schema_extra={"pattern": ID_NUMBER_PATTERN},
        ),
    ] = None,
    case_no: Annotated[str | None, Query(max_length=40, description="办件编号 (部分)")] = None,
    card: Annotated[
        str | None,
        Query(
            description="牌色 red、orange、yellow、green (按当前时间计算)",
            json_schema_extra={"enum": list(LEVEL_ORDER)},
        ),
    ] = None,
    office: Annotated[str | None, Query(max_length=100, description="经办机构 (精确)")] = None,
    assignee: Annotated[str | None, Query(max_length=100, description="承办人")] = None,
    received_from: Annotated[dt.date | None, Query(description="收件日期自 (北京时间，含)")] = None,
    received_to: Annotated[dt.date | None, Query(description="收件日期至 (北京时间，含)")] = None,
    open_only: Annotated[bool, Query(description="只列在办 (未办结) 的办件")] = False,
    format: Annotated[
        Literal["json", "xlsx"],
        Query(description=f"json (缺省) 或 xlsx: 下载全部符合条件的办件 (至多 {EXPORT_LIMIT} 件)"),
    ] = "json",
) -> Any:
    if state is not None and state not in STATE_LABELS:
        raise BadInput(f"state: 未知状态 {state!r}")
    if level is not None and level not in LEVELS:
        raise BadInput(f"level: 未知级别 {level!r}；可用: {'、'.join(LEVELS)}")
    if sort.removeprefix("-") not in SORTS:
        raise BadInput(f"sort: 未知的排序 {sort!r}；可用: {'、'.join(SORTS)}")
    if id_number is not None and re.fullmatch(ID_NUMBER_PATTERN, id_number):
        try:
            checked_id_number(id_number)
        except BadInput as exc:  # a whole number no document type accepts: no case has it
            return _no_cases(page, page_size, sort, f"id_number: {exc.message}")
    found = typed(q or "").narrow(
        CaseFilter(
            region=user.region,
            office=user.office,
            in_office=office,
            states=(state,) if state else (),
            item=item,
            open_alert=level,
            card=card,
            assignee=assignee,
            received_from=received_from,
            received_to=received_to,
            name=name,
            id_number=id_number,
            case_no=case_no,
            open_only=open_only,
        )
    )
    if format == "xlsx":
        return _download(services, user, found, sort, now)
    result = services.cases.search(found, Page.parse(page, page_size, sort), now=now)
    return {
        "page": page,
        "page_size": page_size,
        "has_more": page * page_size < result.total,
        "total": result.total,
        "pages": result.pages,
        "sort": result.page.sort_text,
        "cases": [case_summary(c) for c in result.cases],
    }


def _download(
    services: Services, user: User, found: CaseFilter, sort: str, now: dt.datetime
) -> Response:
    """Every case the list matches (at most `EXPORT_LIMIT`) as a workbook."""
    from jingban.office_reports import place_name
    from jingban.xlsx import CASE_COLUMNS, sheet

    cases, total = services.cases.export(found, Page.parse(1, 1, sort), now=now, limit=EXPORT_LIMIT)
    place = place_name(user.region, user.office)
    title = f"{place} 办件清单 (共 {total} 件" + (
        f"，仅含前 {EXPORT_LIMIT} 件)" if total > EXPORT_LIMIT else ")"
    )
    today = now.astimezone(BEIJING).date()
    rows = [case_summary(c) for c in cases]
    data = sheet(title=title, columns=CASE_COLUMNS, rows=rows, end=today, name="办件清单")
    return workbook_response(data, f"cases-{today}.xlsx")


def _no_cases(page: int, page_size: int, sort: str, notice: str) -> dict[str, Any]:
    """An empty list page, with ``notice`` saying why nothing can match."""
    return {
        "page": page,
        "page_size": page_size,
        "has_more": False,
        "total": 0,
        "pages": 1,
        "sort": Page.parse(page, page_size, sort).sort_text,
        "cases": [],
        "notice": notice,
    }


@router.get("/{case_no}", summary="办件详情 (含全部操作记录)")
def show_case(case_no: CaseNoPath, services: ServicesDep, user: UserDep) -> dict[str, Any]:
    case = _visible(services, user, case_no)
    data = case_detail(case, services.cases.history(case.case_no))
    data["available_actions"] = services.engine.available_actions(case, user.role)
    data["platform_case_no"] = services.platform_case_no(case)
    data["messages"] = services.applicant_messages.messages(case.case_no)
    return data


@router.post(
    "/{case_no}/actions/{action}",
    summary="执行操作 (补发查询码: 新查询码只返回这一次)；回复为办件概要、本次记录 (event) "
    "和可执行的操作，full=true 时与查看办件相同 (含全部操作记录、送达和短信)",
)
@on_store
def act(
    case_no: CaseNoPath,
    action: Annotated[str, Path(description="操作", json_schema_extra={"enum": list(ACTIONS)})],
    body: ActionIn,
    services: ServicesDep,
    user: UserDep,
    now: NowDep,
    full: Annotated[
        bool, Query(description="true: 回复含全部操作记录 (history)、送达 (delivery) 和短信")
    ] = False,
) -> dict[str, Any]:
    values = body.model_dump()
    try:  # visibility is checked on the read the action decides on: one read, not two
        result = services.cases.act(
            case_no,
            action,
            actor=user.username,
            role=user.role,
            now=now,
            params=ActionParams.of(values),
            expected_version=values["expected_version"],
            visible_to=lambda case: user.sees(case.region, case.office),
        )
    except BadCaseNumber as exc:
        raise _wrong_number(case_no, exc) from None
    case = result.case
    if full:
        data = case_detail(case, services.cases.history(case.case_no))
        data["messages"] = services.applicant_messages.messages(case.case_no)
    else:  # what the action changed, from what it wrote: nothing read back
        data = case_summary(case)
        data["event"] = event_dict(result.event)
    data["available_actions"] = services.engine.available_actions(case, user.role)
    if result.query_code is not None:
        data["query_code"] = result.query_code  # reissue_code: the new code, this once
    return data


@router.post(
    "/batch/{action}",
    summary="批量审核/批量拨付/批量办结: 每件各自一个事务和审计记录，逐件返回结果",
)
def act_batch(
    action: Annotated[
        str, Path(description="操作", json_schema_extra={"enum": list(BATCH_ACTIONS)})
    ],
    body: BatchIn,
    services: ServicesDep,
    user: UserDep,
    now: NowDep,
) -> dict[str, Any]:
    items = [
        BatchItem(c.case_no, c.expected_version, ActionParams.of(c.model_dump()))
        for c in body.cases
    ]
    outcomes = act_each(services, user, action, items, now=now)
    return {
        "action": action,
        "done": sum(o.done for o in outcomes),
        "refused": sum(not o.done for o in outcomes),
        "results": [o.as_dict() for o in outcomes],
    }


@router.post(
    "/{case_no}/identity",
    summary="完整证件号码 (仅科长/主管、管理员；每次查看记录查看人、时间和事由)",
)
def reveal_identity(
    case_no: CaseNoPath, body: IdentityIn, services: ServicesDep, user: UserDep, now: NowDep
) -> dict[str, Any]:
    from jingban.storage.identity_access import IdentityAccess

    case = _visible(services, user, case_no)
    (found,) = IdentityAccess(services.db, services.cases.cipher).reveal(
        [case.case_no],
        actor=user.username,
        role=user.role,
        purpose=body.purpose,
        reason=body.reason,
        now=now,
    )
    return {"case_no": found.case_no, "id_type": found.id_type, "id_number": found.id_number}

"""`jingban case list` and `jingban case find`: one page of cases with the total — every case
of a region (list), or cases by person — part of the applicant's name, a whole identity
number (matched through its keyed hash), part of a case number — and by item, state,
office and received dates; one page at a time with the total."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from jingban.cli._common import emit_json, minutes, now_utc, open_services, pad, parse_date
from jingban.cli.cases import JsonOpt, case_app
from jingban.engine.identity import mask_name
from jingban.engine.present import case_summary
from jingban.errors import BadInput
from jingban.storage.case_filter import MAX_PAGE_SIZE, SORTS, CaseFilter, Page
from jingban.storage.search_text import typed
from jingban.workflows import STATE_LABELS


def _day(text: str | None, option: str) -> dt.date | None:
    return parse_date(text, option) if text is not None and text.strip() else None


SortOpt = Annotated[
    str, typer.Option("--sort", help="排序: " + "、".join(SORTS) + "；前加 - 为倒序")
]


def _checked_state(state: str | None) -> None:
    if state is not None and state not in STATE_LABELS:
        raise BadInput(f"--state: 未知状态 {state!r}；可用: {'、'.join(STATE_LABELS)}")


@case_app.command("list")
def list_cases(
    region: Annotated[str | None, typer.Option("--region")] = None,
    state: Annotated[str | None, typer.Option("--state")] = None,
    item: Annotated[str | None, typer.Option("--item")] = None,
    limit: Annotated[int, typer.Option("--limit", help="每页件数 (同 --page-size)")] = 100,
    page: Annotated[int, typer.Option("--page", help="页码，从 1 开始")] = 1,
    page_size: Annotated[int | None, typer.Option("--page-size", help="每页件数 (1–200)")] = None,
    sort: SortOpt = "-registered",
    json_: JsonOpt = False,
) -> None:
    """列出办件 (默认最新在前)，分页显示总件数。"""
    _checked_state(state)
    services = open_services()
    size = page_size or limit
    if page_size is None and size > MAX_PAGE_SIZE and page == 1:  # --limit of before
        cases = services.cases.list(region=region, state=state, item=item, limit=limit)
        total, pages = len(cases), 1
    else:
        found = services.cases.search(
            CaseFilter(region=region, states=(state,) if state else (), item=item),
            Page.parse(page, size, sort),
            now=now_utc(),
        )
        cases, total, pages = found.cases, found.total, found.pages
    if json_:
        emit_json([case_summary(c) for c in cases])
        return
    if not cases:
        typer.echo("没有办件")
    for c in cases:
        typer.echo(
            f"{c.case_no}  {pad(STATE_LABELS.get(c.state, c.state), 12)} {c.item_name}  "
            f"承诺 {minutes(c.promised_due)}"
        )
    typer.echo(f"共 {total} 件，第 {page}/{pages} 页")


@case_app.command("find")
def find(
    query: Annotated[
        str | None, typer.Argument(help="姓名的一部分、完整证件号码或办件编号 (的一部分)")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="申请人姓名 (部分)")] = None,
    id_number: Annotated[str | None, typer.Option("--id-number", help="完整的证件号码")] = None,
    case_no: Annotated[str | None, typer.Option("--case-no", help="办件编号 (部分)")] = None,
    item: Annotated[str | None, typer.Option("--item", help="事项编码")] = None,
    state: Annotated[str | None, typer.Option("--state", help="状态")] = None,
    received_from: Annotated[
        str | None, typer.Option("--from", help="收件日期自 YYYY-MM-DD (北京时间，含)")
    ] = None,
    received_to: Annotated[
        str | None, typer.Option("--to", help="收件日期至 YYYY-MM-DD (北京时间，含)")
    ] = None,
    office: Annotated[str | None, typer.Option("--office", help="经办机构 (精确)")] = None,
    region: Annotated[str | None, typer.Option("--region", help="地区")] = None,
    page: Annotated[int, typer.Option("--page", help="页码，从 1 开始")] = 1,
    page_size: Annotated[int, typer.Option("--page-size", help="每页件数 (1–200)")] = 50,
    sort: SortOpt = "-registered",
    json_: JsonOpt = False,
) -> None:
    """查找办件: 按申请人姓名、完整证件号码、办件编号、事项、状态、经办机构、收件日期。"""
    _checked_state(state)
    wanted = typed(query or "").narrow(
        CaseFilter(
            region=region,
            in_office=office,
            item=item,
            states=(state,) if state else (),
            received_from=_day(received_from, "--from"),
            received_to=_day(received_to, "--to"),
            name=name,
            id_number=id_number,
            case_no=case_no,
        )
    )
    if wanted == CaseFilter(region=region):
        raise BadInput("请给出查找条件: 姓名、证件号码、办件编号、事项、状态、机构或收件日期")
    services = open_services()
    found = services.cases.search(wanted, Page.parse(page, page_size, sort), now=now_utc())
    if json_:
        emit_json(
            {
                "total": found.total,
                "page": page,
                "page_size": page_size,
                "pages": found.pages,
                "cases": [case_summary(c) for c in found.cases],
            }
        )
        return
    if not found.cases:
        typer.echo("没有找到符合条件的办件")
    for c in found.cases:
        typer.echo(
            f"{c.case_no}  {STATE_LABELS.get(c.state, c.state):<6} {c.item_name}  "
            f"{mask_name(c.applicant_name)}  {c.office or '-'}"
        )
    typer.echo(f"共 {found.total} 件，第 {page}/{found.pages} 页")

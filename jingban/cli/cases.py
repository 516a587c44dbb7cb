"""`jingban case`: register applications, act on them, show and migrate them."""

from __future__ import annotations

import datetime as dt
import inspect
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jingban.cli._common import (
    emit_json,
    minutes,
    now_utc,
    open_services,
    parse_instant,
)
from jingban.engine.levels import DUE_KIND_DEFS
from jingban.engine.present import case_detail, case_summary, record_label
from jingban.errors import BadInput
from jingban.workflows.actions import ACTION_DEFS, EVENT_LABELS, PARAMS, param_help
from jingban.workflows.vocabulary import (
    CHANNEL_LABELS,
    MESSAGE_STATUS_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
)

if TYPE_CHECKING:
    from jingban.engine import AuditEvent, Case

case_app = typer.Typer(help="办件: 登记、受理、审核、拨付、办结。", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
CASE_NO_HELP = "办件编号，如 KS-20261123-00042-8 (可小写，可省略连字符)"
ActorOpt = Annotated[str, typer.Option("--actor", help="操作人 (工号或用户名)")]
RoleOpt = Annotated[
    str, typer.Option("--role", help="角色: clerk、reviewer、payer、supervisor、admin")
]


def _instant(text: str | None, field: str) -> dt.datetime | None:
    if text is None:
        return None
    value = parse_instant(text, field)
    if not isinstance(value, dt.datetime):
        raise BadInput(f"{field}: 需要日期和时间，如 2026-11-23T10:30+08:00")
    return value


def _print_case(case: Case) -> None:
    data = case_summary(case)
    typer.echo(
        f"{data['case_no']}  {data['item_name']}  [{data['state_label']}]"
        + (f" ({'通过' if case.outcome == 'approved' else '不通过'})" if case.outcome else "")
    )
    channel = CHANNEL_LABELS.get(case.channel, case.channel)
    typer.echo(f"  申请人: {data['applicant_name']} ({data['applicant_id']})  渠道: {channel}")
    agent = data["agent"]
    if isinstance(agent, dict):
        typer.echo(f"  {agent['role_label']}: {agent['name']} ({agent['id_number']})")
    typer.echo(
        f"  收件: {minutes(case.received_at)}  受理: {minutes(case.accepted_at)}  "
        f"办结: {minutes(case.completed_at)}"
    )
    shown = [
        f"{due.label} {minutes(getattr(case, due.column))}"
        for due in DUE_KIND_DEFS
        if getattr(case, due.column) is not None
    ]
    typer.echo("  " + "  ".join(shown) + ("  (暂定)" if case.provisional else ""))
    if case.missing:
        typer.echo("  待补正材料: " + "；".join(case.missing))


def _event_line(event: AuditEvent) -> str:
    """One audit record as a clerk reads it: when, who (role), what, and the states."""
    role = ROLE_LABELS.get(event.role, event.role)
    action = EVENT_LABELS.get(event.action, event.action)
    mark = " [被拒绝]" if event.refused else ""
    before = STATE_LABELS.get(event.from_state or "", event.from_state or "")
    after = STATE_LABELS.get(event.to_state or "", event.to_state or "")
    states = f"{before} → {after}" if before else f"→ {after}" if after else ""
    reason = f"  {event.reason}" if event.reason else ""
    who = f"{event.actor} ({role})"
    number = record_label(event)
    return f"  {number:>3} {minutes(event.at)} {who} {action}{mark}  {states}{reason}"


def _message_line(message: dict[str, Any]) -> str:
    """One applicant message as the timeline lists it: when, what, and how it went."""
    status = MESSAGE_STATUS_LABELS.get(message["status"], message["status"])
    note = f" ({message['note']})" if message.get("note") else ""
    at = message["at"][:16].replace("T", " ")
    return f"  短信 {at} {message['label']} {status}{note}"


@case_app.command("open")
def open_case(
    region: Annotated[str, typer.Option("--region", help="地区")],
    item: Annotated[str, typer.Option("--item", help="事项编码或名称")],
    applicant_name: Annotated[str, typer.Option("--applicant-name", help="申请人姓名")],
    actor: ActorOpt,
    role: RoleOpt,
    applicant_id: Annotated[
        str | None, typer.Option("--applicant-id", help="证件号码 (个人申请必填)")
    ] = None,
    applicant_id_type: Annotated[str, typer.Option("--applicant-id-type")] = "resident_id",
    applicant_type: Annotated[str | None, typer.Option("--applicant-type")] = None,
    channel: Annotated[str, typer.Option("--channel", help="window 或 online")] = "window",
    received_at: Annotated[str | None, typer.Option("--received-at", help="收件时间")] = None,
    material: Annotated[list[str] | None, typer.Option("--material", help="已收材料")] = None,
    all_materials: Annotated[bool, typer.Option("--all-materials")] = False,
    office: Annotated[str | None, typer.Option("--office", help="经办机构")] = None,
    applicant_kind: Annotated[
        str | None, typer.Option("--applicant-kind", help="申请人种类: person (个人) 或 unit")
    ] = None,
    credit_code: Annotated[
        str | None, typer.Option("--credit-code", help="单位的统一社会信用代码 (18 位)")
    ] = None,
    agent_name: Annotated[
        str | None, typer.Option("--agent-name", help="委托代理人 (单位: 经办人) 姓名")
    ] = None,
    agent_id: Annotated[
        str | None, typer.Option("--agent-id", help="委托代理人 (单位: 经办人) 证件号码")
    ] = None,
    agent_id_type: Annotated[
        str | None, typer.Option("--agent-id-type", help="代理人证件类型 (缺省 resident_id)")
    ] = None,
    cross_province: Annotated[
        bool, typer.Option("--cross-province", help="跨省办理 (网上办理仅支持跨省的事项须注明)")
    ] = False,
    phone: Annotated[
        str | None, typer.Option("--phone", help="申请人手机号码 (可选，用于办理进度短信)")
    ] = None,
    sms_optout: Annotated[
        bool, typer.Option("--sms-optout", help="申请人不接收办理进度短信")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """登记一件申请 (办件)，打印办件编号和查询码 (查询码只显示这一次)。

    单位申请: --applicant-kind unit --applicant-name 单位名称 --credit-code 代码，并登记经办人
    (--agent-name、--agent-id)；个人委托他人办理: 另加 --agent-name、--agent-id。"""
    services = open_services()
    opened = services.cases.open(
        now=now_utc(),
        region=region,
        item=item,
        applicant_name=applicant_name,
        applicant_id=applicant_id,
        applicant_id_type=applicant_id_type,
        applicant_type=applicant_type,
        channel=channel,
        received_at=_instant(received_at, "--received-at"),
        materials=material or [],
        all_materials=all_materials,
        actor=actor,
        role=role,
        office=office,
        applicant_kind=applicant_kind,
        credit_code=credit_code,
        agent_name=agent_name,
        agent_id=agent_id,
        agent_id_type=agent_id_type,
        cross_province=cross_province,
        phone=phone,
        sms_optout=sms_optout,
    )
    if json_:
        data = case_summary(opened.case)
        emit_json(
            {
                "case_no": opened.case.case_no,
                "query_code": opened.query_code,
                "state": opened.case.state,
                **{k: v for k, v in data.items() if k not in ("case_no", "state")},
            }
        )
        return
    typer.echo(
        f"已登记 {opened.case.case_no}  查询码 {opened.query_code} (请写在回执上，仅显示一次)"
    )
    _print_case(opened.case)


def _act(
    case_no: str,
    action: str,
    actor: str,
    role: str,
    at: str | None = None,
    expected_version: int | None = None,
    json_: bool = False,
    **values: object,
) -> None:
    """对办件执行一个操作。"""
    from jingban.engine.params import ActionParams

    services = open_services()
    values["at"] = _instant(at, "--at")
    result = services.cases.act(
        case_no,
        action,
        actor=actor,
        role=role,
        now=now_utc(),
        params=ActionParams.of(values),
        expected_version=expected_version,
    )
    if json_:
        data = case_detail(result.case, services.cases.history(result.case.case_no))
        if result.query_code is not None:
            data["query_code"] = result.query_code
        emit_json(data)
        return
    if result.query_code is not None:
        typer.echo(
            f"{result.case.case_no}: 已补发查询码 {result.query_code} "
            "(原查询码已作废；请写在新回执上，仅显示一次)"
        )
        _print_case(result.case)
        return
    typer.echo(
        f"{result.case.case_no}: {STATE_LABELS.get(result.event.from_state or '', '')} → "
        f"{STATE_LABELS.get(result.case.state, result.case.state)}"
    )
    _print_case(result.case)


# The option type of each parameter kind of the action table.
_OPTION_TYPES: dict[str, object] = {
    "materials_received": list[str] | None,
    "materials_missing": list[str] | None,
    "materials_supplied": list[str] | None,
    "days": int | None,
}


def _act_signature() -> inspect.Signature:
    """``case act``'s arguments and options: the fixed ones, then one option per parameter
    of the action table (`jingban.workflows.actions.PARAMS`)."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    actions = "、".join(a.key for a in ACTION_DEFS if a.takeable)
    fixed = [
        ("case_no", Annotated[str, typer.Argument(help=CASE_NO_HELP)], inspect.Parameter.empty),
        (
            "action",
            Annotated[str, typer.Argument(help=f"操作: {actions}、advance")],
            inspect.Parameter.empty,
        ),
        ("actor", ActorOpt, inspect.Parameter.empty),
        ("role", RoleOpt, inspect.Parameter.empty),
        ("at", Annotated[str | None, typer.Option("--at", help="补录: 实际发生时间")], None),
    ]
    params = [
        inspect.Parameter(name, keyword, annotation=kind, default=default)
        for name, kind, default in fixed
    ]
    for param in PARAMS:
        kind = _OPTION_TYPES.get(param.kind, str | None)
        option = typer.Option(param.cli, help=param_help(param.name))
        params.append(
            inspect.Parameter(param.name, keyword, annotation=Annotated[kind, option], default=None)
        )
    params.append(
        inspect.Parameter(
            "expected_version",
            keyword,
            annotation=Annotated[int | None, typer.Option("--expected-version")],
            default=None,
        )
    )
    params.append(inspect.Parameter("json_", keyword, annotation=JsonOpt, default=False))
    return inspect.Signature(params)


def act(**options: Any) -> None:
    """对办件执行一个操作。"""
    _act(**options)


signature = _act_signature()
act.__dict__["__signature__"] = signature  # what typer reads for the arguments and options
act.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
case_app.command("act")(act)


@case_app.command("show")
def show(
    case_no: Annotated[str, typer.Argument(help=CASE_NO_HELP)], json_: JsonOpt = False
) -> None:
    """显示办件及其全部操作记录。"""
    from jingban.storage.case_reader import read_case, read_messages

    found = read_case(case_no)  # without SQLAlchemy, where it can
    messages = None if found is None else read_messages(found[0].case_no)
    if found is None or messages is None:
        services = open_services()
        case = services.cases.get(case_no)
        found = case, services.cases.history(case.case_no)
        messages = services.applicant_messages.messages(case.case_no)
    case, history = found
    if json_:
        emit_json({**case_detail(case, history), "messages": messages})
        return
    _print_case(case)
    for event in history:
        typer.echo(_event_line(event))
    for message in messages:
        typer.echo(_message_line(message))


@case_app.command("migrate")
def migrate(
    actor: ActorOpt,
    role: RoleOpt,
    case_no: Annotated[str | None, typer.Argument(help="办件编号 (或用 --all-open)")] = None,
    to_version: Annotated[
        str | None, typer.Option("--to-version", help="目标版本 (默认: 当前目录的版本)")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="迁移理由 (必填)")] = "",
    all_open: Annotated[
        bool, typer.Option("--all-open", help="迁移该事项的全部在办件 (需 --item 与 --region)")
    ] = False,
    item: Annotated[str | None, typer.Option("--item", help="事项 (与 --all-open 同用)")] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="地区 (与 --all-open 同用)")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """把在办件迁移到事项的新定义版本 (仅科长/主管，须说明理由)，重算时限并记入审计。"""
    if all_open == (case_no is not None):
        raise BadInput(
            "请给出一个办件编号，或用 --all-open --item 事项 --region 地区 迁移全部在办件"
        )
    services = open_services()
    now = now_utc()
    if case_no is not None:
        if item is not None or region is not None:
            raise BadInput("--item 和 --region 只与 --all-open 同用")
        result = services.cases.migrate(
            case_no, to_version, actor=actor, role=role, now=now, reason=reason
        )
        if json_:
            emit_json(case_detail(result.case, services.cases.history(result.case.case_no)))
            return
        _print_migrated(result.case.case_no, dict(result.event.payload))
        _print_case(result.case)
        return
    if item is None or region is None:
        raise BadInput("--all-open 需要 --item 事项 和 --region 地区")
    results = services.cases.migrate_open(
        region=region,
        item=item,
        to_version=to_version,
        actor=actor,
        role=role,
        now=now,
        reason=reason,
    )
    if json_:
        emit_json(
            {
                "migrated": [r.case.case_no for r in results],
                "count": len(results),
                "to_version": to_version
                or services.engine.current_version(region, services.catalog.item(region, item).key),
            }
        )
        return
    if not results:
        typer.echo("没有需要迁移的在办件")
    for r in results:
        _print_migrated(r.case.case_no, dict(r.event.payload))


def _print_migrated(case_no: str, payload: dict[str, object]) -> None:
    dues = payload.get("dues") or {}
    moved = "、".join(str(kind) for kind in dues) if isinstance(dues, dict) else ""
    typer.echo(
        f"{case_no}: 版本 {payload.get('from_version')} → {payload.get('to_version')}"
        + (f"，时限变动: {moved}" if moved else "，时限未变")
    )


# `jingban case list` and `case find` live in their own module, registered on `case_app`;
# so do `case attach`, `case files` and `case file-views` (materials kept as files), and
# `case supervise` and `case reply` (督办), and `case batch`.
import jingban.cli.attach  # noqa: E402
import jingban.cli.batch  # noqa: E402
import jingban.cli.find  # noqa: E402
import jingban.cli.supervise  # noqa: E402, F401

"""What each action does to a case before its state moves: validate the action's parameters,
change the case's fields, fill the audit payload, and return the reason to record. A handler
raises `BadInput` or `NotAllowed` and then the engine discards its copy of the case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jingban.calendar import WorkCalendar
from jingban.engine import deadlines, roles
from jingban.engine.model import Case, Payment, shared_materials
from jingban.engine.params import (
    SUSPEND_PROCEDURES,
    ActionParams,
    parse_amount_fen,
    require_days,
    require_reason,
    resolve_materials,
    validate_account,
    validate_voucher,
)
from jingban.errors import BadInput, NotAllowed
from jingban.workflows import Catalog, Item, Terms


class MissingMaterials(NotAllowed):
    """Acceptance refused: required materials have not been checked."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("材料不齐，不能受理。缺少: " + "；".join(missing))
        self.missing = missing


@dataclass(slots=True)
class Step:
    """One action being decided: the engine's copy of the case and everything a handler may
    read; ``payload`` collects what the audit record will say. ``terms`` are the item's terms
    for the case's channel and applicant type, ``required`` the names of the materials every
    such case must bring (`Item.required_materials`), in the item's order."""

    catalog: Catalog
    case: Case
    item: Item
    terms: Terms
    required: tuple[str, ...]
    params: ActionParams
    actor: str
    at: dt.datetime
    cal: WorkCalendar
    payload: dict[str, Any]


Handler = Callable[[Step], str | None]


def _unchecked(s: Step) -> list[str]:
    """Required materials not yet checked on the case, in the item's order."""
    have = s.case.materials
    return [name for name in s.required if name not in have]


def _accept(s: Step) -> str | None:
    case, item, p, actor, at, payload = s.case, s.item, s.params, s.actor, s.at, s.payload
    if p.materials:
        checked = resolve_materials(item, p.materials, case.applicant_type)
        case.materials = tuple(dict.fromkeys([*case.materials, *checked]))
    missing = _unchecked(s)
    if missing:
        raise MissingMaterials(missing)
    case.accepted_at, case.accepted_by, case.assignee = at, actor, None
    if s.terms.clock_start == "accepted":
        case.clock_start_at = at
    payload["materials"] = list(case.materials)
    return p.reason


def _request_supplement(s: Step) -> str | None:
    case, item, p, at, payload = s.case, s.item, s.params, s.at, s.payload
    # Everything missing at once: what the clerk names (conditional materials, say) and every
    # required material not yet checked.
    named = resolve_materials(item, p.missing, case.applicant_type) if p.missing else ()
    unchecked = _unchecked(s)
    missing = list(dict.fromkeys([*named, *unchecked]))
    if not missing:
        raise BadInput("一次性告知必须列出缺少的材料 (missing)；本办件必需材料已齐")
    case.missing = tuple(missing)
    case.supplement_requested_at = at
    payload["missing"] = missing
    return p.reason


def _supplement(s: Step) -> str | None:
    catalog, case, item, p, at, cal, payload = (
        s.catalog,
        s.case,
        s.item,
        s.params,
        s.at,
        s.cal,
        s.payload,
    )
    brought = resolve_materials(item, p.materials, case.applicant_type) if p.materials else ()
    brought_all = dict.fromkeys([*case.materials, *case.missing, *brought])
    case.materials = shared_materials(tuple(brought_all))
    payload["materials"] = list(case.materials)
    policy = catalog.region(case.region).supplement_policy
    if policy == "pause" and case.supplement_requested_at is not None:
        stopped = deadlines.stopped_working_days(cal, case.supplement_requested_at, at)
        case.pauses = (*case.pauses, (case.supplement_requested_at, stopped))
        payload["clock"] = {"policy": "pause", "stopped_working_days": stopped}
    else:
        case.clock_start_at = at if s.terms.clock_start == "received" else None
        payload["clock"] = {"policy": "restart", "restarted_at": at}
    # Complete materials restart the acceptance window; acceptance, if any, starts over.
    case.supplemented_at, case.accepted_at = at, None
    case.prereviewed_at = case.transferred_at = case.reviewed_at = case.paid_at = None
    case.missing, case.supplement_requested_at = (), None
    return p.reason


def _with_reason(s: Step) -> str | None:
    p = s.params
    return require_reason(p, "不予受理")


def _deny(s: Step) -> str | None:
    case, p = s.case, s.params
    reason = require_reason(p, "审核不通过")
    case.outcome = "denied"
    return reason


def _approve(s: Step) -> str | None:
    case, item, p, actor = s.case, s.item, s.params, s.actor
    if item.has_payment and case.accepted_by == actor:
        raise roles.SeparationOfDuties("拨付类事项: 受理人不能审核同一办件")
    case.approved_by = actor
    return p.reason


def _pay(s: Step) -> str | None:
    case, p, actor, payload = s.case, s.params, s.actor, s.payload
    if case.approved_by == actor:
        raise roles.SeparationOfDuties("审核人不能拨付同一办件")
    amount = parse_amount_fen(p.amount)
    account = validate_account(p.account)
    voucher = validate_voucher(p.voucher)
    case.payment = Payment(amount, _masked(account), voucher)
    case.paid_by = actor
    payload.update(amount_fen=amount, account=case.payment.account_masked, voucher=voucher)
    return p.reason


def _masked(account: str) -> str:
    """`mask_account` of an account `validate_account` accepted: only its last 4 digits.
    Digits only, so there is no whitespace to drop (the same result, without the regex)."""
    return "*" * max(len(account) - 4, 4) + account[-4:]


def _suspend(s: Step) -> str | None:
    case, p, at, cal, payload = s.case, s.params, s.at, s.cal, s.payload
    reason = require_reason(p, "中止")
    days = require_days(p, "中止")
    procedure = (p.procedure or "").strip() or None
    if procedure is not None and procedure not in SUSPEND_PROCEDURES:
        raise BadInput(f"未知的特别程序 {procedure!r}；可用: {'、'.join(SUSPEND_PROCEDURES)}")
    case.suspended_from, case.suspended_at = case.state, at
    payload.update(
        procedure=procedure,
        expected_working_days=days,
        expected_resume=cal.add_working_days(deadlines.beijing_date(at), days),
    )
    return reason


def _resume(s: Step) -> str | None:
    case, p, at, cal, payload = s.case, s.params, s.at, s.cal, s.payload
    if case.suspended_at is None:  # the machine refuses resume from any other state
        return p.reason
    stopped = deadlines.stopped_working_days(cal, case.suspended_at, at)
    case.pauses = (*case.pauses, (case.suspended_at, stopped))
    payload["stopped_working_days"] = stopped
    case.suspended_at = None
    return p.reason


def _extend(s: Step) -> str | None:
    case, p, payload = s.case, s.params, s.payload
    reason = require_reason(p, "延期")
    days = require_days(p, "延期", maximum=60)
    case.extension_days += days
    payload["days"] = days
    return reason


def _reassign(s: Step) -> str | None:
    case, p, payload = s.case, s.params, s.payload
    assignee = (p.assignee or "").strip()
    if not assignee:
        raise BadInput("「改派」必须指定承办人 (assignee)")
    payload.update(assignee_from=case.assignee, assignee_to=assignee)
    case.assignee = assignee
    return p.reason


def _plain(s: Step) -> str | None:
    p = s.params
    return p.reason


HANDLERS: dict[str, Handler] = {
    "accept": _accept,
    "request_supplement": _request_supplement,
    "supplement": _supplement,
    "not_accept": _with_reason,
    "prereview": _plain,
    "transfer": _plain,
    "approve": _approve,
    "deny": _deny,
    "pay": _pay,
    "complete": _plain,
    "withdraw": _plain,
    "suspend": _suspend,
    "resume": _resume,
    "extend": _extend,
    "reassign": _reassign,
}

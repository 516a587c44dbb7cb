"""What each action does to a case before its state moves: change the case's fields, fill the
audit payload, and return the reason to record. The engine has already validated the
parameters the action declares (`jingban.workflows.actions`); ``Step.values`` holds them.
A handler raises `BadInput` or `NotAllowed` and then the engine discards its copy of the case.

One handler per takeable action of the table (a test holds the two together)."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from jingban.calendar import WorkCalendar
from jingban.engine import (
    audit_checks,
    control,
    deadlines,
    delivery,
    feedback_handlers,
    followup_handlers,
    roles,
    supervision,
    suspension_approval,
)
from jingban.engine.followups import require_no_deferred
from jingban.engine.identity import ID_TYPES, mask_account
from jingban.engine.model import Case, Payment, shared_materials
from jingban.engine.params import (
    ActionParams,
    Validated,
    missing_required,
    resolve_materials,
    yuan_text,
)
from jingban.errors import BadInput, NotAllowed
from jingban.workflows import Catalog, Item, Terms
from jingban.workflows.stages import REFUSALS
from jingban.workflows.vocabulary import ROLE_LABELS


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
    such case must bring (`Item.required_materials`), in the item's order; ``values`` the
    action's declared parameters, validated (`jingban.engine.params.validated`)."""

    catalog: Catalog
    case: Case
    item: Item
    terms: Terms
    required: tuple[str, ...]
    params: ActionParams
    actor: str
    role: str
    at: dt.datetime
    cal: WorkCalendar
    payload: dict[str, object]
    values: Validated


Handler = Callable[[Step], str | None]


def _unchecked(s: Step) -> list[str]:
    """Required materials not yet checked on the case (none of their choices: the name or
    an alternative it accepts), in the item's order; an agent's materials when one acts."""
    acting = s.case.agent is not None
    return missing_required(s.item, s.case.materials, s.case.applicant_type, agent=acting)


def _accept(s: Step) -> str | None:
    case, item, actor, at, payload = s.case, s.item, s.actor, s.at, s.payload
    brought = s.values.names("materials")
    if brought:
        checked = resolve_materials(item, brought, case.applicant_type)
        case.materials = tuple(dict.fromkeys([*case.materials, *checked]))
    missing = _unchecked(s)
    if missing:
        raise MissingMaterials(missing)
    case.accepted_at, case.accepted_by, case.assignee = at, actor, None
    if s.terms.clock_start == "accepted":
        case.clock_start_at = at
    payload["materials"] = list(case.materials)
    return s.values.text("reason")


def _request_supplement(s: Step) -> str | None:
    case, item, at, payload = s.case, s.item, s.at, s.payload
    # Everything missing at once: what the clerk names (conditional materials, say) and every
    # required material not yet checked.
    named_raw = s.values.names("missing")
    named = resolve_materials(item, named_raw, case.applicant_type) if named_raw else ()
    unchecked = _unchecked(s)
    missing = list(dict.fromkeys([*named, *unchecked]))
    if not missing:
        raise BadInput("一次性告知必须列出缺少的材料 (missing)；本办件必需材料已齐")
    case.missing = tuple(missing)
    case.supplement_requested_at = at
    payload["missing"] = missing
    followup_handlers.set_supplement_due(s)
    return s.values.text("reason")


def _supplement(s: Step) -> str | None:
    catalog, case, item, at, cal, payload = s.catalog, s.case, s.item, s.at, s.cal, s.payload
    named = s.values.names("materials")
    brought = resolve_materials(item, named, case.applicant_type) if named else ()
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
    case.supplement_due = None
    return s.values.text("reason")


def _reason_only(s: Step) -> str | None:
    """An action whose only effect is its move along the graph: it records its reason."""
    return s.values.text("reason")


def _deny(s: Step) -> str | None:
    s.case.outcome = "denied"
    return _reason_only(s)


def _approve(s: Step) -> str | None:
    case, item, actor = s.case, s.item, s.actor
    if item.has_payment and case.accepted_by == actor:
        raise roles.SeparationOfDuties("拨付类事项: 受理人不能审核同一办件")
    case.approved_by = actor
    return _reason_only(s)


def _pay(s: Step) -> str | None:
    case, values, actor, payload = s.case, s.values, s.actor, s.payload
    if case.approved_by == actor:
        raise roles.SeparationOfDuties("审核人不能拨付同一办件")
    require_no_deferred(case.deferred, "拨付")
    amount, voucher = values.number("amount"), values.given("voucher")
    region = s.catalog.region(case.region)
    control.require_recheck(region.control, case, s.item, amount)
    bound = region.payments.max_amount_fen
    if amount > bound:
        raise BadInput(
            f"金额 {yuan_text(amount)} 元超过{region.name}规定的单笔拨付上限 "
            f"{yuan_text(bound)} 元，请核对是否多输了数字"
        )
    case.payment = Payment(amount, mask_account(values.given("account")), voucher)
    case.paid_by = actor
    payload.update(amount_fen=amount, account=case.payment.account_masked, voucher=voucher)
    return _reason_only(s)


def _suspend(s: Step) -> str | None:
    case, values, at, cal, payload = s.case, s.values, s.at, s.cal, s.payload
    days, procedure = values.number("days"), values.text("procedure")
    case.suspended_at = at  # the graph's effect records the state it leaves
    payload.update(
        procedure=procedure,
        expected_working_days=days,
        expected_resume=cal.add_working_days(deadlines.beijing_date(at), days),
    )
    return _reason_only(s)


def _resume(s: Step) -> str | None:
    case, at, cal, payload = s.case, s.at, s.cal, s.payload
    if case.suspended_at is None:  # the graph refuses resume from any other state
        return _reason_only(s)
    stopped = deadlines.stopped_working_days(cal, case.suspended_at, at)
    case.pauses = (*case.pauses, (case.suspended_at, stopped))
    payload["stopped_working_days"] = stopped
    case.suspended_at = None
    return _reason_only(s)


def _complete(s: Step) -> str | None:
    if not roles.may_complete(s.role, s.item):
        completer = ROLE_LABELS.get(s.item.completer, s.item.completer)
        raise roles.WrongRole(f"「{s.item.name}」由{completer}办结，{ROLE_LABELS[s.role]}无权办结")
    require_no_deferred(s.case.deferred, "办结")
    return _reason_only(s)


def _withdraw(s: Step) -> str | None:
    # The graph has no edge from 已拨付; a case suspended after payment still holds it.
    if s.case.payment is not None:
        raise NotAllowed(REFUSALS[("paid", "withdraw")])
    return _reason_only(s)


def _reverse_payment(s: Step) -> str | None:
    case, payload = s.case, s.payload
    paid = case.payment
    if paid is None:  # the graph only reverses from 已拨付, where a payment is recorded
        raise NotAllowed("本办件没有已记录的拨付，无需冲正")
    payload.update(
        reversed_amount_fen=paid.amount_fen,
        reversed_account=paid.account_masked,
        reversed_voucher=paid.voucher,
        reversed_paid_by=case.paid_by,
        reversed_paid_at=case.paid_at,
        voucher=s.values.given("voucher"),
    )
    case.payment, case.paid_by, case.paid_at = None, None, None
    return _reason_only(s)


def _extended_limit(s: Step) -> dt.datetime | None:
    """The statutory due the extension would move, as it stands now: while suspended, moved
    by the working days stopped so far (the resume will move it by as many)."""
    case, cal = s.case, s.cal
    due = case.statutory_due
    if due is None or case.state != "suspended" or case.suspended_at is None:
        return due
    stopped = deadlines.stopped_working_days(cal, case.suspended_at, s.at)
    if stopped <= 0:
        return due
    day = cal.add_working_days(deadlines.beijing_date(due), stopped)
    return cal.office_close(day).astimezone(dt.UTC)


def _extend(s: Step) -> str | None:
    case, at = s.case, s.at
    days = s.values.number("days")
    region = s.catalog.region(case.region)
    rule = region.extensions
    limit = _extended_limit(s)
    if limit is None:
        raise NotAllowed("法定时限尚未起算 (受理后计时的事项须先受理)，不能延期")
    if at > limit:
        raise NotAllowed(
            f"法定时限已于 {_beijing(limit)} 届满，不能再延期；延期须在法定时限届满前决定"
        )
    if case.extensions >= rule.max_count:
        raise NotAllowed(
            f"本办件已延期 {case.extensions} 次，{region.name}规定每件最多延期 {rule.max_count} 次"
        )
    if days > rule.max_working_days:
        raise BadInput(
            f"「延期」最多延长 {rule.max_working_days} 个工作日 ({region.name}的延期规定)，"
            f"不能延长 {days} 个工作日"
        )
    case.extension_days += days
    case.extensions += 1
    s.payload.update(days=days, limit_before=limit, extension=case.extensions)
    return _reason_only(s)


def _beijing(at: dt.datetime) -> str:
    from jingban.calendar import BEIJING

    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _reassign(s: Step) -> str | None:
    case, assignee = s.case, s.values.text("assignee")
    who = s.params.assignee_account
    if who is not None:
        problem = roles.assignee_problem(
            who,
            region=case.region,
            office=case.office,
            item=s.item,
            stages=s.terms.stages,
            state=case.state,
        )
        if problem is not None:
            raise roles.CannotTakeCase(f"不能改派: {problem}")
    s.payload.update(assignee_from=case.assignee, assignee_to=assignee)
    case.assignee = assignee
    return _reason_only(s)


class IdentityMismatch(NotAllowed):
    """The identity number typed to reissue a query code is not the case's."""


def _reissue_code(s: Step) -> str | None:
    """Check the identity number typed again against the case's: by the store's comparison
    of keyed hashes (`ActionParams.identity_matches`), else against a whole number the case
    holds (constant time; a masked one never matches). The store draws the new code and
    replaces the stored hash in the same transaction; neither the code nor the number is in
    the payload."""
    typed = s.values.given("id_number")
    matches = s.params.identity_matches
    if matches is None:
        held = s.case.applicant_id
        matches = "*" not in held and hmac.compare_digest(typed.encode(), held.encode())
    if not matches:
        raise IdentityMismatch(
            "证件号码与本办件登记的不一致，未补发查询码。"
            "请核对申请人出示的有效身份证件，重新输入完整号码"
        )
    id_type = s.case.applicant_id_type
    s.payload["id_type_label"] = ID_TYPES[id_type].label if id_type in ID_TYPES else id_type
    return _reason_only(s)


def _sms_optout(s: Step) -> str | None:
    """The applicant declines milestone messages: none is sent from now on."""
    if s.case.sms_optout:
        raise NotAllowed("申请人已退订短信，无需再次退订")
    s.case.sms_optout = True
    return _reason_only(s)


def _sms_optin(s: Step) -> str | None:
    """The applicant takes milestone messages again (to the mobile number registered)."""
    if s.case.phone is None:
        raise NotAllowed("登记时未留手机号码，无法发送短信")
    if not s.case.sms_optout:
        raise NotAllowed("申请人没有退订短信，无需恢复")
    s.case.sms_optout = False
    return _reason_only(s)


HANDLERS: dict[str, Handler] = {
    "accept": _accept,
    "request_supplement": _request_supplement,
    "supplement": _supplement,
    "not_accept": _reason_only,
    "prereview": _reason_only,
    "transfer": _reason_only,
    "approve": _approve,
    "deny": _deny,
    "pay": _pay,
    "complete": _complete,
    "withdraw": _withdraw,
    "reverse_payment": _reverse_payment,
    "suspend": _suspend,
    "resume": _resume,
    "extend": _extend,
    "reassign": _reassign,
    "reissue_code": _reissue_code,
    # Supplement deadlines, 容缺受理 and 告知承诺.
    "accept_deferred": followup_handlers.accept_deferred,
    "receive_deferred": followup_handlers.receive_deferred,
    "undertake": followup_handlers.undertake,
    "verify_undertaking": followup_handlers.verify_undertaking,
    "deliver": delivery.deliver,
    "sms_optout": _sms_optout,
    "sms_optin": _sms_optin,
    # 督办.
    "supervise": supervision.supervise,
    "reply": supervision.reply,
    # 差评整改.
    **feedback_handlers.HANDLERS,
    # 中止待批.
    "request_suspension": suspension_approval.request_suspension,
    "approve_suspension": suspension_approval.approve_suspension,
    "refuse_suspension": suspension_approval.refuse_suspension,
    # 内控.
    "recheck": control.recheck,
    "audit_check": audit_checks.audit_check,
    "audit_rectify": audit_checks.audit_rectify,
}
"""The handler of each takeable action of `jingban.workflows.actions.ACTION_DEFS`."""

Offer = Callable[[Catalog, Case], bool]

OFFERS: dict[str, Offer] = {
    **followup_handlers.OFFERS,
    "reply": lambda _catalog, case: supervision.has_open_order(case),
    **feedback_handlers.OFFERS,
    # Reached through ``suspend`` (`suspension_approval.requested_action`), never offered.
    "request_suspension": lambda _catalog, _case: False,
    "recheck": control.offered,
    **audit_checks.OFFERS,
}
"""Actions offered only when they make sense for the case (forms and listings hold the others
back as the graph and the roles allow): whether each makes sense, by action."""

"""The handlers of the supplement deadline, 容缺受理 and 告知承诺 actions (registered in
`jingban.engine.handlers.HANDLERS`), and the supplement deadline `request_supplement` sets.

Each reads the region's `SupplementRule` (catalog ``[region.supplements]``) for what may be
deferred or undertaken and for the default deadlines; every due is counted on the case's
working-day calendar (`followups.due_after`). They raise `BadInput` or `NotAllowed` and then
the engine discards its copy of the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from jingban.engine.followups import (
    UNDERTAKING_OUTCOMES,
    Deferred,
    Undertaking,
    checked,
    due_after,
    outstanding,
)
from jingban.engine.params import resolve_materials
from jingban.errors import BadInput, NotAllowed
from jingban.workflows.followup_rules import SupplementRule

if TYPE_CHECKING:
    from jingban.engine.handlers import Step
    from jingban.engine.model import Case
    from jingban.workflows import Catalog


def _rule(s: Step) -> SupplementRule:
    return s.catalog.region(s.case.region).supplements


def _days(s: Step, name: str) -> int | None:
    value = s.values.get(name)
    return value if isinstance(value, int) else None


def _allowed_named(
    s: Step,
    allowed: tuple[str, ...],
    field: str,
    *,
    unavailable: str,
    unnamed: str,
    refused: str,
    allowed_label: str,
) -> tuple[str, ...]:
    """The canonical names given in ``field``, each one of ``allowed``.

    Raises `NotAllowed` (``unavailable``) when nothing is allowed for the item, `BadInput`
    (``unnamed``) when no name is given, and `NotAllowed` listing the names outside
    ``allowed`` (``refused``) beside what the item allows (``allowed_label``)."""
    if not allowed:
        raise NotAllowed(unavailable)
    named = s.values.names(field)
    if not named:
        raise BadInput(unnamed)
    names = resolve_materials(s.item, named, s.case.applicant_type)
    outside = [name for name in names if name not in allowed]
    if outside:
        raise NotAllowed(
            f"{refused}: {'、'.join(outside)}。「{s.item.name}」{allowed_label}: "
            + "、".join(allowed)
        )
    return names


def set_supplement_due(s: Step) -> None:
    """The deadline of the one-time notice being issued: the region's default number of
    working days, or the number given (``days``), which then needs a reason."""
    rule = _rule(s)
    days = _days(s, "days")
    if days is not None and days != rule.deadline_working_days and not s.values.text("reason"):
        raise BadInput(
            f"补正期限按规定为 {rule.deadline_working_days} 个工作日；"
            f"改为 {days} 个工作日须写明理由 (reason)"
        )
    days = days or rule.deadline_working_days
    s.case.supplement_due = due_after(s.cal, s.at, days)
    s.payload.update(supplement_due=s.case.supplement_due, supplement_days=days)


def accept_deferred(s: Step) -> str | None:
    """容缺受理: accept while the named deferrable materials are missing; every other required
    material must be checked. The clock starts as on acceptance."""
    from jingban.engine.handlers import MissingMaterials

    case, item, rule = s.case, s.item, _rule(s)
    deferred = _allowed_named(
        s,
        rule.deferrable_for(item.key),
        "deferred",
        unavailable=f"「{item.name}」不适用容缺受理 (本地区未列可容缺的材料)",
        unnamed="容缺受理必须列出容缺的材料 (deferred)",
        refused="以下材料不可容缺",
        allowed_label="可容缺的材料",
    )
    brought = s.values.names("materials")
    if brought:
        got = resolve_materials(item, brought, case.applicant_type)
        case.materials = tuple(dict.fromkeys([*case.materials, *got]))
    already = [name for name in deferred if name in case.materials]
    if already:
        raise BadInput(f"已收到的材料不需容缺: {'、'.join(already)}")
    missing = [n for n in s.required if n not in case.materials and n not in deferred]
    if missing:
        raise MissingMaterials(missing)
    days = _days(s, "due_days") or rule.deferred_working_days
    due = due_after(s.cal, s.at, days)
    case.deferred = tuple(Deferred(name, due) for name in deferred)
    case.accepted_at, case.accepted_by, case.assignee = s.at, s.actor, None
    if s.terms.clock_start == "accepted":
        case.clock_start_at = s.at
    s.payload.update(
        materials=list(case.materials), deferred=list(deferred), deferred_due=due, due_days=days
    )
    return s.values.text("reason")


def receive_deferred(s: Step) -> str | None:
    """The deferred materials named have arrived (all outstanding ones when none is named)."""
    case = s.case
    waiting = outstanding(case.deferred)
    if not waiting:
        raise NotAllowed("本办件没有待补齐的容缺材料")
    named = s.values.names("materials")
    arrived = resolve_materials(s.item, named, case.applicant_type) if named else tuple(waiting)
    unknown = [name for name in arrived if name not in waiting]
    if unknown:
        raise BadInput(f"不是待补齐的容缺材料: {'、'.join(unknown)}。待补齐: {'、'.join(waiting)}")
    case.deferred = tuple(
        replace(d, arrived_at=s.at) if d.name in arrived and d.outstanding else d
        for d in case.deferred
    )
    case.materials = tuple(dict.fromkeys([*case.materials, *arrived]))
    s.payload.update(arrived=list(arrived), outstanding=outstanding(case.deferred))
    return s.values.text("reason")


def undertake(s: Step) -> str | None:
    """告知承诺: the applicant's 个人承诺书 stands in for the named proofs, which count as
    given; each is to be checked (核查) within the region's days (or ``due_days``)."""
    case, item, rule = s.case, s.item, _rule(s)
    proofs = _allowed_named(
        s,
        rule.undertakings_for(item.key),
        "proofs",
        unavailable=f"「{item.name}」不适用告知承诺 (办事指南未列可用个人承诺书代替的证明)",
        unnamed="告知承诺必须列出以个人承诺书代替的证明 (proofs)",
        refused="以下证明不能以个人承诺书代替",
        allowed_label="可代替的",
    )
    held = {u.proof for u in case.undertakings if u.pending}
    twice = [name for name in proofs if name in held]
    if twice:
        raise BadInput(f"已有待核查的承诺: {'、'.join(twice)}")
    days = _days(s, "due_days") or rule.undertaking_check_days
    due = due_after(s.cal, s.at, days)
    case.undertakings = (*case.undertakings, *(Undertaking(p, due) for p in proofs))
    case.materials = tuple(dict.fromkeys([*case.materials, *proofs]))
    s.payload.update(proofs=list(proofs), check_due=due, due_days=days)
    return s.values.text("reason")


def verify_undertaking(s: Step) -> str | None:
    """核查: record the check's outcome on the named pending undertakings (all when none is
    named). A failed check (``fail``) needs a reason and is its own audited outcome."""
    case = s.case
    pending = [u.proof for u in case.undertakings if u.pending]
    if not pending:
        raise NotAllowed("本办件没有待核查的承诺")
    outcome = s.values.given("outcome")
    reason = s.values.text("reason")
    if outcome == "fail" and not reason:
        raise BadInput("核查不实须写明理由 (reason)")
    named = s.values.names("proofs")
    proofs = resolve_materials(s.item, named, case.applicant_type) if named else tuple(pending)
    unknown = [name for name in proofs if name not in pending]
    if unknown:
        raise BadInput(f"不是待核查的承诺: {'、'.join(unknown)}。待核查: {'、'.join(pending)}")
    case.undertakings = tuple(
        checked(u, outcome, s.at, s.actor) if u.proof in proofs and u.pending else u
        for u in case.undertakings
    )
    s.payload.update(
        outcome=outcome, outcome_label=UNDERTAKING_OUTCOMES[outcome], proofs=list(proofs)
    )
    return reason


def _rule_of(catalog: Catalog, case: Case) -> SupplementRule:
    return catalog.region(case.region).supplements


OFFERS: dict[str, Callable[[Catalog, Case], bool]] = {
    # 容缺受理 and 告知承诺 only where the region lists materials for the item; the arrival of
    # deferred materials and a check only while some are waiting.
    "accept_deferred": lambda c, case: bool(_rule_of(c, case).deferrable_for(case.item_key)),
    "undertake": lambda c, case: bool(_rule_of(c, case).undertakings_for(case.item_key)),
    "receive_deferred": lambda _c, case: bool(outstanding(case.deferred)),
    "verify_undertaking": lambda _c, case: any(u.pending for u in case.undertakings),
}
"""Whether each of these actions makes sense for a case at all, so forms and listings offer
it (`jingban.engine.handlers.OFFERS`)."""

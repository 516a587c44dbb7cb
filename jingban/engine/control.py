"""Internal control (内控) on a case: the re-check (复核) a payment needs before 拨付 and the
incompatible posts (不相容岗位) one person may not both hold on a case.

The region's rules are `jingban.workflows.control_rules.ControlRule`. A payment needs a
re-check when a rule of its item says so (an amount above the threshold, a material such as a
death certificate held); the re-check (``recheck``, 复核) is taken in 审核通过 by a reviewer
other than the approver, or a supervisor, and fixes the amount: 拨付 must pay exactly that
amount. Every action of an incompatible pair remembers who took it (`Case.takers`), and the
other action of the pair is refused to that person. Pure: no I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jingban.engine.model import Recheck
from jingban.engine.params import yuan_text
from jingban.engine.roles import SeparationOfDuties
from jingban.errors import NotAllowed
from jingban.workflows.actions import ACTIONS

if TYPE_CHECKING:
    from jingban.engine.handlers import Step
    from jingban.engine.model import Case
    from jingban.workflows import Catalog, Item
    from jingban.workflows.control_rules import ControlRule


class RecheckRequired(NotAllowed):
    """The payment may not be made before its re-check, or for another amount."""


def _fixed_taker(case: Case, action: str) -> str | None:
    """Who took ``action`` as the case's own fields record it."""
    if action == "accept":
        return case.accepted_by
    if action == "approve":
        return case.approved_by
    if action == "pay":
        return case.paid_by
    if action == "recheck":
        return case.recheck.by if case.recheck is not None else None
    return None


def taker_of(case: Case, action: str) -> str | None:
    """Who took ``action`` on the case last (as remembered), or None."""
    fixed = _fixed_taker(case, action)
    if fixed is not None:
        return fixed
    return next((who for key, who in reversed(case.takers) if key == action), None)


def check_incompatible(rule: ControlRule, case: Case, action: str, actor: str) -> None:
    """Raise `SeparationOfDuties` when ``actor`` took the other action of a pair with
    ``action`` on this case."""
    for pair in rule.incompatible:
        if action not in pair:
            continue
        other = pair[1] if pair[0] == action else pair[0]
        if taker_of(case, other) == actor:
            raise SeparationOfDuties(
                f"「{ACTIONS[other].label}」与「{ACTIONS[action].label}」为不相容岗位: "
                f"{actor} 已在本办件上「{ACTIONS[other].label}」，不能再「{ACTIONS[action].label}」"
            )


def remember_taker(rule: ControlRule, case: Case, action: str, actor: str) -> None:
    """Remember ``actor`` as the taker of ``action`` when a pair of the region names it and
    the case has no field of its own for it."""
    if action in rule.watched and action not in ("accept", "approve", "pay", "recheck"):
        case.takers = (*case.takers, (action, actor))


def recheck_reasons(rule: ControlRule, case: Case, item: Item, amount_fen: int) -> list[str]:
    """Why a payment of ``amount_fen`` on the case needs a re-check (empty: it needs none)."""
    why = []
    for r in rule.rechecks_for(item.key):
        if r.amount_over_fen is not None and amount_fen > r.amount_over_fen:
            why.append(f"金额超过 {yuan_text(r.amount_over_fen)} 元")
        held = [m for m in r.materials if m in case.materials]
        if held:
            why.append(f"持有「{'、'.join(held)}」")
    return list(dict.fromkeys(why))


def require_recheck(rule: ControlRule, case: Case, item: Item, amount_fen: int) -> None:
    """Raise `RecheckRequired` when the payment needs a re-check that was not made, or was
    made of another amount."""
    why = recheck_reasons(rule, case, item, amount_fen)
    if not why:
        return
    done = case.recheck
    if done is None:
        raise RecheckRequired(
            f"本件须经第二人复核后才能拨付 ({'；'.join(why)})："
            "请由审核人以外的审核人员或科长「复核」"
        )
    if done.amount_fen != amount_fen:
        raise RecheckRequired(
            f"拨付金额 {yuan_text(amount_fen)} 元与复核核定的 {yuan_text(done.amount_fen)} 元不一致"
        )


def recheck(s: Step) -> str | None:
    """复核: a second person checks the approved case and fixes the amount to pay."""
    case = s.case
    if case.approved_by == s.actor:
        raise SeparationOfDuties("复核人须与审核人不同: 请由其他审核人员或科长复核")
    if case.recheck is not None:
        raise NotAllowed(f"本件已由 {case.recheck.by} 复核")
    amount = s.values.number("amount")
    case.recheck = Recheck(s.actor, s.at, amount)
    s.payload.update(amount_fen=amount, approved_by=case.approved_by)
    return s.values.text("reason")


def offered(catalog: Catalog, case: Case) -> bool:
    """``recheck`` is offered where a rule of the item's region covers it and none was made."""
    rule = catalog.region(case.region).control
    return case.recheck is None and bool(rule.rechecks_for(case.item_key))

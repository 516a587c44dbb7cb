"""Roles and what each may do, read from the action table, with separation of duties for
items with 拨付, the item's one completer, and who a case may be handed to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jingban.errors import BadInput, Forbidden
from jingban.workflows.actions import ACTIONS, ActionDef
from jingban.workflows.model import Item
from jingban.workflows.responsibility import acting_role
from jingban.workflows.vocabulary import ROLE_LABELS, ROLES, STATE_LABELS

__all__ = [
    "ROLES",
    "ROLE_LABELS",
    "CannotTakeCase",
    "Colleague",
    "SeparationOfDuties",
    "WrongRole",
    "assignee_problem",
    "check_role",
    "may",
    "may_complete",
    "require",
]


class WrongRole(Forbidden):
    """The actor's role may not take this action."""


class SeparationOfDuties(Forbidden):
    """The same person may not both accept and approve, or approve and pay, a payment item."""


def check_role(role: str) -> str:
    """``role`` if known; raises `BadInput` otherwise."""
    if role not in ROLE_LABELS:
        raise BadInput(f"未知角色 {role!r}；可用: {'、'.join(ROLES)}")
    return role


def may(role: str, action: str, state: str | None = None) -> bool:
    """Whether ``role`` may take ``action`` (in ``state``, where the role's rights depend
    on it), as the action's declaration (`jingban.workflows.actions`) says."""
    spec = ACTIONS.get(action)
    return spec is not None and spec.may(role, state)


def require(role: str, action: ActionDef, state: str) -> None:
    """Raise `WrongRole` unless ``role`` (already a known role, `check_role`) may take
    ``action`` in ``state``."""
    if not action.may(role, state):
        raise WrongRole(f"{ROLE_LABELS[role]}无权执行「{action.label}」")


class CannotTakeCase(Forbidden):
    """The chosen assignee cannot act on the case: another office or region, a disabled
    account, or a role that cannot take the case's next step."""


@dataclass(frozen=True, slots=True)
class Colleague:
    """What the engine knows of a staff account a case is handed to (the front end's
    services look the account up; the engine does no I/O)."""

    username: str
    role: str
    region: str | None
    office: str | None
    disabled: bool


def may_complete(role: str, item: Item) -> bool:
    """Whether ``role`` may complete (办结) cases of ``item``: its one completer
    (`Item.completer`) and the supervisor."""
    return role == "supervisor" or role == item.completer


def assignee_problem(
    who: Colleague,
    *,
    region: str,
    office: str | None,
    item: Item,
    stages: Sequence[str],
    state: str,
) -> str | None:
    """Why ``who`` may not be given a case of ``region``/``office`` of ``item`` (chain
    ``stages``) in ``state`` (Chinese), or None when they may: enabled, of the case's region
    and office (region-wide staff serve every office), and of the role the case waits for
    there (`jingban.workflows.responsibility.acting_role`) or a supervisor."""
    if who.disabled:
        return f"{who.username} 的账号已停用"
    if who.region is not None and who.region != region:
        return f"{who.username} 不属于本办件所在地区"
    if who.office is not None and office is not None and who.office != office:
        return f"{who.username} 属于{who.office}，不是本办件所在机构 ({office}) 的人员"
    if who.role == "supervisor":
        return None
    needed = acting_role(item, stages, state)
    if who.role != needed:
        shown = STATE_LABELS.get(state, state)
        wanted = ROLE_LABELS.get(needed, "无") if needed else "无"
        return (
            f"{who.username} 是{ROLE_LABELS.get(who.role, who.role)}，不能办理"
            f"「{shown}」的办件 (下一步应由{wanted}办理)"
        )
    return None

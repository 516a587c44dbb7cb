"""Roles and what each may do, read from the action table, with separation of duties for
items with 拨付."""

from __future__ import annotations

from jingban.errors import BadInput, Forbidden
from jingban.workflows.actions import ACTIONS, ActionDef
from jingban.workflows.vocabulary import ROLE_LABELS, ROLES

__all__ = [
    "ROLES",
    "ROLE_LABELS",
    "SeparationOfDuties",
    "WrongRole",
    "check_role",
    "may",
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

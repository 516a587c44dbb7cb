"""Roles and what each may do, with separation of duties for items with 拨付."""

from __future__ import annotations

from jingban.errors import BadInput, Forbidden

ROLES = ("clerk", "reviewer", "payer", "supervisor", "admin")
ROLE_LABELS = {
    "clerk": "窗口受理人员",
    "reviewer": "审核人员",
    "payer": "拨付人员",
    "supervisor": "科长/主管",
    "admin": "管理员",
}

# The case actions each role may take; the supervisor may take every one.
_PERMISSIONS: dict[str, frozenset[str]] = {
    "clerk": frozenset(
        {
            "open",
            "accept",
            "request_supplement",
            "supplement",
            "not_accept",
            "prereview",
            "withdraw",
            "complete",
        }
    ),
    "reviewer": frozenset(
        {"approve", "deny", "suspend", "resume", "request_supplement", "transfer", "complete"}
    ),
    "payer": frozenset({"pay", "complete"}),
    "supervisor": frozenset(
        {
            "open",
            "accept",
            "request_supplement",
            "supplement",
            "not_accept",
            "prereview",
            "transfer",
            "approve",
            "deny",
            "pay",
            "complete",
            "withdraw",
            "suspend",
            "resume",
            "extend",
            "reassign",
        }
    ),
    "admin": frozenset(),
}
# States in which a clerk may issue the one-time notice; a reviewer only during review.
_CLERK_SUPPLEMENT_STATES = frozenset({"submitted", "prereviewed"})


class WrongRole(Forbidden):
    """The actor's role may not take this action."""


class SeparationOfDuties(Forbidden):
    """The same person may not both accept and approve, or approve and pay, a payment item."""


def check_role(role: str) -> str:
    """``role`` if known; raises `BadInput` otherwise."""
    if role not in ROLES:
        raise BadInput(f"未知角色 {role!r}；可用: {'、'.join(ROLES)}")
    return role


def may(role: str, action: str, state: str | None = None) -> bool:
    """Whether ``role`` may take ``action`` (in ``state``, where the role's rights depend
    on it)."""
    if action not in _PERMISSIONS.get(role, frozenset()):
        return False
    if action == "request_supplement" and state is not None:
        if role == "clerk":
            return state in _CLERK_SUPPLEMENT_STATES
        if role == "reviewer":
            return state not in _CLERK_SUPPLEMENT_STATES
    return True


def require(role: str, action: str, state: str, action_label: str) -> None:
    """Raise `WrongRole` unless ``role`` may take ``action`` in ``state``."""
    check_role(role)
    if not may(role, action, state):
        raise WrongRole(f"{ROLE_LABELS[role]}无权执行「{action_label}」")

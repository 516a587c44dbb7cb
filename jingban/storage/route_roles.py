"""Whom a notification route stands for and which card levels it takes: the vocabulary and
its checks (`jingban.storage.routes` stores them, `jingban.storage.recipients` resolves the
personal roles to people)."""

from __future__ import annotations

from collections.abc import Iterable

from jingban.errors import BadInput

#: Whom a route stands for. None: its fixed target (a mailbox, a group), as every route was;
#: ``leader``: the same, named as the region's 分管领导; ``assignee`` and ``supervisor`` are
#: personal: each notice goes to the people it is about (`jingban.storage.recipients`), by
#: their contact details (e-mail; a mention in the route's group robot).
ROUTE_ROLES = {
    "assignee": "承办人本人 (未分派时: 能办理当前环节的全部人员)",
    "supervisor": "本机构科长/主管",
    "leader": "分管领导",
}
PERSONAL_ROLES = frozenset({"assignee", "supervisor"})
#: The card levels a route may be limited to (none named: every level).
ROUTE_LEVELS = ("yellow", "orange", "red")


def checked_levels(levels: Iterable[str]) -> tuple[str, ...]:
    """``levels`` in their order of urgency; raises `BadInput` for an unknown one."""
    given = {lvl.strip().lower() for lvl in levels if lvl.strip()}
    unknown = sorted(given - set(ROUTE_LEVELS))
    if unknown:
        raise BadInput(f"未知的牌色 {'、'.join(unknown)}；可用: yellow (黄)、orange (橙)、red (红)")
    return tuple(lvl for lvl in ROUTE_LEVELS if lvl in given)


def checked_role(role: str | None) -> str | None:
    """``role`` if it is one of `ROUTE_ROLES` (None and "" for a fixed target)."""
    if not role:
        return None
    if role not in ROUTE_ROLES:
        listing = "、".join(f"{k} ({v})" for k, v in ROUTE_ROLES.items())
        raise BadInput(f"未知的接收角色 {role!r}；可用: {listing}")
    return role

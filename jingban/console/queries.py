"""The reads behind the console's lists: a user's open cases, a case a user may see, the
staff a case may be given to."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from typing import Any

from jingban.engine.model import Case
from jingban.services import Services
from jingban.storage.accounts import User
from jingban.storage.case_search import CaseFilter, Waiting
from jingban.workflows.responsibility import waiting_for

CASE_ROLES = ("clerk", "reviewer", "payer", "supervisor")
_WAITING: dict[tuple[int, str], Mapping[str, frozenset[str] | None]] = {}
_WAITING_LOCK = threading.Lock()


def open_cases(services: Services, user: User, *, limit: int = 500) -> list[Case]:
    """Open (not ended) cases of the user's region and office, oldest first, at most
    ``limit`` (lists page through `queue` instead)."""
    return services.cases.list(
        region=user.region, office=user.office, open_only=True, oldest_first=True, limit=limit
    )


def waiting(services: Services, role: str) -> Mapping[str, frozenset[str] | None]:
    """`waiting_for` of the services' catalog for ``role`` (computed once per catalog)."""
    key = (id(services.catalog), role)
    found = _WAITING.get(key)
    if found is None:
        with _WAITING_LOCK:
            found = _WAITING.get(key)
            if found is None:
                found = waiting_for(services.catalog, role)
                _WAITING[key] = found
    return found


def visible(user: User, **narrowing: Any) -> CaseFilter:
    """The filter of the cases ``user`` may see (region and office), narrowed further."""
    return dataclasses.replace(CaseFilter(region=user.region, office=user.office), **narrowing)


def mine(services: Services, user: User) -> Waiting:
    """我的待办 of ``user`` as a filter condition."""
    return Waiting(user.username, waiting(services, user.role))


def is_mine(services: Services, user: User, case: Case) -> bool:
    """Whether the case waits for this user: assigned to them, or unassigned and in a state
    (and item) that waits for their role (`waiting_for`, the rule the queue's SQL uses)."""
    if case.assignee is not None:
        return case.assignee == user.username
    states = waiting(services, user.role)
    if case.state not in states:
        return False
    items = states[case.state]
    return items is None or case.item_key in items


def staff_for(services: Services, users: list[User], case: Case) -> list[User]:
    """Enabled staff of ``users`` who may work on the case (same region, or all regions, and
    office); those whose role has a step to take in the case's state come first."""
    found = [
        u
        for u in users
        if not u.disabled and u.role in CASE_ROLES and u.sees(case.region, case.office)
    ]
    steps = {
        role: any(
            a not in ("reassign", "withdraw") for a in services.engine.available_actions(case, role)
        )
        for role in {u.role for u in found}
    }
    return sorted(found, key=lambda u: (not steps[u.role], u.role == "supervisor"))

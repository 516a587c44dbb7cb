"""The reads behind the console's lists: the cases a user may see, 我的待办 as a filter, and
the staff a case may be given to."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from typing import Any

from jingban.engine import roles, supervision
from jingban.engine.model import Case
from jingban.services import Services
from jingban.storage.accounts import User
from jingban.storage.case_search import CaseFilter, Waiting
from jingban.workflows.model import Catalog, Region
from jingban.workflows.responsibility import waiting_for

CASE_ROLES = ("clerk", "reviewer", "payer", "supervisor")
# (id of the catalog, region, role) -> (that catalog, its `waiting_for`): the entry holds the
# catalog, so its id cannot be reused by another catalog while the entry lives.
_WAITING: dict[
    tuple[int, str | None, str], tuple[Catalog, Mapping[str, frozenset[str] | None]]
] = {}
_WAITING_LOCK = threading.Lock()


def waiting(
    services: Services, role: str, region: str | None = None
) -> Mapping[str, frozenset[str] | None]:
    """`waiting_for` of ``region``'s items (the whole catalog's when None: item keys repeat
    across regions with different chains) for ``role``, computed once per catalog."""
    catalog = services.catalog
    key = (id(catalog), region, role)
    entry = _WAITING.get(key)
    if entry is None:
        with _WAITING_LOCK:
            entry = _WAITING.get(key)
            if entry is None:
                source: Region | Catalog = catalog.regions.get(region or "") or catalog
                entry = _WAITING[key] = (catalog, waiting_for(source, role))
    return entry[1]


def visible(user: User, **narrowing: Any) -> CaseFilter:
    """The filter of the cases ``user`` may see (region and office), narrowed further."""
    return dataclasses.replace(CaseFilter(region=user.region, office=user.office), **narrowing)


def mine(services: Services, user: User) -> Waiting:
    """我的待办 of ``user`` as a filter condition."""
    return Waiting(user.username, waiting(services, user.role, user.region))


def is_mine(services: Services, user: User, case: Case) -> bool:
    """Whether the case waits for this user: assigned to them, or unassigned and in a state
    (and item) that waits for their role (`waiting_for`, the rule the queue's SQL uses)."""
    if case.assignee is not None:
        return case.assignee == user.username
    states = waiting(services, user.role, case.region)
    if case.state not in states:
        return False
    items = states[case.state]
    return items is None or case.item_key in items


def staff_for(services: Services, users: list[User], case: Case) -> list[User]:
    """Staff of ``users`` the case may be handed to: enabled, of the case's region and office,
    and of the role the case waits for in its state (`jingban.workflows.responsibility`), or
    a supervisor (listed last); the same rule the reassignment itself is checked by
    (`jingban.engine.roles.assignee_problem`)."""
    item, chain = services.engine.item_of(case), services.engine.compiled_of(case).stages
    found = [
        u
        for u in users
        if u.role in CASE_ROLES
        and roles.assignee_problem(
            roles.Colleague(u.username, u.role, u.region, u.office, u.disabled),
            region=case.region,
            office=case.office,
            item=item,
            stages=chain,
            state=case.state,
        )
        is None
    ]
    return sorted(found, key=lambda u: u.role == "supervisor")


def staff_lists(services: Services, users: list[User], cases: list[Case]) -> dict[str, list[User]]:
    """`staff_for` of each of ``cases``, by case number, worked out once per kind of case
    (its compiled machine, region, office and state: all the rule looks at), since a page of
    cases shares a few items, offices and states."""
    kinds: dict[tuple[int, str, str | None, str], list[User]] = {}
    found: dict[str, list[User]] = {}
    for case in cases:
        kind = (id(services.engine.compiled_of(case)), case.region, case.office, case.state)
        staff = kinds.get(kind)
        if staff is None:
            staff = kinds[kind] = staff_for(services, users, case)
        found[case.case_no] = staff
    return found


def named_for(
    services: Services, users: list[User], case: Case, action: str, actor: str
) -> list[User]:
    """Staff of ``users`` the form of ``action`` may name (its ``assignee`` field): for a
    supervision order (督办) every enabled colleague of the case's office but the supervisor
    issuing it, the case's assignee first (`jingban.engine.supervision.recipient_problem`);
    otherwise those the case may be handed to (`staff_for`)."""
    if action != "supervise":
        return staff_for(services, users, case)
    found = [
        u
        for u in users
        if u.role in CASE_ROLES
        and u.username != actor
        and supervision.recipient_problem(
            roles.Colleague(u.username, u.role, u.region, u.office, u.disabled),
            region=case.region,
            office=case.office,
        )
        is None
    ]
    return sorted(found, key=lambda u: u.username != case.assignee)

"""The reads behind the console's lists: a user's open cases, a case a user may see, the
staff a case may be given to."""

from __future__ import annotations

from jingban.engine import roles
from jingban.engine.model import Case
from jingban.services import Services
from jingban.storage.accounts import User

CASE_ROLES = ("clerk", "reviewer", "payer", "supervisor")


def open_cases(services: Services, user: User, *, limit: int = 500) -> list[Case]:
    """Open (not ended) cases of the user's region and office, oldest first, at most
    ``limit``."""
    return services.cases.list(
        region=user.region, office=user.office, open_only=True, oldest_first=True, limit=limit
    )


def is_mine(services: Services, user: User, case: Case) -> bool:
    """Whether the case waits for this user: assigned to them, or unassigned and in a state
    where their role has a step to take."""
    if case.assignee is not None:
        return case.assignee == user.username
    actions = services.engine.available_actions(case, user.role)
    return any(a not in ("reassign", "withdraw") for a in actions)


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

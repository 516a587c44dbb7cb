"""The reads behind the console's lists: a user's open cases, a case a user may see, the
staff a case may be given to."""

from __future__ import annotations

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

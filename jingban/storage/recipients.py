"""Who a personal route's notice is for (`jingban.storage.route_roles.PERSONAL_ROLES`).

- ``assignee``: the case's assignee, an enabled account; an unassigned case's notice goes to
  everyone who can act on its stage: the enabled staff of the case's region and office
  whose role the case waits for (`jingban.workflows.responsibility.acting_role`). A card
  about one person (a supervision order's recipient) goes to that person.
- ``supervisor``: the supervisors (科长/主管) of the case's office; where the office has none,
  the region-wide supervisors.

Region-wide staff (no office) serve every office of their region, as they do at the counter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select

from jingban.storage.accounts import AccountStore, User
from jingban.storage.database import Database
from jingban.storage.models import CASES
from jingban.workflows import Catalog
from jingban.workflows.errors import CatalogError
from jingban.workflows.responsibility import acting_role


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What deciding a case's recipients reads of it."""

    case_no: str
    region: str
    office: str | None
    state: str
    item_key: str
    channel: str
    applicant_type: str | None
    assignee: str | None


class Recipients:
    """Resolves personal routes to the staff of one database."""

    def __init__(self, db: Database, catalog: Callable[[], Catalog]) -> None:
        self.db = db
        self.catalog = catalog
        self.accounts = AccountStore(db)

    def facts(self, case_nos: Iterable[str]) -> dict[str, CaseFacts]:
        """The facts of the cases named (those that exist), by case number."""
        names = sorted(set(case_nos))
        if not names:
            return {}
        c = CASES.c
        query = select(
            c.case_no, c.region, c.office, c.state, c.item_key, c.channel, c.applicant_type,
            c.assignee,
        ).where(c.case_no.in_(names))  # fmt: skip
        with self.db.engine.connect() as conn:
            return {r.case_no: CaseFacts(*r) for r in conn.execute(query)}

    def people(
        self,
        role: str,
        case: CaseFacts,
        staff: list[User] | None = None,
        *,
        about: str | None = None,
    ) -> list[str]:
        """The user names ``role`` stands for on ``case`` (see the module's text), sorted;
        ``about``: the one person a card is about (for ``assignee``). ``staff``: the
        accounts, when the caller read them once for many cases."""
        users = [u for u in (staff or self.accounts.users()) if not u.disabled]
        local = [
            u for u in users if u.region in (None, case.region) and u.office in (None, case.office)
        ]
        if role == "supervisor":
            chiefs = [u for u in local if u.role == "supervisor"]
            own = [u for u in chiefs if u.office is not None and u.office == case.office]
            return sorted(u.username for u in (own or chiefs))
        wanted = about or case.assignee
        if wanted is not None and any(u.username == wanted for u in users):
            return [wanted]
        needed = self._acting_role(case)
        return sorted(u.username for u in local if needed is not None and u.role == needed)

    def _acting_role(self, case: CaseFacts) -> str | None:
        try:
            item = self.catalog().item(case.region, case.item_key)
            stages = item.terms(case.channel, case.applicant_type).stages
        except CatalogError:  # an item no longer in the catalog: no one to reach by role
            return None
        return acting_role(item, stages, case.state)

"""Who a case waits for: the states (and items) whose unassigned cases sit in a role's
我的待办.

`waiting_for` is the one answer, used twice: by the SQL filter of the work queue ("assigned
to me, or unassigned in a state that waits for my role") and by the console's per-case test
(`jingban.console.queries.is_mine`), so the list and the case page never disagree.

The rule: an unassigned case waits for a role in a state where the role has a step to take
on that item's machine — an action other than reassigning or withdrawing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from jingban.workflows.actions import ACTIONS
from jingban.workflows.compiler import CompiledItem, compile_item
from jingban.workflows.model import Catalog

NOT_A_STEP = frozenset({"reassign", "withdraw"})
"""Actions a role may take that do not make the case wait for it."""


def _compiled(source: Catalog | Iterable[CompiledItem]) -> list[CompiledItem]:
    if isinstance(source, Catalog):
        return [
            compile_item(item, chain)
            for region in source.regions.values()
            for item in region.items
            for chain in item.chains
        ]
    return list(source)


def _steps(compiled: CompiledItem, state: str, role: str) -> bool:
    """Whether ``role`` has a step to take in ``state`` of ``compiled``."""
    on_machine = (a for a in compiled.allowed(state) if a in ACTIONS)
    off_machine = (k for k, a in ACTIONS.items() if a.takeable and not a.machine)
    return any(
        action not in NOT_A_STEP and ACTIONS[action].may(role, state)
        for action in (*on_machine, *off_machine)
    )


def waiting_for(
    catalog_or_compiled: Catalog | Iterable[CompiledItem], role: str
) -> Mapping[str, frozenset[str] | None]:
    """State → the item keys whose unassigned cases in that state wait for ``role``
    (``None``: every item). States where no item waits for the role are absent."""
    compiled = _compiled(catalog_or_compiled)
    every = frozenset(c.item.key for c in compiled)
    found: dict[str, set[str]] = {}
    for machine in compiled:
        for state in machine.states:
            if state in machine.final_states:
                continue
            if _steps(machine, state, role):
                found.setdefault(state, set()).add(machine.item.key)
    return MappingProxyType(
        {state: None if keys == every else frozenset(keys) for state, keys in sorted(found.items())}
    )

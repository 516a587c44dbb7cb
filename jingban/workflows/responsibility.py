"""Who a case waits for: the role responsible for each stage of each item.

A case in a stage waits for the role that works that stage: acceptance (and 网上预审, and a
supplement awaited at the counter) for the clerk, review (审核, 流转, and a suspension, which
the reviewer resumes) for the reviewer, payment (拨付) for the payer. Where the next step is
办结, the case waits for the item's one completer (`Item.completer`: the catalog's
``completed_by``, by default the role of the chain's last stage before 办结). The supervisor
acts on any case but waits for none: a case reaches the supervisor's queue by assignment.

The work queues (``我的待办``), the staff a case may be reassigned to and the reassignment check
all read this one rule.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from jingban.workflows.actions import ACTIONS
from jingban.workflows.compiler import CompiledItem
from jingban.workflows.model import Catalog, Item, Region
from jingban.workflows.stages import build_graph
from jingban.workflows.vocabulary import FINAL_STATES

__all__ = ["STATE_ROLES", "acting_role", "waiting_for"]

STATE_ROLES: Mapping[str, str] = {
    "supplement_requested": "clerk",
    "suspended": "reviewer",
    "suspension_pending": "supervisor",
}
"""Off-path states and the role that takes the case out of them (补正 at the counter, 恢复
by the reviewer, the approval of a suspension by the supervisor)."""

_SUPERVISOR = "supervisor"


def _step_role(action: str, item: Item) -> str | None:
    """The role that owns ``action`` on ``item``: the item's completer for 办结, else the one
    staff role (besides the supervisor) the action table gives it."""
    if action == "complete":
        return item.completer
    spec = ACTIONS.get(action)
    if spec is None:
        return None
    staff = sorted(spec.roles - {_SUPERVISOR})
    return staff[0] if len(staff) == 1 else None


@functools.cache
def _chain(stages: tuple[str, ...]) -> tuple[tuple[str, ...], Mapping[str, str]]:
    """The chain states of ``stages`` and each one's happy-path next action."""
    graph = build_graph(stages)
    return graph.chain_states, dict(zip(graph.chain_states, graph.happy_path, strict=False))


def acting_role(item: Item, stages: Iterable[str], state: str) -> str | None:
    """The role a case of ``item`` following chain ``stages`` waits for in ``state``; None
    in a final state (or a state the chain does not have)."""
    if state in FINAL_STATES:
        return None
    if state in STATE_ROLES:
        return STATE_ROLES[state]
    action = _chain(tuple(stages))[1].get(state)
    return None if action is None else _step_role(action, item)


Source = Catalog | Region | Iterable[CompiledItem | Item]
"""What `waiting_for` reads: a catalog, a region, compiled items (one chain each) or items."""


def _items(source: Source) -> list[tuple[Item, tuple[str, ...]]]:
    """(item, chain) pairs of ``source``: every chain (default and variants) of every item of
    a catalog, or the chain of each compiled item, or every chain of each item."""
    pairs: list[tuple[Item, tuple[str, ...]]] = []
    entries: Iterable[CompiledItem | Item]
    if isinstance(source, Catalog):
        entries = [item for region in source.regions.values() for item in region.items]
    elif isinstance(source, Region):
        entries = source.items
    else:
        entries = source
    for entry in entries:
        if isinstance(entry, CompiledItem):
            pairs.append((entry.item, tuple(entry.stages)))
        else:
            pairs.extend((entry, tuple(chain)) for chain in entry.chains)
    return pairs


def waiting_for(catalog_or_compiled: Source, role: str) -> Mapping[str, frozenset[str] | None]:
    """State → the keys of the items whose UNASSIGNED cases in that state wait for ``role``
    (None: every item's). States where no item's case waits for ``role`` are absent; the
    supervisor waits for none (assigned cases are the assignee's whatever the state).

    Item keys are those of ``catalog_or_compiled``; one key names the same service in every
    region, but regions' chains differ (sichuan's 住院费用报销 has 拨付, kashgar's not), so pass
    the region of the cases asked about for an exact answer: over a whole catalog a key
    counts in a state when it does in any region."""
    if role == _SUPERVISOR:
        return {}
    pairs = _items(catalog_or_compiled)
    every = {item.key for item, _ in pairs}
    found: dict[str, set[str]] = {}
    for item, chain in pairs:
        for state in (*_chain(chain)[0], *STATE_ROLES):
            if acting_role(item, chain, state) == role:
                found.setdefault(state, set()).add(item.key)
    return {state: None if keys >= every else frozenset(keys) for state, keys in found.items()}

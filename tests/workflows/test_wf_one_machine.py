"""One machine: the runtime table and the ``transitions`` machine are the same graph.

`CompiledItem.fire` steps through a table built from the item's state graph; the machine drawn
for diagrams is built from the same graph. For every chain of every item of the catalog, no
edge (source, action, destination, guard) exists in one and not in the other, and firing each
edge through ``transitions`` lands where the table does.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jingban.workflows import IllegalTransition, compile_item, load_catalog
from jingban.workflows.actions import ACTIONS
from jingban.workflows.compiler import CompiledItem


def _chains() -> list[CompiledItem]:
    compiled: dict[tuple[str, ...], CompiledItem] = {}
    for region in load_catalog().regions.values():
        for item in region.items:
            chains = {item.stages, *(v.stages for v in item.variants if v.stages)}
            for chain in chains:
                compiled.setdefault(chain, compile_item(item, chain))
    return list(compiled.values())


CHAINS = _chains()


def _machine_edges(compiled: CompiledItem) -> set[tuple[str, str, str | None, bool]]:
    return {
        (source, name, transition.dest, bool(transition.conditions))
        for name, event in compiled.machine.events.items()
        for source, transitions in event.transitions.items()
        for transition in transitions
    }


def _table_edges(compiled: CompiledItem) -> set[tuple[str, str, str | None, bool]]:
    return {(e.source, e.action, e.dest, e.guard is not None) for e in compiled.graph.edges}


def test_the_catalog_has_several_chains() -> None:
    assert len(CHAINS) >= 4


@pytest.mark.parametrize("compiled", CHAINS, ids=lambda c: "—".join(c.stages))
def test_no_edge_exists_in_one_and_not_the_other(compiled: CompiledItem) -> None:
    assert _machine_edges(compiled) == _table_edges(compiled)
    assert set(compiled.machine.states) == set(compiled.states)


@pytest.mark.parametrize("compiled", CHAINS, ids=lambda c: "—".join(c.stages))
def test_firing_through_transitions_lands_where_the_table_does(compiled: CompiledItem) -> None:
    for edge in compiled.graph.edges:
        # A suspended case remembers where it came from; the guards of resume and of a
        # refused suspension read it.
        remembered = edge.guard_arg if edge.guard is not None else None
        ours = SimpleNamespace(state=edge.source, suspended_from=remembered)
        theirs = SimpleNamespace(state=edge.source, suspended_from=remembered)
        compiled.fire(ours, edge.action)
        assert compiled.machine.events[edge.action].trigger(theirs) is True
        assert ours.state == theirs.state == (edge.dest or edge.source)


@pytest.mark.parametrize("compiled", CHAINS, ids=lambda c: "—".join(c.stages))
def test_the_table_refuses_what_the_machine_refuses(compiled: CompiledItem) -> None:
    """Every (state, action) pair without an edge is refused by both, and a resume to a
    state the case was not suspended from is refused by both."""
    for state in compiled.states:
        for action in ACTIONS:
            if compiled.has_edge(state, action):
                continue
            with pytest.raises(IllegalTransition):
                compiled.fire(SimpleNamespace(state=state, suspended_from=None), action)
            event = compiled.machine.events.get(action)
            assert event is None or state not in event.transitions
    if "suspended" in compiled.states:
        stray = SimpleNamespace(state="suspended", suspended_from="nowhere")
        with pytest.raises(IllegalTransition):
            compiled.fire(stray, "resume")
        assert stray.state == "suspended"
        assert compiled.machine.events["resume"].trigger(stray) is False


def test_every_action_of_every_graph_is_declared() -> None:
    used = {edge.action for compiled in CHAINS for edge in compiled.graph.edges}
    assert used <= {key for key, spec in ACTIONS.items() if spec.machine}
    assert {key for key, spec in ACTIONS.items() if spec.machine} <= used

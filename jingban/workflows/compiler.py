"""Compile an item's chain into one ``transitions`` Machine, shared by every case of the item.

The machine is built with ``model=None``: no case is ever added to it. ``CompiledItem.fire``
runs a trigger on any light object that has a ``state`` attribute (and, for ``suspend`` /
``resume``, a writable ``suspended_from``), so a case costs no machine of its own.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from transitions import Machine, State
from transitions.core import EventData

from jingban.workflows.errors import IllegalTransition
from jingban.workflows.model import Item
from jingban.workflows.stages import (
    ACTION_LABELS,
    FINAL_STATES,
    INITIAL_STATE,
    STATE_LABELS,
    Edge,
    Graph,
    build_graph,
)


def _suspended_from(event: EventData, state: str) -> bool:
    """Guard of ``resume``: the case was suspended from ``state``."""
    return getattr(event.model, "suspended_from", None) == state


def _remember_source(event: EventData) -> None:
    """Before ``suspend``: record where the case was, for ``resume``."""
    event.model.suspended_from = event.state.name


def _forget_source(event: EventData) -> None:
    """After ``resume``: the case is no longer suspended."""
    event.model.suspended_from = None


GUARDS: Mapping[str, Callable[[EventData, str], bool]] = MappingProxyType(
    {"suspended_from": _suspended_from}
)
"""The allow-list of guards a graph edge may name (``Edge.guard``); never code from data."""

_CALLBACKS: Mapping[str, Mapping[str, list[Callable[[EventData], None]]]] = MappingProxyType(
    {"suspend": {"before": [_remember_source]}, "resume": {"after": [_forget_source]}}
)


def _transition(edge: Edge, labelled: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {"trigger": edge.action, "source": edge.source, "dest": edge.dest}
    if edge.guard is not None:
        spec["conditions"] = [functools.partial(GUARDS[edge.guard], state=edge.guard_arg)]
    spec.update(_CALLBACKS.get(edge.action, {}))
    if labelled:
        spec["label"] = ACTION_LABELS.get(edge.action, edge.action)
    return spec


_EXTEND_NOTE = "延期（extend）是每个非终态上的内部转换，不改变状态，图中省略"


class _LabelledState(State):
    """A state carrying a Chinese display label (read by the diagram markup)."""

    def __init__(self, name: str, *, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.label = label or name


@functools.cache
def _diagram_class() -> type:
    """A GraphMachine whose states carry Chinese labels (imported only for diagrams)."""
    from transitions.extensions import GraphMachine

    return type("DiagramMachine", (GraphMachine,), {"state_cls": _LabelledState})


class CompiledItem:
    """One item's chain compiled to a ``transitions`` Machine, reused for all its cases."""

    final_states: frozenset[str] = FINAL_STATES

    def __init__(self, item: Item, stages: tuple[str, ...]) -> None:
        """Build the machine for ``stages``; raises ValueError on a bad chain (the loader has
        already rejected those for packaged data)."""
        self.item = item
        self.stages = stages
        self._graph: Graph = build_graph(stages)
        self.states: tuple[str, ...] = self._graph.states
        self.chain_states: tuple[str, ...] = self._graph.chain_states
        self.happy_path: tuple[str, ...] = self._graph.happy_path
        self._allowed = self._graph.allowed()
        self._next = dict(zip(self.chain_states, self.happy_path, strict=False))
        self.machine = Machine(
            model=None,
            states=[{"name": s, "final": s in FINAL_STATES} for s in self.states],
            transitions=[_transition(edge, labelled=False) for edge in self._graph.edges],
            initial=INITIAL_STATE,
            auto_transitions=False,
            send_event=True,
            name=f"{item.region}.{item.key}",
        )
        self._diagram: Any = None
        self._diagram_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<CompiledItem {self.item.region}.{self.item.key} {'—'.join(self.stages)}>"

    def transitions(self) -> tuple[tuple[str, str, str | None], ...]:
        """Every transition of the machine as (source, action, dest), dest None for internal
        ones, read from the machine itself, ordered by source state then action."""
        order = {state: index for index, state in enumerate(self.states)}
        found = [
            (source, name, transition.dest)
            for name, event in self.machine.events.items()
            for source, transitions in event.transitions.items()
            for transition in transitions
        ]
        return tuple(sorted(found, key=lambda edge: order[edge[0]]))

    def next_action(self, state: str) -> str | None:
        """The happy-path action from ``state`` (what ``advance`` means there), or None off the
        chain, in a final state, or for an unknown state."""
        return self._next.get(state)

    def allowed(self, state: str) -> tuple[str, ...]:
        """Actions the machine has from ``state`` (roles and guards ignored); () if unknown."""
        return self._allowed.get(state, ())

    def fire(self, model: Any, action: str) -> None:
        """Fire ``action`` on ``model`` (any object with a ``state`` attribute) in place.

        ``suspend`` sets ``model.suspended_from`` to the state it leaves; ``resume`` returns to
        that state and sets it back to None. Raises ``IllegalTransition`` (Chinese message
        naming the action and the state) when the action is not allowed from the model's state,
        or when ``resume`` finds no matching ``suspended_from``. ``advance`` is not an action
        here: resolve it with ``next_action`` first.
        """
        state = getattr(model, "state", None)
        label = ACTION_LABELS.get(action, action)
        if not isinstance(state, str) or action not in self.allowed(state):
            shown = STATE_LABELS.get(state, state) if isinstance(state, str) else "未知"
            raise IllegalTransition(
                f"{self.item.name}: 当前状态为“{shown}”，不能执行“{label}”", action, state
            )
        if not self.machine.events[action].trigger(model):
            previous = getattr(model, "suspended_from", None)
            shown = STATE_LABELS.get(previous, previous) if isinstance(previous, str) else "未记录"
            raise IllegalTransition(
                f"{self.item.name}: 不能“{label}”：中止前的状态（{shown}）不在本事项的流程中",
                action,
                state,
            )

    def mermaid(self, current: str | None = None) -> str:
        """The machine as a Mermaid ``stateDiagram-v2`` with Chinese labels, ``current``
        highlighted when given; the internal ``extend`` self-loops are left out (a ``%%``
        comment says so). Raises ValueError for an unknown ``current`` state."""
        if current is not None and current not in self.states:
            raise ValueError(f"unknown state {current!r}")
        diagram = self._diagram_machine()
        graph = diagram.graph_cls(diagram)
        if current is not None:
            graph.set_node_style(current, "active")
        lines = str(graph.get_graph(title=f"title: {self.item.name}").source).split("\n")
        at = next(i for i, line in enumerate(lines) if line.startswith("stateDiagram")) + 1
        lines.insert(at, f"  %% {_EXTEND_NOTE}")
        return "\n".join(lines)

    def _diagram_machine(self) -> Any:
        with self._diagram_lock:
            if self._diagram is None:
                self._diagram = _diagram_class()(
                    model=None,
                    states=[{"name": s, "label": STATE_LABELS[s]} for s in self.states],
                    transitions=[
                        _transition(edge, labelled=True)
                        for edge in self._graph.edges
                        if edge.dest is not None
                    ],
                    initial=INITIAL_STATE,
                    auto_transitions=False,
                    send_event=True,
                    graph_engine="mermaid",
                    title=self.item.name,
                )
            return self._diagram


_CACHE: dict[tuple[str, str, tuple[str, ...]], CompiledItem] = {}
_CACHE_LOCK = threading.Lock()


def compile_item(item: Item, stages: tuple[str, ...] | None = None) -> CompiledItem:
    """Return the compiled machine of ``item`` for ``stages`` (default: the item's chain).

    Cached per (region, key, chain): every case of the item, and every variant with the same
    chain, shares one machine. A different but equal-keyed item (e.g. a test fixture) gets its
    own. Raises ValueError on a chain the loader would reject.
    """
    chain = tuple(stages) if stages is not None else item.stages
    cache_key = (item.region, item.key, chain)
    found = _CACHE.get(cache_key)
    if found is not None and (found.item is item or found.item == item):
        return found
    with _CACHE_LOCK:
        found = _CACHE.get(cache_key)
        if found is None or not (found.item is item or found.item == item):
            found = CompiledItem(item, chain)
            _CACHE[cache_key] = found
        return found

"""Compile an item's chain into its transition table, shared by every case of the item.

One source of truth: the item's state graph (`jingban.workflows.stages.build_graph`). The
runtime table that `CompiledItem.fire` steps through is built from it, with guards and effects
as names from the registries below (never code from data). ``transitions`` draws the diagrams:
`CompiledItem.machine` is a ``transitions`` Machine built from the same graph, on demand, and
``tests/workflows/test_wf_one_machine.py`` checks that no edge exists in one and not the other.
It is not fired at run time: a table lookup decides a step in a fraction of the time a
trigger takes (``bench/bench_actions.py``).

``fire`` works on any light object with a ``state`` attribute (and, for ``suspend`` /
``resume``, a writable ``suspended_from``), so a case costs no machine of its own.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from transitions import Machine, State
from transitions.core import EventData

from jingban.workflows.errors import IllegalTransition
from jingban.workflows.model import Item
from jingban.workflows.stages import (
    ACTION_LABELS,
    FINAL_STATES,
    FORGET_SOURCE,
    INITIAL_STATE,
    REFUSALS,
    REMEMBER_SOURCE,
    RESUME_GUARD,
    STATE_LABELS,
    Edge,
    Graph,
    build_graph,
)

if TYPE_CHECKING:
    from transitions.extensions import GraphMachine


class Stepped(Protocol):
    """What `CompiledItem.fire` steps in place: a case, or any light object with its state
    and, for ``suspend`` / ``resume``, where a suspension left from."""

    state: str
    suspended_from: str | None


def _suspended_from(model: object, state: str | None) -> bool:
    """Guard of ``resume``: the case was suspended from ``state``."""
    return getattr(model, "suspended_from", None) == state


def _remember_source(model: Stepped, source: str) -> None:
    """On ``suspend``: record where the case was, for ``resume``."""
    model.suspended_from = source


def _forget_source(model: Stepped, source: str) -> None:
    """On ``resume``: the case is no longer suspended."""
    model.suspended_from = None


GUARDS: Mapping[str, Callable[[object, str | None], bool]] = MappingProxyType(
    {RESUME_GUARD: _suspended_from}
)
"""The allow-list of guards a graph edge may name (``Edge.guard``)."""
EFFECTS: Mapping[str, Callable[[Stepped, str], None]] = MappingProxyType(
    {REMEMBER_SOURCE: _remember_source, FORGET_SOURCE: _forget_source}
)
"""The allow-list of effects a graph edge may name (``Edge.effect``)."""


def _condition(edge: Edge) -> Callable[[EventData], bool]:
    """An edge's guard as a ``transitions`` condition (for the drawn machine)."""
    guard = GUARDS[edge.guard or ""]
    return lambda event: guard(event.model, edge.guard_arg)


def _transition(edge: Edge, labelled: bool) -> dict[str, object]:
    """An edge as a ``transitions`` transition spec, with the Chinese label the diagram
    markup reads when ``labelled``."""
    spec: dict[str, object] = {"trigger": edge.action, "source": edge.source, "dest": edge.dest}
    if edge.guard is not None:
        spec["conditions"] = [_condition(edge)]
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
def _diagram_class() -> type[GraphMachine]:
    """A GraphMachine whose states carry Chinese labels (imported only for diagrams)."""
    from transitions.extensions import GraphMachine

    class DiagramMachine(GraphMachine):
        state_cls = _LabelledState

    return DiagramMachine


class CompiledItem:
    """One item's chain compiled to its transition table, reused for all its cases."""

    final_states: frozenset[str] = FINAL_STATES

    def __init__(self, item: Item, stages: tuple[str, ...]) -> None:
        """Build the table for ``stages``; raises ValueError on a bad chain (the loader has
        already rejected those for packaged data)."""
        self.item = item
        self.stages = stages
        self._graph: Graph = build_graph(stages)
        self.states: tuple[str, ...] = self._graph.states
        self.chain_states: tuple[str, ...] = self._graph.chain_states
        self.happy_path: tuple[str, ...] = self._graph.happy_path
        self._allowed = self._graph.allowed()
        self._next = dict(zip(self.chain_states, self.happy_path, strict=False))
        table: dict[tuple[str, str], list[Edge]] = {}
        for edge in self._graph.edges:
            table.setdefault((edge.source, edge.action), []).append(edge)
        self._table: dict[tuple[str, str], tuple[Edge, ...]] = {
            key: tuple(edges) for key, edges in table.items()
        }
        self._machine: Machine | None = None
        self._diagram: GraphMachine | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<CompiledItem {self.item.region}.{self.item.key} {'—'.join(self.stages)}>"

    @property
    def graph(self) -> Graph:
        """The state graph the table and the drawn machine are built from."""
        return self._graph

    @property
    def machine(self) -> Machine:
        """The graph as a ``transitions`` Machine (built on first use, with no model and no
        auto transitions), for diagrams and for checking the table against."""
        with self._lock:
            if self._machine is None:
                self._machine = Machine(
                    model=None,
                    states=[{"name": s, "final": s in FINAL_STATES} for s in self.states],
                    transitions=[_transition(edge, labelled=False) for edge in self._graph.edges],
                    initial=INITIAL_STATE,
                    auto_transitions=False,
                    send_event=True,
                    name=f"{self.item.region}.{self.item.key}",
                )
            return self._machine

    def transitions(self) -> tuple[tuple[str, str, str | None], ...]:
        """Every transition as (source, action, dest), dest None for internal ones, ordered by
        source state, then by action in the order the graph first names it."""
        order = {state: index for index, state in enumerate(self.states)}
        actions = {edge.action: None for edge in self._graph.edges}
        rank = {action: index for index, action in enumerate(actions)}
        edges = sorted(self._graph.edges, key=lambda e: (order[e.source], rank[e.action]))
        return tuple((e.source, e.action, e.dest) for e in edges)

    def next_action(self, state: str) -> str | None:
        """The happy-path action from ``state`` (what ``advance`` means there), or None off the
        chain, in a final state, or for an unknown state."""
        return self._next.get(state)

    def allowed(self, state: str) -> tuple[str, ...]:
        """Actions the graph has from ``state`` (roles and guards ignored); () if unknown."""
        return self._allowed.get(state, ())

    def has_edge(self, state: str, action: str) -> bool:
        """Whether some edge labelled ``action`` leaves ``state`` (guards ignored)."""
        return (state, action) in self._table

    def fire(self, model: Stepped, action: str) -> None:
        """Take ``action`` on ``model`` (any object with a ``state`` attribute) in place.

        ``suspend`` sets ``model.suspended_from`` to the state it leaves; ``resume`` returns to
        that state and sets it back to None. Raises ``IllegalTransition`` (Chinese message
        naming the action and the state) when the action is not allowed from the model's state,
        or when ``resume`` finds no matching ``suspended_from``; the model is then unchanged.
        ``advance`` is not an action here: resolve it with ``next_action`` first.
        """
        state = getattr(model, "state", None)
        edges = self._table.get((state, action)) if isinstance(state, str) else None
        if edges is None:
            label = ACTION_LABELS.get(action, action)
            shown = STATE_LABELS.get(state, state) if isinstance(state, str) else "未知"
            why = REFUSALS.get((state, action)) if isinstance(state, str) else None
            raise IllegalTransition(
                f"{self.item.name}: 当前状态为“{shown}”，不能执行“{label}”"
                + (f"。{why}" if why else ""),
                action,
                state,
            )
        for edge in edges:
            if edge.guard is None or GUARDS[edge.guard](model, edge.guard_arg):
                if edge.dest is not None:
                    model.state = edge.dest
                if edge.effect is not None:
                    EFFECTS[edge.effect](model, edge.source)
                return
        label = ACTION_LABELS.get(action, action)
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
        drawn = graph.get_graph(title=f"title: {self.item.name}").draw(None)  # the Mermaid text
        lines = str(drawn).split("\n")
        at = next(i for i, line in enumerate(lines) if line.startswith("stateDiagram")) + 1
        lines.insert(at, f"  %% {_EXTEND_NOTE}")
        return "\n".join(lines)

    def _diagram_machine(self) -> GraphMachine:
        with self._lock:
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

"""Stage chains and the state graph every item compiles to, as plain data.

This module knows the stage names (normalised Chinese) and the graph rules; states and actions
come from `jingban.workflows.vocabulary` and `jingban.workflows.actions`. The graph is the one
source of every item's transitions: the runtime table (`CompiledItem.fire`) and the
``transitions`` machine drawn for diagrams are both built from it. The loader uses it to
reject bad chains at load time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType

from jingban.workflows.actions import ACTION_LABELS
from jingban.workflows.vocabulary import (
    FINAL_STATES,
    INITIAL_STATE,
    OFF_PATH_STATES,
    STATE_LABELS,
)

__all__ = [
    "ACTION_LABELS",
    "FINAL_STATES",
    "INITIAL_STATE",
    "OFF_PATH_STATES",
    "STATE_LABELS",
    "Edge",
    "Graph",
    "build_graph",
    "chain_problem",
    "chain_states",
    "graph_problem",
]

STAGE_NAMES: tuple[str, ...] = ("申请", "网上预审", "受理", "审核", "流转", "拨付", "办结", "反馈")
"""Normalised stage names a chain may use, in their usual order."""

STAGE_STATES: Mapping[str, str] = MappingProxyType(
    {
        "申请": "submitted",
        "网上预审": "prereviewed",
        "受理": "accepted",
        "审核": "reviewed",
        "流转": "transferred",
        "拨付": "paid",
        "办结": "completed",
        "反馈": "completed",
    }
)
"""Normalised stage name → the state a case is in once that stage is done."""

END_STAGES: frozenset[str] = frozenset({"办结", "反馈"})

ENTRY_ACTIONS: Mapping[str, str] = MappingProxyType(
    {
        "prereviewed": "prereview",
        "accepted": "accept",
        "transferred": "transfer",
        "reviewed": "approve",
        "paid": "pay",
        "completed": "complete",
    }
)
"""Chain state → the happy-path action that enters it."""

SUPPLEMENT_SOURCES: frozenset[str] = frozenset(
    {"submitted", "prereviewed", "accepted", "transferred"}
)
NOT_ACCEPT_SOURCES: frozenset[str] = frozenset({"submitted", "prereviewed", "supplement_requested"})
NOT_SUSPENDABLE: frozenset[str] = frozenset(
    {"submitted", "supplement_requested", "suspended", "suspension_pending"}
)
NOT_WITHDRAWABLE: frozenset[str] = frozenset({"paid"})
"""States a case may not be withdrawn from: money paid cannot be withdrawn (冲正 reverses it)."""

REFUSALS: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("paid", "withdraw"): (
            "已拨付的款项不能撤回；如付款有误，请由科长执行「冲正」(reverse_payment)，"
            "填写理由和冲正凭证号"
        ),
    }
)
"""Why an action the graph has no edge for is refused, where a plain "not from this state"
would not tell the clerk what to do instead."""

RESUME_GUARD = "suspended_from"
"""Name (in the compiler's guard registry) of the guard on each ``resume`` transition."""
REMEMBER_SOURCE = "remember_source"
FORGET_SOURCE = "forget_source"
"""Names (in the compiler's effect registry) of what ``suspend`` and ``resume`` record: the
state a suspension left, and that the case is no longer suspended."""


@dataclass(frozen=True, slots=True)
class Edge:
    """One transition: ``dest`` None means internal (no state change, no exit/enter).

    ``guard`` names a registered guard and ``guard_arg`` its argument; ``effect`` names a
    registered effect run when the edge is taken; never code.
    """

    source: str
    action: str
    dest: str | None
    guard: str | None = None
    guard_arg: str | None = None
    effect: str | None = None


@dataclass(frozen=True, slots=True)
class Graph:
    """The full state graph of one chain: chain states first, then the off-path ones."""

    stages: tuple[str, ...]
    chain_states: tuple[str, ...]
    states: tuple[str, ...]
    edges: tuple[Edge, ...]
    happy_path: tuple[str, ...]

    def allowed(self) -> dict[str, tuple[str, ...]]:
        """Map every state to the distinct actions leaving it, in edge order (guards ignored)."""
        out: dict[str, list[str]] = {state: [] for state in self.states}
        for edge in self.edges:
            if edge.action not in out[edge.source]:
                out[edge.source].append(edge.action)
        return {state: tuple(actions) for state, actions in out.items()}


def chain_problem(stages: Sequence[str]) -> str | None:
    """Return what is wrong with a chain of normalised stage names (Chinese), or None if valid.

    Rejects: an empty chain, unknown names, duplicates, 申请 anywhere but first, a last stage
    other than 办结/反馈, and 办结/反馈 before the end.
    """
    if not stages:
        return "环节链为空"
    for name in stages:
        if name not in STAGE_STATES:
            return f"未知环节“{name}”（可用: {'、'.join(STAGE_NAMES)}）"
    seen: set[str] = set()
    for name in stages:
        if name in seen:
            return f"环节“{name}”重复"
        seen.add(name)
    if "申请" in stages[1:]:
        return "“申请”只能是第一个环节"
    if stages[-1] not in END_STAGES:
        return f"环节链必须以“办结”或“反馈”结尾，实际以“{stages[-1]}”结尾"
    early = [name for name in stages[:-1] if name in END_STAGES]
    if early:
        return f"“{early[0]}”只能是最后一个环节"
    return None


def chain_states(stages: Sequence[str]) -> tuple[str, ...]:
    """Return the states of a valid chain, ``submitted`` first (implicit 申请 added)."""
    states = [INITIAL_STATE]
    states.extend(STAGE_STATES[name] for name in stages if name != "申请")
    return tuple(states)


def build_graph(stages: Sequence[str]) -> Graph:
    """Build the state graph of a chain; raises ValueError (Chinese message) on a bad chain.

    Happy path: one edge per consecutive pair, named by its target (ENTRY_ACTIONS). Off path:
    request_supplement, supplement, not_accept, deny (from the state before ``reviewed``, to
    ``completed``), withdraw (never from ``paid``), reverse_payment (from ``paid`` back to the
    state before it), suspend/resume and the approval of a requested suspension
    (``suspended`` and ``suspension_pending`` only exist when some state may be suspended)
    and the internal ``extend`` on every non-final state.
    """
    problem = chain_problem(stages)
    if problem:
        raise ValueError(problem)
    chain = chain_states(stages)
    edges: list[Edge] = []
    happy: list[str] = []
    for source, dest in pairwise(chain):
        action = ENTRY_ACTIONS[dest]
        edges.append(Edge(source, action, dest))
        happy.append(action)

    if "reviewed" in chain:
        before_review = chain[chain.index("reviewed") - 1]
        edges.append(Edge(before_review, "deny", "completed"))
    edges.extend(
        Edge(state, "request_supplement", "supplement_requested")
        for state in chain
        if state in SUPPLEMENT_SOURCES
    )
    edges.append(Edge("supplement_requested", "supplement", INITIAL_STATE))
    live = [s for s in (*chain, "supplement_requested") if s not in FINAL_STATES]
    edges.extend(
        Edge(state, "not_accept", "not_accepted") for state in live if state in NOT_ACCEPT_SOURCES
    )
    suspendable = [state for state in live if state not in NOT_SUSPENDABLE]
    edges.extend(
        Edge(state, "suspend", "suspended", effect=REMEMBER_SOURCE) for state in suspendable
    )
    edges.extend(
        Edge(
            "suspended",
            "resume",
            state,
            guard=RESUME_GUARD,
            guard_arg=state,
            effect=FORGET_SOURCE,
        )
        for state in suspendable
    )
    # 中止待批: a suspension waiting for the supervisor's approval, from where the supervisor
    # approves it (into 中止, still remembering the state it left) or refuses it (back there).
    edges.extend(
        Edge(state, "request_suspension", "suspension_pending", effect=REMEMBER_SOURCE)
        for state in suspendable
    )
    edges.extend(
        Edge(
            "suspension_pending",
            "refuse_suspension",
            state,
            guard=RESUME_GUARD,
            guard_arg=state,
            effect=FORGET_SOURCE,
        )
        for state in suspendable
    )
    if suspendable:
        edges.append(Edge("suspension_pending", "approve_suspension", "suspended"))
        live.extend(("suspended", "suspension_pending"))
    edges.extend(
        Edge(state, "withdraw", "withdrawn") for state in live if state not in NOT_WITHDRAWABLE
    )
    if "paid" in chain:
        # 冲正: the payment is reversed and the case is back where it was before 拨付, so the
        # payment can be made again (or the case withdrawn, now that no money stands paid).
        edges.append(Edge("paid", "reverse_payment", chain[chain.index("paid") - 1]))
    edges.extend(Edge(state, "extend", None) for state in live)
    # 容缺受理 enters 受理 as acceptance does; a supplement deadline passed unanswered ends the
    # request as withdrawn (逾期未补正，视为撤回), where the region's rule says so.
    edges.extend(
        Edge(e.source, "accept_deferred", e.dest) for e in tuple(edges) if e.action == "accept"
    )
    edges.append(Edge("supplement_requested", "lapse", "withdrawn"))

    pausing = ("suspended", "suspension_pending")
    off_path = [s for s in OFF_PATH_STATES if s not in pausing or suspendable]
    return Graph(
        stages=tuple(stages),
        chain_states=chain,
        states=(*chain, *off_path),
        edges=tuple(edges),
        happy_path=tuple(happy),
    )


def graph_problem(graph: Graph) -> str | None:
    """Return what is wrong with a graph (Chinese), or None: unreachable states, non-final
    dead ends, exits from final states, or edges naming unknown states."""
    known = set(graph.states)
    for edge in graph.edges:
        for state in (edge.source, edge.dest):
            if state is not None and state not in known:
                return f"转换 {edge.action} 指向未知状态 {state}"
    exits: dict[str, set[str]] = {state: set() for state in graph.states}
    for edge in graph.edges:
        if edge.dest is not None:
            exits[edge.source].add(edge.dest)
    reached = {INITIAL_STATE}
    frontier = [INITIAL_STATE]
    while frontier:
        for dest in exits[frontier.pop()]:
            if dest not in reached:
                reached.add(dest)
                frontier.append(dest)
    for state in graph.states:
        label = STATE_LABELS.get(state, state)
        if state not in reached:
            return f"状态“{label}”（{state}）不可达"
        if state in FINAL_STATES and any(e.source == state for e in graph.edges):
            return f"终态“{label}”（{state}）不应有出口"
        if state not in FINAL_STATES and not exits[state]:
            return f"状态“{label}”（{state}）是死路：非终态却没有出口"
    if "completed" not in graph.states:
        return "环节链没有办结状态"
    return None

"""Broken region files are rejected with ONE clear message naming file, item and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from workflow_support import FIXTURES

from jingban.errors import BadInput
from jingban.workflows import CatalogError, load_region
from jingban.workflows.stages import Edge, Graph, build_graph, chain_problem, graph_problem

BROKEN = sorted(FIXTURES.glob("broken_*.toml"))


def _expectation(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: …'"
    return first.removeprefix("# expect: ")


def test_good_fixture_loads() -> None:
    region = load_region(FIXTURES / "good.toml")
    assert [item.key for item in region.items] == ["unit_registration", "employee_registration"]
    assert region.supplement_policy == "restart"
    item = region.item("employee_registration")
    assert item.promised == item.statutory
    assert item.variants[0].promised == item.variants[0].statutory


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_fixture_gives_one_message_naming_file_item_and_field(path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_region(path)
    message = caught.value.message
    assert isinstance(caught.value, BadInput)
    assert message.startswith(f"{path.name}: ")
    assert _expectation(path) in message
    assert "\n" not in message
    if "TOML" not in message:
        assert "字段 " in message
        assert "事项 " in message or "区域表" in message


def test_there_are_enough_broken_fixtures() -> None:
    assert len(BROKEN) >= 15


@pytest.mark.parametrize(
    ("stages", "fragment"),
    [
        ((), "环节链为空"),
        (("申请", "受理", "拨款", "办结"), "未知环节“拨款”"),
        (("受理", "申请", "办结"), "“申请”只能是第一个环节"),
        (("申请", "受理", "审核"), "必须以“办结”或“反馈”结尾"),
        (("申请", "办结", "反馈"), "“办结”只能是最后一个环节"),
        (("申请", "审核", "审核", "办结"), "环节“审核”重复"),
    ],
)
def test_bad_chains_are_named(stages: tuple[str, ...], fragment: str) -> None:
    problem = chain_problem(stages)
    assert problem is not None and fragment in problem
    with pytest.raises(ValueError, match=fragment):
        build_graph(stages)


@pytest.mark.parametrize(
    "stages",
    [
        ("申请", "受理", "审核", "办结"),
        ("申请", "受理", "审核", "拨付", "办结"),
        ("申请", "网上预审", "受理", "审核", "办结"),
        ("申请", "受理", "流转", "办结"),
        ("申请", "受理", "反馈"),
        ("办结",),
    ],
)
def test_real_chains_build_sound_graphs(stages: tuple[str, ...]) -> None:
    assert chain_problem(stages) is None
    assert graph_problem(build_graph(stages)) is None


def _graph(states: tuple[str, ...], edges: tuple[Edge, ...]) -> Graph:
    return Graph(stages=(), chain_states=states, states=states, edges=edges, happy_path=())


def test_graph_check_rejects_unreachable_state() -> None:
    graph = _graph(
        ("submitted", "accepted", "completed", "paid"),
        (
            Edge("submitted", "accept", "accepted"),
            Edge("accepted", "complete", "completed"),
            Edge("paid", "complete", "completed"),
        ),
    )
    assert graph_problem(graph) == "状态“已拨付”（paid）不可达"


def test_graph_check_rejects_dead_end() -> None:
    graph = _graph(
        ("submitted", "accepted", "completed"),
        (
            Edge("submitted", "accept", "accepted"),
            Edge("submitted", "complete", "completed"),
            Edge("accepted", "extend", None),
        ),
    )
    assert graph_problem(graph) == "状态“已受理”（accepted）是死路：非终态却没有出口"


def test_graph_check_rejects_exit_from_final_state() -> None:
    graph = _graph(
        ("submitted", "completed"),
        (Edge("submitted", "complete", "completed"), Edge("completed", "accept", "submitted")),
    )
    assert graph_problem(graph) == "终态“已办结”（completed）不应有出口"

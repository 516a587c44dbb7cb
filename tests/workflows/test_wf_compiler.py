"""The compiled machines: happy paths, off-path actions, guards, fire() on light models."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jingban.errors import NotAllowed
from jingban.workflows import (
    ACTION_LABELS,
    STAGE_STATES,
    STATE_LABELS,
    CompiledItem,
    IllegalTransition,
    Item,
    compile_item,
    load_catalog,
)


def _all_items() -> list[Item]:
    return [item for region in load_catalog().regions.values() for item in region.items]


CHAINS = [(item, chain) for item in _all_items() for chain in item.chains]


class Case:
    """The lightest model: a state and where it was suspended from, nothing else."""

    __slots__ = ("state", "suspended_from")

    def __init__(self, state: str = "submitted") -> None:
        self.state = state
        self.suspended_from: str | None = None


@pytest.mark.parametrize(
    ("item", "chain"), CHAINS, ids=[f"{i.region}.{i.key}:{'-'.join(c)}" for i, c in CHAINS]
)
def test_happy_path_walks_to_completed(item: Item, chain: tuple[str, ...]) -> None:
    compiled = compile_item(item, chain)
    case = Case()
    walked = []
    while (action := compiled.next_action(case.state)) is not None:
        compiled.fire(case, action)
        walked.append(action)
    assert case.state == "completed"
    assert tuple(walked) == compiled.happy_path
    expected_states = {STAGE_STATES[s] for s in chain} | {"submitted"}
    assert set(compiled.chain_states) == expected_states


def test_machine_is_built_as_promised() -> None:
    compiled = compile_item(load_catalog().item("kashgar", "inpatient_reimbursement"))
    machine = compiled.machine
    assert machine.models == []
    assert machine.initial == "submitted"
    assert machine.send_event is True
    assert not any(name.startswith("to_") for name in machine.events)
    assert "advance" not in machine.events
    assert compiled.final_states == frozenset({"completed", "not_accepted", "withdrawn"})
    assert compiled.states == (
        "submitted", "accepted", "reviewed", "completed",
        "supplement_requested", "suspended", "suspension_pending", "not_accepted", "withdrawn",
    )  # fmt: skip
    assert compiled.happy_path == ("accept", "approve", "complete")


def test_payment_chain_and_allowed_actions() -> None:
    compiled = compile_item(load_catalog().item("shawan", "inpatient_reimbursement"))
    assert compiled.happy_path == ("accept", "approve", "pay", "complete")
    assert compiled.allowed("submitted") == (
        "accept", "request_supplement", "not_accept", "withdraw", "extend", "accept_deferred",
    )  # fmt: skip
    assert compiled.allowed("accepted") == (
        "approve", "deny", "request_supplement", "suspend", "request_suspension", "withdraw",
        "extend",
    )  # fmt: skip
    assert compiled.allowed("reviewed") == (
        "pay", "suspend", "request_suspension", "withdraw", "extend",
    )  # fmt: skip
    assert compiled.allowed("supplement_requested") == (
        "supplement", "not_accept", "withdraw", "extend", "lapse",
    )  # fmt: skip
    assert compiled.allowed("suspended") == ("resume", "withdraw", "extend")
    assert compiled.allowed("suspension_pending") == (
        "refuse_suspension", "approve_suspension", "withdraw", "extend",
    )  # fmt: skip
    for final in compiled.final_states:
        assert compiled.allowed(final) == ()
        assert compiled.next_action(final) is None
    assert compiled.allowed("nonsense") == ()
    assert compiled.next_action("suspended") is None


def test_online_prereview_chain() -> None:
    item = load_catalog().item("kashgar", "prenatal_exam_payment")
    terms = item.terms(channel="online")
    compiled = compile_item(item, terms.stages)
    assert compiled.happy_path == ("prereview", "accept", "approve", "complete")
    assert "request_supplement" in compiled.allowed("prereviewed")
    assert "not_accept" in compiled.allowed("prereviewed")
    assert compile_item(item) is not compiled


def test_deny_comes_from_the_state_before_review_and_ends_completed() -> None:
    compiled = compile_item(load_catalog().item("kashgar", "inpatient_reimbursement"))
    case = Case("accepted")
    compiled.fire(case, "deny")
    assert case.state == "completed"
    no_review = compile_item(load_catalog().item("kashgar", "relocated_retiree_filing"))
    assert "deny" not in no_review.machine.events


def test_supplement_loop_and_not_accepted() -> None:
    compiled = compile_item(load_catalog().item("sichuan", "inpatient_reimbursement"))
    case = Case()
    compiled.fire(case, "request_supplement")
    assert case.state == "supplement_requested"
    compiled.fire(case, "supplement")
    assert case.state == "submitted"
    compiled.fire(case, "not_accept")
    assert case.state == "not_accepted"
    with pytest.raises(IllegalTransition):
        compiled.fire(case, "withdraw")


def test_suspend_records_source_and_resume_returns_there() -> None:
    compiled = compile_item(load_catalog().item("shawan", "inpatient_reimbursement"))
    case = Case("reviewed")
    compiled.fire(case, "suspend")
    assert (case.state, case.suspended_from) == ("suspended", "reviewed")
    compiled.fire(case, "extend")
    assert case.state == "suspended"
    compiled.fire(case, "resume")
    assert (case.state, case.suspended_from) == ("reviewed", None)


def test_resume_without_known_source_is_illegal() -> None:
    compiled = compile_item(load_catalog().item("shawan", "inpatient_reimbursement"))
    case = Case("suspended")
    with pytest.raises(IllegalTransition, match="中止前的状态"):
        compiled.fire(case, "resume")
    assert case.state == "suspended"
    case.suspended_from = "transferred"  # not a state of this chain
    with pytest.raises(IllegalTransition):
        compiled.fire(case, "resume")


def test_fire_works_on_a_plain_namespace_without_add_model() -> None:
    compiled = compile_item(load_catalog().item("bingtuan", "transfer_continuation"))
    case = SimpleNamespace(state="submitted")
    compiled.fire(case, "accept")
    compiled.fire(case, "extend")
    assert case.state == "accepted"
    assert compiled.machine.models == []


def test_illegal_action_message_names_action_and_state_in_chinese() -> None:
    compiled = compile_item(load_catalog().item("kashgar", "inpatient_reimbursement"))
    with pytest.raises(IllegalTransition) as caught:
        compiled.fire(Case("submitted"), "pay")
    error = caught.value
    assert isinstance(error, NotAllowed)
    assert STATE_LABELS["submitted"] in error.message
    assert ACTION_LABELS["pay"] in error.message
    assert (error.action, error.state) == ("pay", "submitted")
    with pytest.raises(IllegalTransition, match="下一步"):
        compiled.fire(Case("accepted"), "advance")
    with pytest.raises(IllegalTransition, match="未知"):
        compiled.fire(SimpleNamespace(), "accept")


def test_off_path_states_exist_on_every_chain() -> None:
    for item, chain in CHAINS:
        compiled = compile_item(item, chain)
        assert {"supplement_requested", "not_accepted", "withdrawn"} <= set(compiled.states)
        for state in compiled.states:
            if state not in compiled.final_states:
                # Money paid cannot be withdrawn; 冲正 reverses it (back to the stage before).
                assert ("withdraw" in compiled.allowed(state)) == (state != "paid")
                assert ("reverse_payment" in compiled.allowed(state)) == (state == "paid")
                assert "extend" in compiled.allowed(state)


def test_compile_is_cached_per_item_and_chain() -> None:
    item = load_catalog().item("kashgar", "unit_info_query")
    assert compile_item(item) is compile_item(item)
    online = compile_item(item, item.terms(channel="online").stages)
    assert online.stages == ("办结",)
    assert online.happy_path == ("complete",)
    assert "suspended" not in online.states  # nothing on this chain can be suspended
    assert online is compile_item(item, ("办结",))


def test_every_item_and_chain_builds_a_machine() -> None:
    built = [CompiledItem(item, chain) for item, chain in CHAINS]
    assert len(built) == len(CHAINS) > 155
    assert all(machine.happy_path for machine in built)


def test_mermaid_diagram() -> None:
    compiled = compile_item(load_catalog().item("kashgar", "inpatient_reimbursement"))
    text = compiled.mermaid()
    assert "stateDiagram-v2" in text
    assert "title: 住院费用报销" in text
    assert 'state "已受理" as accepted' in text
    assert "submitted --> accepted: 受理" in text
    assert "accepted --> completed: 审核不通过" in text
    assert "[*] --> submitted" in text
    assert "s_active" not in text.split("classDef s_active")[1]
    highlighted = compiled.mermaid("accepted")
    assert "accepted s_active" in highlighted.replace("Class ", "")
    with pytest.raises(ValueError):
        compiled.mermaid("nowhere")

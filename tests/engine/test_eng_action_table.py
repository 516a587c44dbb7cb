"""The action table is the one declaration every front end reads.

Each takeable action has exactly one handler; each parameter kind one validator; the API
body, the CLI options and the console forms offer exactly the declared parameters; required
parameters are refused when missing, by name; the roles are those the 经办 rules give.
"""

from __future__ import annotations

import pytest
from typer.main import get_command

from jingban.api.schemas import ActionIn
from jingban.cli.main import app
from jingban.engine import ActionParams
from jingban.engine.handlers import HANDLERS
from jingban.engine.params import VALIDATORS, validated
from jingban.engine.roles import may
from jingban.errors import BadInput
from jingban.workflows.actions import ACTION_DEFS, ACTIONS, NOTICES, PARAM_KINDS, PARAMS

TAKEABLE = [a for a in ACTION_DEFS if a.takeable]


def test_every_takeable_action_has_one_handler_and_no_handler_is_orphaned() -> None:
    assert set(HANDLERS) == {a.key for a in TAKEABLE}


def test_every_parameter_kind_has_a_validator() -> None:
    assert set(VALIDATORS) == set(PARAM_KINDS)
    assert {p.kind for a in ACTION_DEFS for p in a.params} <= set(PARAM_KINDS)


def test_the_api_body_has_exactly_the_declared_parameters() -> None:
    assert set(ActionIn.model_fields) == {p.name for p in PARAMS} | {"at", "expected_version"}


def test_case_act_has_one_option_per_declared_parameter() -> None:
    command = get_command(app)
    act = command.commands["case"].commands["act"]  # type: ignore[attr-defined]
    flags = {flag for param in act.params for flag in param.opts}
    assert {p.cli for p in PARAMS} <= flags
    assert {"--actor", "--role", "--at", "--expected-version", "--json"} <= flags


@pytest.mark.parametrize("action", TAKEABLE, ids=lambda a: a.key)
def test_a_missing_required_parameter_is_refused_by_name(action) -> None:  # type: ignore[no-untyped-def]
    required = [p for p in action.params if p.required]
    if not required:
        assert set(validated(action, ActionParams())) == {p.name for p in action.params}
        return
    with pytest.raises(BadInput) as raised:
        validated(action, ActionParams())
    assert f"「{action.label}」" in raised.value.message


def test_days_are_bounded_by_each_action_s_own_maximum() -> None:
    with pytest.raises(BadInput, match="1–60"):
        validated(ACTIONS["extend"], ActionParams(reason="专家评审未完成", days=61))
    assert validated(ACTIONS["suspend"], ActionParams(reason="公示", days=61))["days"] == 61


def test_validated_parameters_are_read_as_their_kind_gives_them() -> None:
    pay = validated(
        ACTIONS["pay"], ActionParams(amount="1234.5", account="6222-0000 1111", voucher="P-7")
    )
    assert (pay.number("amount"), pay.given("account"), pay.given("voucher")) == (
        123450,
        "622200001111",
        "P-7",
    )
    assert pay.text("reason") is None
    accept = validated(ACTIONS["accept"], ActionParams(materials=("申请表",)))
    assert accept.names("materials") == ("申请表",)
    assert validated(ACTIONS["accept"], ActionParams()).names("materials") == ()
    with pytest.raises(TypeError):
        pay.number("voucher")  # a reader of the wrong kind is a mistake in the code
    with pytest.raises(KeyError):
        accept.number("days")


def test_notices_are_declared_with_their_actions() -> None:
    assert {kind: a.key for kind, a in NOTICES.items()} == {
        "accept": "accept",
        "supplement": "request_supplement",
        "refuse": "not_accept",
        "suspend": "suspend",
        "extend": "extend",
        "deny": "deny",
        "resume": "resume",
        "complete": "complete",
        "deferred": "accept_deferred",
        "delivery": "deliver",
    }


# What each role may do (the supervisor may do everything staff do): the counter registers,
# accepts, tells what is missing, refuses, withdraws and reissues a lost query code after
# checking the applicant's identity document; the reviewer reviews, suspends and transfers;
# the payer pays; any of them may be an item's completer (the engine lets only the item's
# one completer complete it); extension, reassignment and 冲正 (reversing a payment) are the
# supervisor's. Every member of staff who handles the case may attach a scanned material,
# and records an applicant's opt-out of (and back into) the milestone text messages, as the
# applicant asks whoever they speak to. A supervision order (督办) is the supervisor's to
# issue; whoever it is sent to replies.
_SMS = {"sms_optout", "sms_optin", "reply"}
EXPECTED = {
    "clerk": {
        "open",
        "accept",
        "request_supplement",
        "supplement",
        "not_accept",
        "prereview",
        "withdraw",
        "complete",
        "reissue_code",
        "attach",
        "accept_deferred",
        "receive_deferred",
        "undertake",
        "deliver",
        *_SMS,
    },
    "reviewer": {
        "approve",
        "deny",
        "suspend",
        "resume",
        "request_supplement",
        "transfer",
        "complete",
        "attach",
        "verify_undertaking",
        "request_suspension",
        "recheck",
        *_SMS,
    },
    "payer": {"pay", "complete", "attach", *_SMS},
    "admin": set(),
}


def test_roles_are_as_the_rules_give_them() -> None:
    for role, actions in EXPECTED.items():
        assert {a.key for a in ACTION_DEFS if may(role, a.key)} == actions, role
    staff_actions = set().union(*EXPECTED.values()) | {
        "extend",
        "reassign",
        "migrate",
        "reverse_payment",
        "supervise",
        # A 差评's rectification, and the approval of a suspension (中止待批).
        "verify_rating",
        "rectify",
        "answer_rating",
        "call_back",
        "review_appeal",
        "approve_suspension",
        "refuse_suspension",
        # 内控: the findings of 稽核 and their rectification.
        "audit_check",
        "audit_rectify",
    }
    staff_actions.discard("request_suspension")  # a supervisor suspends without asking
    assert {a.key for a in ACTION_DEFS if may("supervisor", a.key)} == staff_actions


def test_a_clerk_tells_what_is_missing_before_acceptance_and_a_reviewer_after() -> None:
    for state in ("submitted", "prereviewed"):
        assert may("clerk", "request_supplement", state)
        assert not may("reviewer", "request_supplement", state)
    for state in ("accepted", "transferred"):
        assert not may("clerk", "request_supplement", state)
        assert may("reviewer", "request_supplement", state)
    assert may("supervisor", "request_supplement", "submitted")


def test_each_action_s_declared_clock_effect_is_what_its_edges_do() -> None:
    """An action that pauses the clock leads to a paused state, one that stops it to a final
    state, a resume leads back to a running one: over every edge of every chain."""
    from jingban.workflows import compile_item, load_catalog
    from jingban.workflows.vocabulary import FINAL_STATES, PAUSED_STATES, RUNNING_STATES

    seen: set[str] = set()
    for region in load_catalog().regions.values():
        for item in region.items:
            for edge in compile_item(item).graph.edges:
                clock = ACTIONS[edge.action].clock
                seen.add(edge.action)
                if edge.dest is None:
                    assert clock in ("none", "extend"), edge
                elif clock == "pause":
                    assert edge.dest in PAUSED_STATES, edge
                elif clock == "stop":
                    assert edge.dest in FINAL_STATES, edge
                elif clock in ("resume", "restart", "start", "none"):
                    assert edge.dest in RUNNING_STATES, edge
                else:
                    raise AssertionError(edge)
    assert {"suspend", "resume", "request_supplement", "supplement", "complete"} <= seen

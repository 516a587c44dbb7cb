"""Every action and guard of the engine, on real catalog items, through the bare `Engine`.

Chains covered (checked against the catalog in `test_chains_are_the_ones_these_tests_assume`):
kashgar 住院费用报销 申请—受理—审核—办结; sichuan 住院费用报销 申请—受理—审核—拨付—办结; kashgar
转移接续 申请—受理—流转—办结; kashgar 产前检查费支付, online: 申请—网上预审—受理—审核—办结; kashgar
异地安置退休人员备案 申请—受理—办结 (备案, no 审核); bingtuan 转移接续 with stage sub-limits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from engine_support import (
    ADMIN,
    APPLICANT_ID,
    CLERK,
    CLERK2,
    PAYER,
    REVIEWER,
    REVIEWER2,
    SUPERVISOR,
    act,
    at,
    make_engine,
    open_case,
    snapshot,
)

from jingban.engine import (
    TERMINAL_STATES,
    Case,
    Engine,
    MissingMaterials,
    SeparationOfDuties,
    WrongRole,
)
from jingban.errors import BadInput, NotAllowed
from jingban.workflows import ACTION_LABELS, IllegalTransition, load_catalog
from jingban.workflows.actions import ACTIONS

KS_INPATIENT = ("kashgar", "inpatient_reimbursement")
SC_INPATIENT = ("sichuan", "inpatient_reimbursement")
KS_TRANSFER = ("kashgar", "transfer_continuation")
KS_PRENATAL = ("kashgar", "prenatal_exam_payment")
KS_FILING = ("kashgar", "relocated_retiree_filing")
BT_TRANSFER = ("bingtuan", "transfer_continuation")

T0 = at("2026-03-02 10:00")  # a Monday, ordinary working day in every region


def later(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


@pytest.fixture(scope="module")
def eng() -> Engine:
    return make_engine()


def _open(eng: Engine, key: tuple[str, str], **kw: Any) -> Case:
    return open_case(eng, key[0], key[1], now=kw.pop("now", T0), **kw).case


def _accepted(eng: Engine, key: tuple[str, str], who: tuple[str, str] = CLERK, **kw: Any) -> Case:
    return act(eng, _open(eng, key, **kw), "accept", who, later(1)).case


PAY = {"amount": "1234.56", "account": "6222 0212 3456 7890 123", "voucher": "PZ-2026-0042"}


def test_chains_are_the_ones_these_tests_assume() -> None:
    catalog = load_catalog()
    chains = {
        KS_INPATIENT: ("申请", "受理", "审核", "办结"),
        SC_INPATIENT: ("申请", "受理", "审核", "拨付", "办结"),
        KS_TRANSFER: ("申请", "受理", "流转", "办结"),
        KS_FILING: ("申请", "受理", "办结"),
        BT_TRANSFER: ("申请", "受理", "审核", "办结"),
    }
    for key, chain in chains.items():
        assert catalog.item(*key).stages == chain, key
    prenatal = catalog.item(*KS_PRENATAL)
    assert prenatal.terms("online").stages == ("申请", "网上预审", "受理", "审核", "办结")
    assert [s.key for s in catalog.item(*BT_TRANSFER).stage_limits] == [
        "transfer_out",
        "transfer_in",
    ]


# -- the happy path, one `advance` at a time ----------------------------------------------

HAPPY = [
    pytest.param(KS_INPATIENT, {}, ["accepted", "reviewed", "completed"], id="ks-review"),
    pytest.param(SC_INPATIENT, {}, ["accepted", "reviewed", "paid", "completed"], id="sc-pay"),
    pytest.param(KS_TRANSFER, {}, ["accepted", "transferred", "completed"], id="ks-transfer"),
    pytest.param(
        KS_PRENATAL,
        {"channel": "online", "cross_province": True},
        ["prereviewed", "accepted", "reviewed", "completed"],
        id="ks-online-prereview",
    ),
    pytest.param(KS_FILING, {}, ["accepted", "completed"], id="ks-filing"),
    pytest.param(BT_TRANSFER, {}, ["accepted", "reviewed", "completed"], id="bt-stages"),
]
# Who takes each step: the role the issue names (a supervisor where it names none).
STEP_ACTOR = {
    "prereviewed": SUPERVISOR,
    "accepted": CLERK,
    "transferred": SUPERVISOR,
    "reviewed": REVIEWER,
    "paid": PAYER,
    "completed": SUPERVISOR,
}
STEP_ACTION = {
    "prereviewed": "prereview",
    "accepted": "accept",
    "transferred": "transfer",
    "reviewed": "approve",
    "paid": "pay",
    "completed": "complete",
}


@pytest.mark.parametrize(("key", "kw", "path"), HAPPY)
def test_advance_follows_the_happy_path(eng: Engine, key, kw, path) -> None:
    case = _open(eng, key, **kw)
    assert (case.state, case.version, case.outcome) == ("submitted", 1, None)
    for step, expected in enumerate(path, start=1):
        params = PAY if expected == "paid" else {}
        result = act(eng, case, "advance", STEP_ACTOR[expected], later(step), **params)
        assert result.case.state == expected
        assert result.case.version == case.version + 1
        assert result.event.action == STEP_ACTION[expected]  # advance is recorded as the step
        assert (result.event.from_state, result.event.to_state) == (case.state, expected)
        case = result.case
    assert case.is_terminal and case.outcome == "approved"
    assert case.completed_at == later(len(path))
    with pytest.raises(NotAllowed):
        act(eng, case, "advance", SUPERVISOR, later(10))


def test_advance_has_no_next_step_off_the_chain(eng: Engine) -> None:
    case = act(
        eng, _open(eng, KS_INPATIENT, all_materials=False), "request_supplement", CLERK, later(1)
    ).case
    with pytest.raises(NotAllowed, match="没有下一步"):
        act(eng, case, "advance", SUPERVISOR, later(2))


# -- acceptance and the one-time notice ----------------------------------------------------

KS_INPATIENT_REQUIRED = [
    "医保电子凭证或有效身份证件或社会保障卡复印件",
    "住院发票",
    "住院医疗费用清单",
    "出院证或疾病诊断证明书",
]


def test_accept_with_missing_materials_lists_every_missing_one(eng: Engine) -> None:
    case = _open(eng, KS_INPATIENT, all_materials=False, materials=("住院发票",))
    before = snapshot(case)
    with pytest.raises(MissingMaterials) as raised:
        act(eng, case, "accept", CLERK, later(1))
    # Required and unconditional, in the item's order; conditional ones (外伤, 急诊 …) are not.
    assert raised.value.missing == [KS_INPATIENT_REQUIRED[0], *KS_INPATIENT_REQUIRED[2:]]
    assert all(name in raised.value.message for name in raised.value.missing)
    assert raised.value.exit_code == 4
    assert snapshot(case) == before


def test_accept_counts_materials_checked_at_acceptance(eng: Engine) -> None:
    case = _open(eng, KS_INPATIENT, all_materials=False, materials=("住院发票",))
    result = act(
        eng,
        case,
        "accept",
        CLERK,
        later(1),
        materials=("医保电子凭证", "住院医疗费用清单", "出院证"),
    )  # unique fragments
    assert result.case.state == "accepted"
    # 医保电子凭证 is one of the documents the identity material accepts: it is recorded as
    # the one shown, and meets that material.
    shown = ["医保电子凭证", *KS_INPATIENT_REQUIRED[1:]]
    assert KS_INPATIENT_REQUIRED[0].startswith("医保电子凭证或")
    assert sorted(result.case.materials) == sorted(shown)
    assert result.event.payload["materials"] == list(result.case.materials)


def test_unknown_material_is_bad_input_naming_it(eng: Engine) -> None:
    case = _open(eng, KS_INPATIENT, all_materials=False)
    with pytest.raises(BadInput, match="结婚证"):
        act(eng, case, "accept", CLERK, later(1), materials=("结婚证",))


def test_request_supplement_names_all_missing_at_once_and_supplement_returns(eng: Engine) -> None:
    case = _open(eng, KS_INPATIENT, all_materials=False, materials=("住院发票",))
    notice = act(eng, case, "request_supplement", CLERK, later(1))
    missing = [KS_INPATIENT_REQUIRED[0], *KS_INPATIENT_REQUIRED[2:]]
    assert notice.case.state == "supplement_requested"
    assert notice.event.payload["missing"] == missing
    assert list(notice.case.missing) == missing
    with pytest.raises(IllegalTransition):  # the state is checked before the materials
        act(eng, notice.case, "accept", CLERK, later(2))

    back = act(eng, notice.case, "supplement", CLERK2, later(24))
    assert back.case.state == "submitted"
    assert back.case.missing == ()
    assert set(KS_INPATIENT_REQUIRED) <= set(back.case.materials)
    assert act(eng, back.case, "accept", CLERK, later(25)).case.state == "accepted"


def test_request_supplement_with_an_explicit_list(eng: Engine) -> None:
    case = _open(eng, KS_INPATIENT)  # every required material checked
    with pytest.raises(BadInput, match="缺少的材料"):
        act(eng, case, "request_supplement", CLERK, later(1))
    result = act(eng, case, "request_supplement", CLERK, later(1), missing=("急诊诊断证明",))
    assert result.event.payload["missing"] == ["急诊诊断证明"]
    with pytest.raises(BadInput, match="户口本"):
        act(eng, case, "request_supplement", CLERK, later(1), missing=("户口本",))


def test_reviewer_requests_supplement_during_review_only(eng: Engine) -> None:
    submitted = _open(eng, KS_INPATIENT, all_materials=False)
    with pytest.raises(WrongRole):
        act(eng, submitted, "request_supplement", REVIEWER, later(1))
    accepted = _accepted(eng, KS_INPATIENT)
    with pytest.raises(WrongRole):
        act(eng, accepted, "request_supplement", CLERK, later(2), missing=("住院发票",))
    result = act(eng, accepted, "request_supplement", REVIEWER, later(2), missing=("住院发票",))
    assert result.case.state == "supplement_requested"


# -- refusals that need a reason -------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_not_accept_needs_a_reason(eng: Engine, reason) -> None:
    case = _open(eng, KS_INPATIENT)
    with pytest.raises(BadInput, match="原因"):
        act(eng, case, "not_accept", CLERK, later(1), reason=reason)


def test_not_accept_ends_the_case_with_its_reason(eng: Engine) -> None:
    for case in (
        _open(eng, KS_INPATIENT),
        act(
            eng,
            _open(eng, KS_INPATIENT, all_materials=False),
            "request_supplement",
            CLERK,
            later(1),
        ).case,
    ):
        result = act(eng, case, "not_accept", CLERK, later(2), reason="  不属于本机构受理范围 ")
        assert result.case.state == "not_accepted" and result.case.is_terminal
        assert result.event.reason == "不属于本机构受理范围"
    with pytest.raises(IllegalTransition):
        act(eng, _accepted(eng, KS_INPATIENT), "not_accept", CLERK, later(2), reason="晚了")


@pytest.mark.parametrize("key", [KS_INPATIENT, SC_INPATIENT, BT_TRANSFER])
def test_deny_needs_a_reason_and_completes_denied(eng: Engine, key) -> None:
    case = _accepted(eng, key)
    before = snapshot(case)
    with pytest.raises(BadInput, match="原因"):
        act(eng, case, "deny", REVIEWER, later(2))
    assert snapshot(case) == before
    result = act(eng, case, "deny", REVIEWER, later(2), reason="不符合报销范围")
    assert (result.case.state, result.case.outcome) == ("completed", "denied")
    assert result.case.completed_at == later(2)
    assert result.event.reason == "不符合报销范围"
    assert result.case.payment is None


def test_deny_only_before_review_and_only_where_the_chain_reviews(eng: Engine) -> None:
    reviewed = act(eng, _accepted(eng, KS_INPATIENT), "approve", REVIEWER, later(2)).case
    with pytest.raises(IllegalTransition):
        act(eng, reviewed, "deny", REVIEWER, later(3), reason="改主意了")
    with pytest.raises(IllegalTransition):  # 流转 chain: nothing to deny
        act(eng, _accepted(eng, KS_TRANSFER), "deny", SUPERVISOR, later(2), reason="x")
    with pytest.raises(IllegalTransition):  # 备案 without 审核: nothing to deny either
        act(eng, _accepted(eng, KS_FILING), "deny", SUPERVISOR, later(2), reason="x")


# -- payment ----------------------------------------------------------------------------------


def _reviewed_sc(eng: Engine) -> Case:
    return act(eng, _accepted(eng, SC_INPATIENT), "approve", REVIEWER, later(2)).case


@pytest.mark.parametrize(
    ("amount", "fen"),
    [
        ("1234.56", 123456),
        ("1234.5", 123450),
        ("0.01", 1),
        (" 88 ", 8800),
        ("1000", 100000),
    ],
)
def test_pay_stores_yuan_as_integer_fen(eng: Engine, amount, fen) -> None:
    result = act(eng, _reviewed_sc(eng), "pay", PAYER, later(3), **{**PAY, "amount": amount})
    assert result.case.state == "paid"
    assert result.case.payment is not None
    assert result.case.payment.amount_fen == fen and isinstance(fen, int)
    assert result.event.payload["amount_fen"] == fen


@pytest.mark.parametrize(
    "amount",
    [None, "", "0", "-5", "1.234", "abc", "NaN", "Infinity", "10000000001", "1,234.56", "1234元"],
)
def test_pay_refuses_a_bad_amount(eng: Engine, amount) -> None:
    case = _reviewed_sc(eng)
    before = snapshot(case)
    with pytest.raises(BadInput, match="金额"):
        act(eng, case, "pay", PAYER, later(3), **{**PAY, "amount": amount})
    assert snapshot(case) == before


def test_pay_masks_the_account_and_keeps_the_voucher(eng: Engine) -> None:
    result = act(eng, _reviewed_sc(eng), "pay", PAYER, later(3), **PAY)
    full = "6222021234567890123"
    assert result.case.payment is not None
    assert result.case.payment.account_masked == "*" * 15 + "0123"
    assert result.case.payment.voucher == "PZ-2026-0042"
    assert result.event.payload["account"] == "*" * 15 + "0123"
    assert result.event.payload["voucher"] == "PZ-2026-0042"
    assert full not in repr(result.case) and full not in repr(result.event)
    assert result.case.paid_by == PAYER[0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("account", None),
        ("account", "1234567"),
        ("account", "6222-abcd-1234"),
        ("voucher", None),
        ("voucher", ""),
        ("voucher", "凭证 12"),
        ("voucher", "X" * 41),
    ],
)
def test_pay_refuses_a_bad_account_or_voucher(eng: Engine, field, value) -> None:
    with pytest.raises(BadInput):
        act(eng, _reviewed_sc(eng), "pay", PAYER, later(3), **{**PAY, field: value})


def test_pay_exists_only_on_chains_with_payment(eng: Engine) -> None:
    reviewed = act(eng, _accepted(eng, KS_INPATIENT), "approve", REVIEWER, later(2)).case
    with pytest.raises(IllegalTransition):
        act(eng, reviewed, "pay", PAYER, later(3), **PAY)


# -- separation of duties on 拨付 items ------------------------------------------------------


def test_the_accepter_may_not_approve_a_payment_item(eng: Engine) -> None:
    case = _accepted(eng, SC_INPATIENT, who=SUPERVISOR)
    before = snapshot(case)
    with pytest.raises(SeparationOfDuties) as raised:
        act(eng, case, "approve", SUPERVISOR, later(2))
    assert raised.value.exit_code == 4
    assert snapshot(case) == before
    assert act(eng, case, "approve", REVIEWER, later(2)).case.state == "reviewed"


def test_the_approver_may_not_pay(eng: Engine) -> None:
    reviewed = act(eng, _accepted(eng, SC_INPATIENT), "approve", SUPERVISOR, later(2)).case
    with pytest.raises(SeparationOfDuties):
        act(eng, reviewed, "pay", SUPERVISOR, later(3), **PAY)
    assert act(eng, reviewed, "pay", PAYER, later(3), **PAY).case.state == "paid"


def test_no_separation_of_duties_without_payment(eng: Engine) -> None:
    case = _accepted(eng, KS_INPATIENT, who=SUPERVISOR)
    assert act(eng, case, "approve", SUPERVISOR, later(2)).case.state == "reviewed"


# -- withdraw, suspend, resume, extend, reassign ------------------------------------------


def _in_state(eng: Engine, state: str) -> Case:
    """A sichuan payment case (or kashgar transfer / online prenatal) in ``state``."""
    if state == "prereviewed":
        return act(
            eng, _open(eng, KS_PRENATAL, channel="online"), "prereview", SUPERVISOR, later(1)
        ).case
    if state == "transferred":
        return act(eng, _accepted(eng, KS_TRANSFER), "transfer", SUPERVISOR, later(2)).case
    if state == "supplement_requested":
        return act(
            eng,
            _open(eng, SC_INPATIENT, all_materials=False),
            "request_supplement",
            CLERK,
            later(1),
        ).case
    case = _open(eng, SC_INPATIENT)
    for step, (action, who, params) in enumerate(
        [
            ("accept", CLERK, {}),
            ("approve", REVIEWER, {}),
            ("pay", PAYER, PAY),
            ("complete", SUPERVISOR, {}),
        ],
        start=1,
    ):
        if case.state == state:
            return case
        case = act(eng, case, action, who, later(step), **params).case
    assert case.state == state
    return case


LIVE = [
    "submitted",
    "prereviewed",
    "accepted",
    "transferred",
    "reviewed",
    "paid",
    "supplement_requested",
]


# Money paid cannot be withdrawn (tests/engine/test_eng_rules.py): 已拨付 is left out.
@pytest.mark.parametrize("state", [*(s for s in LIVE if s != "paid"), "suspended"])
def test_withdraw_before_completion(eng: Engine, state: str) -> None:
    if state == "suspended":
        case = act(
            eng, _in_state(eng, "accepted"), "suspend", REVIEWER, later(5), reason="公示", days=5
        ).case
    else:
        case = _in_state(eng, state)
    result = act(eng, case, "withdraw", CLERK, later(6), reason="申请人撤回")
    assert result.case.state == "withdrawn" and result.case.is_terminal


@pytest.mark.parametrize("state", ["accepted", "reviewed", "paid", "transferred", "prereviewed"])
def test_suspend_and_resume_return_to_the_prior_state(eng: Engine, state: str) -> None:
    case = _in_state(eng, state)
    suspended = act(
        eng, case, "suspend", REVIEWER, later(5), reason="现场核查", days=3, procedure="现场核查"
    )
    assert suspended.case.state == "suspended"
    assert suspended.case.suspended_from == state
    assert suspended.event.payload["procedure"] == "现场核查"
    assert suspended.event.payload["expected_working_days"] == 3
    resumed = act(eng, suspended.case, "resume", REVIEWER, later(30))
    assert resumed.case.state == state
    assert resumed.case.suspended_from is None and resumed.case.suspended_at is None
    assert (resumed.event.from_state, resumed.event.to_state) == ("suspended", state)


@pytest.mark.parametrize(
    "params",
    [
        {"days": 5},
        {"reason": "公示"},
        {"reason": "公示", "days": 0},
        {"reason": "公示", "days": 251},
        {"reason": "公示", "days": 5, "procedure": "喝茶"},
    ],
)
def test_suspend_needs_a_reason_and_days(eng: Engine, params) -> None:
    case = _in_state(eng, "accepted")
    before = snapshot(case)
    with pytest.raises(BadInput):
        act(eng, case, "suspend", REVIEWER, later(5), **params)
    assert snapshot(case) == before


@pytest.mark.parametrize("state", ["submitted", "supplement_requested"])
def test_no_suspension_before_acceptance(eng: Engine, state: str) -> None:
    with pytest.raises(IllegalTransition):
        act(eng, _in_state(eng, state), "suspend", REVIEWER, later(5), reason="x", days=2)


def test_resume_of_a_case_that_is_not_suspended_is_refused(eng: Engine) -> None:
    # Found by this suite: it used to fail an `assert` in the resume handler (AssertionError,
    # a traceback on the command line) before the machine looked at the state.
    case = _in_state(eng, "accepted")
    before = snapshot(case)
    with pytest.raises(IllegalTransition):
        act(eng, case, "resume", REVIEWER, later(5))
    assert snapshot(case) == before


@pytest.mark.parametrize("who", [CLERK, REVIEWER, PAYER, ADMIN])
def test_only_a_supervisor_extends(eng: Engine, who) -> None:
    with pytest.raises(WrongRole):
        act(eng, _in_state(eng, "accepted"), "extend", who, later(5), reason="复杂", days=10)


def test_extend_changes_no_state_and_needs_reason_and_days(eng: Engine) -> None:
    case = _in_state(eng, "reviewed")
    for bad in ({"days": 10}, {"reason": "复杂"}, {"reason": "复杂", "days": 61}):
        with pytest.raises(BadInput):
            act(eng, case, "extend", SUPERVISOR, later(5), **bad)
    result = act(eng, case, "extend", SUPERVISOR, later(5), reason="需专家评审", days=10)
    assert result.case.state == "reviewed" and result.case.version == case.version + 1
    assert result.case.extension_days == 10
    assert result.event.payload["days"] == 10
    assert (result.event.from_state, result.event.to_state) == ("reviewed", "reviewed")


def test_reassign_by_a_supervisor_only(eng: Engine) -> None:
    case = _in_state(eng, "accepted")
    for who in (CLERK, REVIEWER, PAYER, ADMIN):
        with pytest.raises(WrongRole):
            act(eng, case, "reassign", who, later(5), assignee="reviewer-ma")
    with pytest.raises(BadInput, match="承办人"):
        act(eng, case, "reassign", SUPERVISOR, later(5), assignee="  ")
    result = act(eng, case, "reassign", SUPERVISOR, later(5), assignee="reviewer-ma")
    assert result.case.assignee == "reviewer-ma" and result.case.state == "accepted"
    assert result.event.payload == {"assignee_from": case.assignee, "assignee_to": "reviewer-ma"}
    assert act(eng, result.case, "approve", REVIEWER2, later(6)).case.state == "reviewed"


# -- roles ----------------------------------------------------------------------------------

# (role, action, state the action is tried in, allowed?) — the role list.
ROLE_CASES = [
    ("clerk", "accept", "submitted", True),
    ("clerk", "request_supplement", "submitted", True),
    ("clerk", "supplement", "supplement_requested", True),
    ("clerk", "not_accept", "submitted", True),
    ("clerk", "approve", "accepted", False),
    ("clerk", "deny", "accepted", False),
    ("clerk", "suspend", "accepted", False),
    ("clerk", "pay", "reviewed", False),
    ("reviewer", "approve", "accepted", True),
    ("reviewer", "deny", "accepted", True),
    ("reviewer", "suspend", "accepted", True),
    ("reviewer", "request_supplement", "accepted", True),
    ("reviewer", "accept", "submitted", False),
    ("reviewer", "not_accept", "submitted", False),
    ("reviewer", "supplement", "supplement_requested", False),
    ("reviewer", "pay", "reviewed", False),
    ("payer", "pay", "reviewed", True),
    ("payer", "accept", "submitted", False),
    ("payer", "approve", "accepted", False),
    ("payer", "suspend", "accepted", False),
    ("admin", "accept", "submitted", False),
    ("admin", "approve", "accepted", False),
    ("admin", "pay", "reviewed", False),
    ("admin", "withdraw", "accepted", False),
    *[
        ("supervisor", a, s, True)
        for a, s in [
            ("accept", "submitted"),
            ("request_supplement", "submitted"),
            ("supplement", "supplement_requested"),
            ("not_accept", "submitted"),
            ("approve", "accepted"),
            ("deny", "accepted"),
            ("pay", "reviewed"),
            ("complete", "paid"),
            ("withdraw", "accepted"),
            ("suspend", "accepted"),
            ("extend", "accepted"),
            ("reassign", "accepted"),
            ("prereview", "submitted"),
        ]
    ],
]
ACTION_PARAMS = {
    "not_accept": {"reason": "x"},
    "deny": {"reason": "x"},
    "pay": PAY,
    "suspend": {"reason": "x", "days": 3},
    "extend": {"reason": "x", "days": 3},
    "reassign": {"assignee": "someone"},
    "request_supplement": {"missing": ("出院记录",)},
}
ROLE_ACTORS = {
    "clerk": CLERK2,
    "reviewer": REVIEWER2,
    "payer": PAYER,
    "supervisor": ("supervisor-lin", "supervisor"),
    "admin": ADMIN,
}


@pytest.mark.parametrize(("role", "action", "state", "allowed"), ROLE_CASES)
def test_roles(eng: Engine, role: str, action: str, state: str, allowed: bool) -> None:
    if action == "prereview":
        case = _open(eng, KS_PRENATAL, channel="online")
    else:
        case = _in_state(eng, state)
    assert case.state == state
    who, params = ROLE_ACTORS[role], ACTION_PARAMS.get(action, {})
    if allowed:
        assert action in eng.available_actions(case, role)
        act(eng, case, action, who, later(9), **params)
    else:
        assert action not in eng.available_actions(case, role)
        with pytest.raises(WrongRole):
            act(eng, case, action, who, later(9), **params)


@pytest.mark.parametrize("who", [CLERK, SUPERVISOR, REVIEWER, PAYER, ADMIN])
def test_registering_is_for_clerks_and_supervisors(eng: Engine, who) -> None:
    if who in (CLERK, SUPERVISOR):
        assert _open(eng, KS_INPATIENT, who=who).state == "submitted"
    else:
        with pytest.raises(WrongRole):
            _open(eng, KS_INPATIENT, who=who)


def test_unknown_action_and_unknown_role_are_bad_input(eng: Engine) -> None:
    case = _open(eng, KS_INPATIENT)
    before = snapshot(case)
    with pytest.raises(BadInput, match="未知操作"):
        act(eng, case, "approve_all", SUPERVISOR, later(1))
    with pytest.raises(BadInput, match="未知角色"):
        act(eng, case, "accept", ("x", "director"), later(1))
    assert snapshot(case) == before


# -- terminal states absorb -----------------------------------------------------------------


def _terminal(eng: Engine, kind: str) -> Case:
    if kind == "approved":
        return _in_state(eng, "completed")
    if kind == "denied":
        return act(
            eng, _accepted(eng, SC_INPATIENT), "deny", REVIEWER, later(2), reason="不符"
        ).case
    if kind == "not_accepted":
        return act(eng, _open(eng, SC_INPATIENT), "not_accept", CLERK, later(1), reason="否").case
    return act(eng, _in_state(eng, "accepted"), "withdraw", CLERK, later(2)).case


@pytest.mark.parametrize("kind", ["approved", "denied", "not_accepted", "withdrawn"])
def test_terminal_states_absorb_every_action(eng: Engine, kind: str) -> None:
    """Every action but those declared ``after_end`` (reissuing a lost query code, which the
    applicant still needs to read the outcome and to rate the service; recording how the
    result was delivered, for a case with a result; a supervision order and its reply, which
    ask why the case went as it did)."""
    case = _terminal(eng, kind)
    assert case.state in TERMINAL_STATES
    before = snapshot(case)
    params = {"reason": "x", "days": 3, "assignee": "y", "missing": ("出院记录",), **PAY}
    after_end = {key for key, spec in ACTIONS.items() if spec.after_end}
    assert after_end == {
        "reissue_code",
        "attach",
        "verify_undertaking",
        "deliver",
        "supervise",
        "reply",
        "rate",
        "appeal",
        "verify_rating",
        "rectify",
        "answer_rating",
        "call_back",
        "review_appeal",
        "audit_sample",
        "audit_check",
        "audit_rectify",
    }
    for action in [*ACTION_LABELS, "reassign"]:
        if action in after_end:
            continue
        with pytest.raises(NotAllowed):
            act(eng, case, action, SUPERVISOR, later(20), **params)
    assert snapshot(case) == before
    for role in ("reviewer", "payer", "admin"):
        assert eng.available_actions(case, role) == []
    with_result = kind != "withdrawn"
    for role in ("clerk", "supervisor"):
        expected = ["reissue_code", "deliver"] if with_result else ["reissue_code"]
        if role == "supervisor":
            expected.append("supervise")
        assert eng.available_actions(case, role) == expected
    reissued = act(eng, case, "reissue_code", CLERK, later(20), id_number=case.applicant_id)
    assert reissued.case.state == case.state and reissued.case.outcome == case.outcome
    assert reissued.event.from_state == reissued.event.to_state == case.state


# -- the case passed in is never modified ---------------------------------------------------

ERRORS = [
    ("accept", CLERK, {}, "missing-materials", MissingMaterials),
    ("approve", REVIEWER, {}, "submitted", IllegalTransition),
    ("approve", SUPERVISOR, {}, "accepted-by-supervisor", SeparationOfDuties),
    ("pay", SUPERVISOR, PAY, "reviewed-by-supervisor", SeparationOfDuties),
    ("pay", PAYER, {**PAY, "amount": "-1"}, "reviewed", BadInput),
    ("suspend", REVIEWER, {"days": 3}, "accepted", BadInput),
    ("extend", CLERK, {"reason": "x", "days": 3}, "accepted", WrongRole),
    ("complete", SUPERVISOR, {}, "accepted", IllegalTransition),
    ("fly", SUPERVISOR, {}, "accepted", BadInput),
    ("accept", CLERK, {"at": at("2026-03-01 09:00")}, "submitted", BadInput),  # before receipt
    ("accept", CLERK, {"at": at("2026-03-09 10:00")}, "submitted", BadInput),  # in the future
    ("accept", CLERK, {"at": dt.datetime(2026, 3, 2, 11)}, "submitted", BadInput),  # naive
]


@pytest.mark.parametrize(
    ("action", "who", "params", "setup", "error"), ERRORS, ids=[f"{e[0]}-{e[3]}" for e in ERRORS]
)
def test_the_case_passed_in_is_never_modified(
    eng: Engine, action, who, params, setup, error
) -> None:
    if setup == "missing-materials":
        case = _open(eng, SC_INPATIENT, all_materials=False, materials=("住院费用清单",))
    elif setup == "accepted-by-supervisor":
        case = _accepted(eng, SC_INPATIENT, who=SUPERVISOR)
    elif setup == "reviewed-by-supervisor":
        case = act(eng, _accepted(eng, SC_INPATIENT), "approve", SUPERVISOR, later(2)).case
    else:
        case = _in_state(eng, setup)
    before = snapshot(case)
    with pytest.raises(error):
        act(eng, case, action, who, later(3), **params)
    assert snapshot(case) == before


def test_a_successful_action_leaves_its_input_alone(eng: Engine) -> None:
    case = _in_state(eng, "accepted")
    before = snapshot(case)
    for action, who, params in [
        ("approve", REVIEWER, {}),
        ("suspend", REVIEWER, {"reason": "x", "days": 2}),
        ("extend", SUPERVISOR, {"reason": "x", "days": 2}),
        ("withdraw", CLERK, {}),
    ]:
        act(eng, case, action, who, later(4), **params)
    assert snapshot(case) == before


def test_backdated_action_is_marked_and_dated(eng: Engine) -> None:
    case = _open(eng, KS_INPATIENT)
    result = act(eng, case, "accept", CLERK, later(48), at=later(2))
    assert result.event.backdated is True
    assert result.event.at == later(2) and result.event.recorded_at == later(48)
    assert result.case.accepted_at == later(2)
    assert act(eng, case, "accept", CLERK, later(2)).event.backdated is False


def test_a_backdated_step_may_not_go_before_the_previous_one(eng: Engine) -> None:
    """Paper entered late is entered in order: a step dated before the case's last one would
    put the trail out of order."""
    case = act(eng, _open(eng, KS_INPATIENT), "accept", CLERK, later(48), at=later(24)).case
    before = snapshot(case)
    with pytest.raises(BadInput, match="早于本办件上一步的时间"):
        act(eng, case, "approve", REVIEWER, later(49), at=later(20))
    assert snapshot(case) == before
    approved = act(eng, case, "approve", REVIEWER, later(49), at=later(24))  # same instant: ok
    assert approved.event.at == later(24)


# -- opening ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"channel": "online"}, "不支持网上办理"),
        ({"channel": "fax"}, "渠道"),
        ({"applicant_type": "retiree"}, "申请人类型"),
        ({"received_at": at("2026-03-02 10:30")}, "晚于当前时间"),
        ({"received_at": dt.datetime(2026, 3, 2, 9)}, "时区"),
        ({"applicant_id_type": "driving_licence"}, "证件类型"),
    ],
)
def test_open_refuses_bad_input(eng: Engine, fields, match) -> None:
    with pytest.raises(BadInput, match=match):
        _open(eng, KS_INPATIENT, **fields)


def test_open_refuses_unknown_items_and_regions(eng: Engine) -> None:
    with pytest.raises(BadInput, match="没有事项"):
        _open(eng, ("kashgar", "moon_landing"))
    with pytest.raises(BadInput, match="未知区域"):
        eng.open_case(
            case_no="KS-20260302-00001-D",
            region="atlantis",
            item="inpatient_reimbursement",
            applicant_name="张三",
            applicant_id=APPLICANT_ID,
            actor=CLERK[0],
            role=CLERK[1],
            now=T0,
        )


def test_open_records_the_receipt(eng: Engine) -> None:
    result = open_case(
        eng,
        "kashgar",
        "住院费用报销",
        now=later(3),
        received_at=T0,
        all_materials=False,
        materials=("住院发票",),
    )
    case, event = result.case, result.event
    assert (case.item_key, case.state, case.version, case.assignee) == (
        "inpatient_reimbursement",
        "submitted",
        1,
        CLERK[0],
    )
    assert case.received_at == T0 and case.backdated
    assert (event.action, event.from_state, event.to_state) == ("open", None, "submitted")
    assert event.at == T0 and event.recorded_at == later(3) and event.backdated
    assert event.payload["materials"] == ["住院发票"]

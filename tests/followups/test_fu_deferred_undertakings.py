"""容缺受理 (accepted while deferrable materials are missing) and 告知承诺 (an undertaking in
place of a proof, checked later), on SQLite and PostgreSQL: what may be deferred or
undertaken is the region's data per item; a case with deferred materials outstanding is not
paid or completed; an overdue deferred material and an overdue check each raise one card."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fu_support import (
    CLERK,
    INPATIENT_DEFERRABLE,
    INPATIENT_KEPT,
    PAYER,
    PAYMENT,
    REVIEWER,
    act,
    beijing_day,
    open_case,
    recorded,
    services_on,
)
from support import at

from jingban.engine.followups import DeferredOutstanding
from jingban.engine.handlers import MissingMaterials
from jingban.engine.present import case_summary, public_progress
from jingban.errors import BadInput, NotAllowed
from jingban.scheduler.followups import run_followups
from jingban.services import Services


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as built:
        yield built


def _partial(services: Services, received_text: str) -> str:
    return open_case(
        services,
        "sichuan",
        "inpatient_reimbursement",
        at(received_text),
        materials=INPATIENT_KEPT,
        all_materials=False,
    )


def test_deferred_acceptance_blocks_payment_until_the_materials_arrive(
    services: Services,
) -> None:
    # The day before 春节's days off: Saturday 14 Feb 2026 is a make-up working day.
    case_no = _partial(services, "2026-02-13 10:00")
    when = at("2026-02-13 10:30")
    act(
        services, case_no, "accept_deferred", CLERK, when, deferred=INPATIENT_DEFERRABLE, due_days=2
    )
    case = services.cases.get(case_no)
    assert case.state == "accepted" and case.accepted_at is not None
    assert [d.name for d in case.deferred] == list(INPATIENT_DEFERRABLE)
    # Day 1 is Saturday 14 Feb (make-up), 15-23 Feb off, day 2 is Tuesday 24 Feb.
    assert {beijing_day(d.due_at) for d in case.deferred} == {"2026-02-24"}
    shown = case_summary(case)
    assert [d["outstanding"] for d in shown["deferred"]] == [True, True]  # type: ignore[index]
    history = services.cases.history(case_no)
    public = public_progress(case, history, services.engine.item_of(case).stages)
    assert public["deferred_needed"] == [
        {"name": name, "due_date": "2026-02-24"} for name in INPATIENT_DEFERRABLE
    ]
    act(services, case_no, "approve", REVIEWER, at("2026-02-14 10:00"))
    with pytest.raises(DeferredOutstanding, match="容缺"):
        act(services, case_no, "pay", PAYER, at("2026-02-14 11:00"), **PAYMENT)
    assert services.cases.get(case_no).state == "reviewed"
    act(
        services,
        case_no,
        "receive_deferred",
        CLERK,
        at("2026-02-24 09:00"),
        materials=("住院费用清单",),
    )
    with pytest.raises(DeferredOutstanding, match="参保人银行账户信息"):
        act(services, case_no, "pay", PAYER, at("2026-02-24 10:00"), **PAYMENT)
    act(services, case_no, "receive_deferred", CLERK, at("2026-02-24 11:00"))
    act(services, case_no, "pay", PAYER, at("2026-02-24 12:00"), **PAYMENT)
    act(services, case_no, "complete", PAYER, at("2026-02-24 13:00"))
    case = services.cases.get(case_no)
    assert case.state == "completed"
    assert set(INPATIENT_DEFERRABLE) <= set(case.materials)
    assert run_followups(services, at("2026-03-02 10:00"), remind_days=0).raised == {}
    _, breaks = services.cases.verify(case_no)
    assert breaks == []


def test_only_the_listed_materials_may_be_deferred(services: Services) -> None:
    case_no = open_case(
        services,
        "sichuan",
        "inpatient_reimbursement",
        at("2026-03-02 10:00"),
        materials=INPATIENT_KEPT[:2],
        all_materials=False,
    )
    with pytest.raises(NotAllowed, match="不可容缺"):
        act(
            services,
            case_no,
            "accept_deferred",
            CLERK,
            at("2026-03-02 10:10"),
            deferred=("出院记录",),
        )
    with pytest.raises(MissingMaterials, match="出院记录"):  # a key material is not deferrable
        act(
            services,
            case_no,
            "accept_deferred",
            CLERK,
            at("2026-03-02 10:10"),
            deferred=INPATIENT_DEFERRABLE,
        )
    assert services.cases.get(case_no).state == "submitted"
    other = open_case(services, "kashgar", "inpatient_reimbursement", at("2026-03-02 10:00"))
    with pytest.raises(NotAllowed, match="不适用容缺受理"):
        act(services, other, "accept_deferred", CLERK, at("2026-03-02 10:10"), deferred=("x",))
    assert "accept_deferred" not in services.engine.available_actions(
        services.cases.get(other), "clerk"
    )
    assert "accept_deferred" in services.engine.available_actions(
        services.cases.get(case_no), "clerk"
    )


def test_an_overdue_deferred_material_raises_one_card(services: Services) -> None:
    case_no = _partial(services, "2026-09-16 10:00")
    act(
        services,
        case_no,
        "accept_deferred",
        CLERK,
        at("2026-09-16 10:30"),
        deferred=("住院费用清单",),
        materials=("参保人银行账户信息",),
        due_days=3,
    )
    # Due Sunday 20 Sept (a make-up working day) at 18:00.
    assert run_followups(services, at("2026-09-20 17:00"), remind_days=0).raised == {}
    first = run_followups(services, at("2026-09-21 09:00"), remind_days=0)
    assert first.raised == {"deferred_overdue": [case_no]}
    assert run_followups(services, at("2026-09-22 09:00"), remind_days=0).raised == {}
    assert [c.name for c in services.followups.cards("sichuan")] == ["住院费用清单"]
    act(services, case_no, "receive_deferred", CLERK, at("2026-09-22 10:00"))
    run_followups(services, at("2026-09-22 10:05"), remind_days=0)
    assert services.followups.cards("sichuan") == []
    assert recorded(services, case_no) == ["deferred_overdue"]


def test_an_undertaking_stands_for_a_proof_until_its_check(services: Services) -> None:
    # 喀什 异地长期居住人员备案 on an undertaking in place of the proof of residence.
    case_no = open_case(
        services,
        "kashgar",
        "long_term_resident_filing",
        at("2026-09-16 10:00"),
        materials=("医保电子凭证或有效身份证件或社会保障卡复印件",),
        all_materials=False,
    )
    with pytest.raises(MissingMaterials):
        act(services, case_no, "accept", CLERK, at("2026-09-16 10:05"))
    act(
        services,
        case_no,
        "undertake",
        CLERK,
        at("2026-09-16 10:10"),
        proofs=("长期居住认定材料",),
        due_days=3,
    )
    act(services, case_no, "accept", CLERK, at("2026-09-16 10:15"))
    case = services.cases.get(case_no)
    shown = case_summary(case)
    assert shown["undertaking_flag"] == "承诺"
    assert shown["undertakings"][0]["proof"].startswith("长期居住认定材料")  # type: ignore[index]
    assert shown["undertakings"][0]["outcome"] is None  # type: ignore[index]
    # Due Sunday 20 Sept (make-up working day), kashgar closes at 20:00.
    assert run_followups(services, at("2026-09-20 19:00"), remind_days=0).raised == {}
    assert run_followups(services, at("2026-09-21 09:00"), remind_days=0).raised == {
        "undertaking_overdue": [case_no]
    }
    with pytest.raises(BadInput, match="理由"):
        act(
            services,
            case_no,
            "verify_undertaking",
            REVIEWER,
            at("2026-09-21 10:00"),
            outcome="fail",
        )
    with pytest.raises(BadInput, match="pass"):
        act(
            services,
            case_no,
            "verify_undertaking",
            REVIEWER,
            at("2026-09-21 10:00"),
            outcome="maybe",
        )
    act(
        services,
        case_no,
        "verify_undertaking",
        REVIEWER,
        at("2026-09-21 10:00"),
        outcome="fail",
        reason="社区核实申请人未在当地居住",
    )
    case = services.cases.get(case_no)
    shown = case_summary(case)
    assert shown["undertaking_flag"] == "承诺不实"
    assert shown["undertakings"][0]["outcome"] == "failed"  # type: ignore[index]
    last = services.cases.history(case_no)[-1]
    assert (last.action, last.payload["outcome"], last.reason) == (
        "verify_undertaking",
        "fail",
        "社区核实申请人未在当地居住",
    )
    run_followups(services, at("2026-09-21 10:05"), remind_days=0)
    assert services.followups.cards("kashgar") == []
    with pytest.raises(NotAllowed, match="没有待核查"):
        act(
            services,
            case_no,
            "verify_undertaking",
            REVIEWER,
            at("2026-09-21 11:00"),
            outcome="pass",
        )


def test_a_passed_check_clears_the_flag_even_after_completion(services: Services) -> None:
    case_no = open_case(
        services, "sichuan", "maternity_allowance", at("2026-03-02 10:00"), all_materials=True
    )
    act(services, case_no, "undertake", CLERK, at("2026-03-02 10:05"), proofs=("生育服务证",))
    with pytest.raises(BadInput, match="待核查"):
        act(services, case_no, "undertake", CLERK, at("2026-03-02 10:06"), proofs=("生育服务证",))
    with pytest.raises(NotAllowed, match="不能以个人承诺书代替"):
        act(services, case_no, "undertake", CLERK, at("2026-03-02 10:06"), proofs=("病历资料",))
    case = services.cases.get(case_no)
    assert beijing_day(case.undertakings[0].due_at) == "2026-03-30"  # 20 working days
    act(services, case_no, "accept", CLERK, at("2026-03-02 10:10"))
    act(services, case_no, "approve", REVIEWER, at("2026-03-03 10:00"))
    act(services, case_no, "pay", PAYER, at("2026-03-04 10:00"), **PAYMENT)
    act(services, case_no, "complete", PAYER, at("2026-03-04 11:00"))
    assert case_summary(services.cases.get(case_no))["undertaking_flag"] == "承诺"
    assert "verify_undertaking" in services.engine.available_actions(
        services.cases.get(case_no), "reviewer"
    )
    act(services, case_no, "verify_undertaking", REVIEWER, at("2026-03-10 10:00"), outcome="pass")
    case = services.cases.get(case_no)
    assert case.state == "completed"
    assert case_summary(case)["undertaking_flag"] is None
    assert run_followups(services, at("2026-04-10 10:00"), remind_days=0).raised == {}

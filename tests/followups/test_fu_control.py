"""Internal control (内控) on SQLite and PostgreSQL: in 四川 a 个人账户一次性支取 above 20000
yuan, or on a death, is re-checked (复核) by a second person before 拨付 and paid at the amount
re-checked; below the threshold it needs none; the approver is refused as 复核人; and one
person may not both take an undertaking and check it (the region's incompatible pair)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fu_support import CLERK, PAYER, REVIEWER, SUPERVISOR, act, open_case, services_on
from support import at

from jingban.engine.control import RecheckRequired
from jingban.engine.roles import SeparationOfDuties
from jingban.services import Services

ITEM = "personal_account_withdrawal"
DEATH = "死亡证或火化证或民事判决书"
SECOND_REVIEWER = ("reviewer-liu", "reviewer")
ACCOUNT = {"account": "6217003123456789", "voucher": "PZ-07"}


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as built:
        yield built


def _approved(services: Services, *extra: str) -> str:
    required = [m.name for m in services.catalog.item("sichuan", ITEM).required_materials()]
    case_no = open_case(
        services, "sichuan", ITEM, at("2026-11-02 09:00"),
        materials=(*required, *extra), all_materials=False,
    )  # fmt: skip
    act(services, case_no, "accept", CLERK, at("2026-11-02 09:10"))
    act(services, case_no, "approve", REVIEWER, at("2026-11-03 10:00"))
    return case_no


def test_a_recheck_is_required_above_the_threshold_and_not_below(services: Services) -> None:
    small = _approved(services)
    case = services.cases.get(small)
    assert "recheck" in services.engine.available_actions(case, "reviewer")
    paid = act(services, small, "pay", PAYER, at("2026-11-04 10:00"), amount="20000", **ACCOUNT)
    assert paid.case.state == "paid" and paid.case.recheck is None

    large = _approved(services)
    with pytest.raises(RecheckRequired, match=r"金额超过 20000\.00 元"):
        act(services, large, "pay", PAYER, at("2026-11-04 10:00"), amount="20000.01", **ACCOUNT)
    with pytest.raises(SeparationOfDuties, match="复核人须与审核人不同"):
        act(services, large, "recheck", REVIEWER, at("2026-11-04 10:05"), amount="20000.01")
    done = act(services, large, "recheck", SECOND_REVIEWER, at("2026-11-04 10:10"),
               amount="25000", reason="核对支取申请表与账户余额")  # fmt: skip
    assert done.case.recheck.by == SECOND_REVIEWER[0] and done.case.state == "reviewed"
    assert "recheck" not in services.engine.available_actions(done.case, "reviewer")
    with pytest.raises(RecheckRequired, match=r"与复核核定的 25000\.00 元不一致"):
        act(services, large, "pay", PAYER, at("2026-11-04 11:00"), amount="24000", **ACCOUNT)
    act(services, large, "pay", PAYER, at("2026-11-04 11:05"), amount="25000", **ACCOUNT)
    assert services.cases.verify(large)[1] == []
    stored = [e.action for e in services.cases.history(large) if not e.refused]
    assert stored[-2:] == ["recheck", "pay"]


def test_a_withdrawal_on_a_death_is_rechecked_whatever_its_amount(services: Services) -> None:
    case_no = _approved(services, DEATH)
    with pytest.raises(RecheckRequired, match=f"持有「{DEATH}」"):
        act(services, case_no, "pay", PAYER, at("2026-11-04 10:00"), amount="300", **ACCOUNT)
    act(services, case_no, "recheck", SUPERVISOR, at("2026-11-04 10:05"), amount="300")
    act(services, case_no, "pay", PAYER, at("2026-11-04 10:10"), amount="300", **ACCOUNT)


def test_whoever_took_an_undertaking_does_not_check_it(services: Services) -> None:
    case_no = open_case(services, "sichuan", "maternity_allowance", at("2026-11-02 10:00"))
    act(services, case_no, "undertake", SUPERVISOR, at("2026-11-02 10:05"), proofs=("生育服务证",))
    with pytest.raises(SeparationOfDuties, match="不相容岗位"):
        act(services, case_no, "verify_undertaking", SUPERVISOR, at("2026-11-03 10:00"),
            outcome="pass")  # fmt: skip
    assert services.cases.get(case_no).undertakings[0].pending
    act(services, case_no, "verify_undertaking", REVIEWER, at("2026-11-03 10:00"), outcome="pass")

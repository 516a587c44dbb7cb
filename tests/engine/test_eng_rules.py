"""The rules an auditor signs: money paid is never withdrawn (冲正 reverses it, audited), an
extension is decided in time, once, within the region's cap, a case is handed only to
someone who can act on it, and each item is completed by its one named role.

Through the bare engine on real catalog items: sichuan 住院费用报销 申请—受理—审核—拨付—办结,
kashgar 住院费用报销 申请—受理—审核—办结, kashgar 异地安置退休人员备案 申请—受理—办结.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from engine_support import (
    CLERK,
    PAYER,
    REVIEWER,
    SUPERVISOR,
    act,
    at,
    calendar,
    make_engine,
    open_case,
    snapshot,
)

from jingban.engine import Case, Engine, WrongRole
from jingban.engine.params import ActionParams
from jingban.engine.roles import CannotTakeCase, Colleague
from jingban.errors import BadInput, Forbidden, NotAllowed
from jingban.workflows import IllegalTransition, load_catalog
from jingban.workflows.model import Catalog, ExtensionRule

T0 = at("2026-03-02 10:00")  # a Monday
PAY = {"amount": "1234.56", "account": "6222020200112233", "voucher": "PZ-2026-0042"}


def later(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


@pytest.fixture(scope="module")
def eng() -> Engine:
    return make_engine()


def _paid(eng: Engine) -> Case:
    case = open_case(eng, "sichuan", "inpatient_reimbursement", now=T0).case
    case = act(eng, case, "accept", CLERK, later(1)).case
    case = act(eng, case, "approve", REVIEWER, later(2)).case
    case = act(eng, case, "pay", PAYER, later(3), **PAY).case
    assert case.state == "paid" and case.payment is not None
    return case


# -- money paid cannot be withdrawn; 冲正 reverses it ---------------------------------------


@pytest.mark.parametrize("who", [CLERK, SUPERVISOR])
def test_a_paid_case_cannot_be_withdrawn_and_is_told_to_use_reverse_payment(
    eng: Engine, who: tuple[str, str]
) -> None:
    case = _paid(eng)
    before = snapshot(case)
    with pytest.raises(IllegalTransition) as raised:
        act(eng, case, "withdraw", who, later(4), reason="申请人撤回")
    assert not isinstance(raised.value, Forbidden)  # 409 / exit 4: not allowed in this state
    assert raised.value.exit_code == 4
    assert "已拨付的款项不能撤回" in raised.value.message
    assert "冲正" in raised.value.message and "reverse_payment" in raised.value.message
    assert snapshot(case) == before
    assert "withdraw" not in eng.available_actions(case, "supervisor")
    assert "reverse_payment" in eng.available_actions(case, "supervisor")


def test_a_case_suspended_after_payment_cannot_be_withdrawn_either(eng: Engine) -> None:
    case = act(eng, _paid(eng), "suspend", REVIEWER, later(4), reason="核查", days=3).case
    with pytest.raises(NotAllowed, match="已拨付的款项不能撤回"):
        act(eng, case, "withdraw", SUPERVISOR, later(5), reason="申请人撤回")


def test_reverse_payment_is_the_supervisor_s_with_reason_and_voucher(eng: Engine) -> None:
    case = _paid(eng)
    for who in (CLERK, REVIEWER, PAYER):
        with pytest.raises(WrongRole):
            act(eng, case, "reverse_payment", who, later(4), reason="金额有误", voucher="CZ-1")
    for missing in ({"reason": "金额有误"}, {"voucher": "CZ-1"}):
        with pytest.raises(BadInput):
            act(eng, case, "reverse_payment", SUPERVISOR, later(4), **missing)
    result = act(
        eng, case, "reverse_payment", SUPERVISOR, later(4), reason="金额有误", voucher="CZ-1"
    )
    new = result.case
    assert new.state == "reviewed" and new.payment is None and new.paid_at is None
    payload = result.event.payload
    assert payload["reversed_amount_fen"] == 123456
    assert payload["reversed_voucher"] == "PZ-2026-0042" and payload["voucher"] == "CZ-1"
    assert payload["reversed_paid_by"] == PAYER[0]
    assert result.event.reason == "金额有误"
    # The payment is made again, correctly, and the case completes; or it is withdrawn.
    repaid = act(eng, new, "pay", PAYER, later(5), **{**PAY, "amount": "1200.00"}).case
    assert repaid.payment is not None and repaid.payment.amount_fen == 120000
    assert act(eng, new, "withdraw", CLERK, later(5)).case.state == "withdrawn"


def test_reverse_payment_reads_on_the_timeline(eng: Engine) -> None:
    from jingban.engine.present import payload_lines

    event = act(
        eng, _paid(eng), "reverse_payment", SUPERVISOR, later(4), reason="金额有误", voucher="CZ-1"
    ).event
    assert payload_lines(event) == ["冲正 1234.56 元 (原凭证 PZ-2026-0042)，冲正凭证 CZ-1"]


# -- extensions --------------------------------------------------------------------------


def _accepted(eng: Engine, engine_region: str = "sichuan") -> Case:
    case = open_case(eng, engine_region, "inpatient_reimbursement", now=T0).case
    return act(eng, case, "accept", CLERK, later(1)).case


def test_an_extension_after_the_statutory_limit_is_refused_naming_the_limit(eng: Engine) -> None:
    case = _accepted(eng)
    assert case.statutory_due is not None
    late = case.statutory_due + dt.timedelta(hours=1)
    before = snapshot(case)
    with pytest.raises(NotAllowed) as raised:
        act(eng, case, "extend", SUPERVISOR, late, reason="需专家评审", days=5)
    shown = case.statutory_due.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert f"法定时限已于 {shown:%Y-%m-%d %H:%M} 届满" in raised.value.message
    assert snapshot(case) == before


def test_one_extension_of_at_most_ten_working_days_by_default(eng: Engine) -> None:
    case = _accepted(eng)
    assert case.statutory_due is not None
    with pytest.raises(BadInput, match="最多延长 10 个工作日"):
        act(eng, case, "extend", SUPERVISOR, later(2), reason="需专家评审", days=11)
    result = act(eng, case, "extend", SUPERVISOR, later(2), reason="需专家评审", days=10)
    extended = result.case
    assert extended.extensions == 1 and extended.extension_days == 10
    assert result.event.payload["limit_before"] == case.statutory_due
    new_due = extended.statutory_due
    assert new_due is not None and new_due > case.statutory_due > later(2)
    with pytest.raises(NotAllowed, match="最多延期 1 次"):
        act(eng, extended, "extend", SUPERVISOR, later(3), reason="仍需评审", days=1)


def test_a_region_s_rule_may_allow_more_extensions() -> None:
    base = load_catalog()
    sichuan = dataclasses.replace(base.region("sichuan"), extensions=ExtensionRule(2, 15))
    eng = Engine(Catalog({**base.regions, "sichuan": sichuan}), calendar)
    case = _accepted(eng)
    case = act(eng, case, "extend", SUPERVISOR, later(2), reason="需专家评审", days=15).case
    case = act(eng, case, "extend", SUPERVISOR, later(3), reason="仍需评审", days=5).case
    assert (case.extensions, case.extension_days) == (2, 20)
    with pytest.raises(NotAllowed, match="最多延期 2 次"):
        act(eng, case, "extend", SUPERVISOR, later(4), reason="再次评审", days=1)


def test_an_extension_while_suspended_counts_the_days_stopped(eng: Engine) -> None:
    case = _accepted(eng)
    assert case.statutory_due is not None
    suspended = act(eng, case, "suspend", REVIEWER, later(2), reason="公示", days=30).case
    # Past the due as it stood, but the suspension has moved it on: still in time.
    after_due = case.statutory_due + dt.timedelta(days=2)
    result = act(eng, suspended, "extend", SUPERVISOR, after_due, reason="评审", days=5)
    assert result.case.extensions == 1


def test_an_extension_before_the_clock_starts_is_refused() -> None:
    eng = make_engine()
    catalog = eng.catalog
    accepted_start = next(
        (r.key, i.key)
        for r in catalog.regions.values()
        for i in r.items
        if i.clock_start == "accepted" and i.statutory.unit != "instant"
    )
    case = open_case(eng, *accepted_start, now=T0).case
    assert case.statutory_due is None
    with pytest.raises(NotAllowed, match="尚未起算"):
        act(eng, case, "extend", SUPERVISOR, later(1), reason="复杂", days=5)


# -- reassignment to people who can act ----------------------------------------------------


def _colleague(role: str, **fields: object) -> Colleague:
    """An enabled region-wide account of sichuan in ``role``, with ``fields`` changed."""
    return dataclasses.replace(Colleague(f"{role}-x", role, "sichuan", None, False), **fields)


def _reassign(eng: Engine, case: Case, who: Colleague) -> Case:
    params = ActionParams(assignee=who.username, assignee_account=who)
    return eng.act(
        case, "reassign", actor=SUPERVISOR[0], role="supervisor", now=later(5), params=params
    ).case


def test_a_submitted_case_goes_to_a_clerk_not_a_reviewer(eng: Engine) -> None:
    case = open_case(eng, "sichuan", "inpatient_reimbursement", now=T0).case
    with pytest.raises(CannotTakeCase) as raised:
        _reassign(eng, case, _colleague("reviewer"))
    assert isinstance(raised.value, Forbidden) and raised.value.exit_code == 4
    assert "审核人员" in raised.value.message and "受理人员" in raised.value.message
    assert _reassign(eng, case, _colleague("clerk")).assignee == "clerk-x"
    assert _reassign(eng, case, _colleague("supervisor")).assignee == "supervisor-x"
    # A name that is no account is still taken as given (as before).
    plain = eng.act(
        case,
        "reassign",
        actor=SUPERVISOR[0],
        role="supervisor",
        now=later(5),
        params=ActionParams(assignee="临时人员"),
    )
    assert plain.case.assignee == "临时人员"


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"disabled": True}, "停用"),
        ({"region": "kashgar"}, "地区"),
        ({"office": "其他经办机构"}, "机构"),
    ],
)
def test_no_reassignment_to_a_disabled_account_or_another_office(
    eng: Engine, fields: dict[str, object], words: str
) -> None:
    case = open_case(eng, "sichuan", "inpatient_reimbursement", now=T0, office="本机构").case
    with pytest.raises(CannotTakeCase, match=words):
        _reassign(eng, case, _colleague("clerk", **fields))


def test_a_reviewed_payment_case_goes_to_a_payer(eng: Engine) -> None:
    case = act(eng, _accepted(eng), "approve", REVIEWER, later(2)).case
    with pytest.raises(CannotTakeCase):
        _reassign(eng, case, _colleague("reviewer"))
    assert _reassign(eng, case, _colleague("payer")).assignee == "payer-x"


# -- one completer per item --------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "item", "completer", "others"),
    [
        ("sichuan", "inpatient_reimbursement", "payer", ("clerk", "reviewer")),
        ("kashgar", "inpatient_reimbursement", "reviewer", ("clerk", "payer")),
        ("kashgar", "relocated_retiree_filing", "clerk", ("reviewer", "payer")),
    ],
)
def test_only_the_item_s_completer_completes_it(
    eng: Engine, region: str, item: str, completer: str, others: tuple[str, ...]
) -> None:
    case = open_case(eng, region, item, now=T0).case
    case = act(eng, case, "accept", CLERK, later(1)).case
    chain = eng.compiled_of(case).happy_path
    for step, action in enumerate(chain[1:-1], start=2):
        params = PAY if action == "pay" else {}
        who = {"approve": REVIEWER, "pay": PAYER}[action]
        case = act(eng, case, action, who, later(step), **params).case
    assert eng.item_of(case).completer == completer
    for role in others:
        assert "complete" not in eng.available_actions(case, role)
        with pytest.raises(WrongRole, match="办结"):
            act(eng, case, "complete", (f"{role}-x", role), later(9))
    assert "complete" in eng.available_actions(case, completer)
    assert "complete" in eng.available_actions(case, "supervisor")
    done = act(eng, case, "complete", (f"{completer}-y", completer), later(9)).case
    assert done.state == "completed"


def test_an_extension_across_national_day_counts_working_days_and_is_taken_at_the_last_minute(
    eng: Engine,
) -> None:
    """A limit that ends in the last days of September 2026, extended a minute before it
    ends by the full 10 working days: the new limit skips the 国庆 holidays (10-01…10-07)
    and lands on the calendar's 10th working day after the old one."""
    beijing = dt.timezone(dt.timedelta(hours=8))
    cal = calendar("sichuan")
    case = None
    for back in range(1, 120):  # the first acceptance day whose limit ends 09-24…09-30
        day = dt.date(2026, 9, 30) - dt.timedelta(days=back)
        start = dt.datetime.combine(day, dt.time(10), beijing).astimezone(dt.UTC)
        opened = open_case(eng, "sichuan", "inpatient_reimbursement", now=start).case
        accepted = act(eng, opened, "accept", CLERK, start + dt.timedelta(minutes=5)).case
        due = accepted.statutory_due
        if due is not None and (
            dt.date(2026, 9, 24) <= due.astimezone(beijing).date() <= dt.date(2026, 9, 30)
        ):
            case = accepted
            break
    assert case is not None and case.statutory_due is not None
    old_day = case.statutory_due.astimezone(beijing).date()
    assert old_day <= dt.date(2026, 9, 30)
    last_minute = case.statutory_due - dt.timedelta(minutes=1)
    extended = act(eng, case, "extend", SUPERVISOR, last_minute, reason="需专家评审", days=10).case
    assert extended.statutory_due is not None
    new_day = extended.statutory_due.astimezone(beijing).date()
    assert new_day == cal.add_working_days(old_day, 10)
    assert new_day > dt.date(2026, 10, 8)  # the seven holidays are not counted
    assert not any(cal.is_working_day(dt.date(2026, 10, d)) for d in range(1, 8))

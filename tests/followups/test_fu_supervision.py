"""督办 on SQLite and PostgreSQL: a supervisor's order to a colleague with a reply due in
working days, answered by its recipient alone; an order unanswered at its due raises one card,
the reply closes it, and every step is in the audit trail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fu_support import CLERK, REVIEWER, SUPERVISOR, act, open_case, recorded, services_on
from support import at

from jingban.engine.roles import WrongRole
from jingban.engine.supervision import NotRecipient
from jingban.errors import BadInput, NotAllowed
from jingban.scheduler.followups import run_followups
from jingban.services import Services
from jingban.storage.followup_messages import staff_message

PASSWORD = "Supervise-Pass-1"


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as built:
        now = at("2026-09-01 09:00")
        for name, role in (CLERK, REVIEWER, SUPERVISOR):
            built.accounts.add_user(name, role=role, password=PASSWORD, now=now, region="sichuan")
        built.accounts.add_user(
            "reviewer-kashgar", role="reviewer", password=PASSWORD, now=now, region="kashgar"
        )
        yield built


def _supervised(services: Services) -> str:
    """A sichuan case accepted on Friday 18 Sept 2026, supervised that morning with a reply
    due in one working day: the next working day is Sunday 20 Sept, a make-up working day
    (调休) before 国庆, so the reply is due at that Sunday's office close."""
    case_no = open_case(services, "sichuan", "inpatient_reimbursement", at("2026-09-18 09:00"))
    act(services, case_no, "accept", CLERK, at("2026-09-18 09:10"))
    issued = act(
        services,
        case_no,
        "supervise",
        SUPERVISOR,
        at("2026-09-18 10:00"),
        assignee=REVIEWER[0],
        days=1,
        reason="群众反映办理缓慢，请说明进展",
    )
    assert issued.event.payload["order"] == 1
    assert issued.event.payload["to"] == REVIEWER[0]
    assert issued.case.state == "accepted"
    (order,) = issued.case.supervisions
    assert order.due_at == at("2026-09-20 18:00")
    return case_no


def test_an_order_unanswered_at_its_due_on_a_make_up_sunday_raises_one_card(
    services: Services,
) -> None:
    case_no = _supervised(services)
    # Saturday 19 Sept is a rest day and Sunday the 20th a working day: due at its close.
    assert run_followups(services, at("2026-09-20 17:59"), remind_days=0).raised == {}
    first = run_followups(services, at("2026-09-20 18:01"), remind_days=0)
    assert first.raised == {"supervision_overdue": [case_no]}
    assert run_followups(services, at("2026-09-21 09:00"), remind_days=0).raised == {}
    (card,) = services.followups.cards("sichuan")
    assert (card.kind, card.name, card.label) == ("supervision_overdue", "1", "督办单逾期未回复")
    replied = act(
        services, case_no, "reply", REVIEWER, at("2026-09-21 10:00"), reason="已审核，待拨付"
    )
    assert replied.event.payload["late"] is True
    assert replied.event.reason == "已审核，待拨付"
    run_followups(services, at("2026-09-21 10:05"), remind_days=0)
    assert services.followups.cards("sichuan") == []
    assert recorded(services, case_no) == ["supervision_overdue"]
    (order,) = services.cases.get(case_no).supervisions
    assert (order.reply, order.replied_late) == ("已审核，待拨付", True)


def test_a_reply_on_the_make_up_sunday_is_in_time(services: Services) -> None:
    case_no = _supervised(services)
    replied = act(services, case_no, "reply", REVIEWER, at("2026-09-20 17:30"), reason="已核实")
    assert replied.event.payload["late"] is False
    assert run_followups(services, at("2026-09-25 09:00"), remind_days=0).raised == {}
    assert recorded(services, case_no) == []


def test_only_the_recipient_replies_and_refusals_change_nothing(services: Services) -> None:
    case_no = _supervised(services)
    before = services.cases.get(case_no)
    with pytest.raises(NotRecipient, match="须由接收人本人回复"):
        act(services, case_no, "reply", CLERK, at("2026-09-18 11:00"), reason="代为回复")
    with pytest.raises(BadInput):
        act(services, case_no, "reply", REVIEWER, at("2026-09-18 11:00"))
    with pytest.raises(WrongRole):
        act(
            services,
            case_no,
            "supervise",
            CLERK,
            at("2026-09-18 11:00"),
            assignee=REVIEWER[0],
            days=2,
            reason="越权",
        )
    after = services.cases.get(case_no)
    assert (after.version, after.supervisions) == (before.version, before.supervisions)


@pytest.mark.parametrize(
    ("to", "error", "message"),
    [
        ("nobody", BadInput, "没有用户名为 nobody 的工作人员"),
        ("reviewer-kashgar", NotAllowed, "不属于本办件所在地区"),
        (SUPERVISOR[0], BadInput, "不能发给自己"),
    ],
)
def test_an_order_goes_to_a_colleague_of_the_case(
    services: Services, to: str, error: type[Exception], message: str
) -> None:
    case_no = open_case(services, "sichuan", "inpatient_reimbursement", at("2026-09-18 09:00"))
    with pytest.raises(error, match=message):
        act(
            services,
            case_no,
            "supervise",
            SUPERVISOR,
            at("2026-09-18 10:00"),
            assignee=to,
            days=2,
            reason="请说明",
        )
    assert services.cases.get(case_no).supervisions == ()


def test_reply_is_offered_only_while_an_order_waits(services: Services) -> None:
    case_no = _supervised(services)
    case = services.cases.get(case_no)
    assert "reply" in services.engine.available_actions(case, "reviewer")
    act(services, case_no, "reply", REVIEWER, at("2026-09-18 15:00"), reason="已处理")
    case = services.cases.get(case_no)
    assert "reply" not in services.engine.available_actions(case, "reviewer")
    assert "supervise" in services.engine.available_actions(case, "supervisor")


def test_an_ended_case_may_be_supervised_and_the_chain_verifies(services: Services) -> None:
    case_no = open_case(services, "sichuan", "inpatient_reimbursement", at("2026-09-18 09:00"))
    act(services, case_no, "withdraw", CLERK, at("2026-09-18 09:30"), reason="申请人撤回")
    act(
        services,
        case_no,
        "supervise",
        SUPERVISOR,
        at("2026-09-21 10:00"),
        assignee=CLERK[0],
        days=2,
        reason="撤回是否经申请人签字确认",
    )
    act(services, case_no, "reply", CLERK, at("2026-09-21 11:00"), reason="已签字确认，存档")
    history = services.cases.history(case_no)
    assert [e.action for e in history][-2:] == ["supervise", "reply"]
    assert services.cases.verify(case_no)[1] == []


def test_two_orders_are_numbered_and_answered_oldest_first(services: Services) -> None:
    case_no = _supervised(services)
    second = act(
        services,
        case_no,
        "supervise",
        SUPERVISOR,
        at("2026-09-21 09:00"),
        assignee=REVIEWER[0],
        days=3,
        reason="再次督办",
    )
    assert second.event.payload["order"] == 2
    first_reply = act(services, case_no, "reply", REVIEWER, at("2026-09-21 10:00"), reason="一")
    assert first_reply.event.payload["order"] == 1
    second_reply = act(services, case_no, "reply", REVIEWER, at("2026-09-21 11:00"), reason="二")
    assert second_reply.event.payload["order"] == 2
    with pytest.raises(NotAllowed, match="没有待回复的督办单"):
        act(services, case_no, "reply", REVIEWER, at("2026-09-21 12:00"), reason="三")


def test_the_overdue_message_names_the_order() -> None:
    message = staff_message(
        kind="supervision_overdue",
        case_no="SC-2026-000001",
        item_name="住院医疗费用报销",
        name="2",
        due_at=at("2026-09-20 18:00"),
        office=None,
    )
    assert "督办单逾期未回复" in message.subject
    assert "督办单号：2" in message.text
    assert "回复办理情况和超期原因" in message.text

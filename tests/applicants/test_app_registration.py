"""Registering units and agents on every store (in memory, SQLite, PostgreSQL): a unit by its
统一社会信用代码 with its 经办人, a person through a 委托代理人; what each must bring; and
every bad registration refused with one line, nothing stored, no case number spent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from support import at, gb11643

from jingban.engine import ActionParams
from jingban.engine.case_number import format_case_number
from jingban.engine.credit_code import BadCreditCode
from jingban.engine.handlers import MissingMaterials
from jingban.engine.identity import BadIdentity
from jingban.errors import BadInput, NotFound
from jingban.storage.memory import MemoryCaseStore

CODE = "91440300708461136T"
HANDLER_ID = gb11643("65010219900307451")
APPLICANT_ID = gb11643("65900119750308212")  # 石河子市
AGENT_ID = gb11643("11010519800101123")
SUNDAY = at("2026-01-04 10:00")  # a 调休 Sunday: a working day
CLERK = {"actor": "clerk-ma", "role": "clerk"}
AGENT_MATERIALS = ["委托人及代理人身份证件原件", "委托人授权委托书"]


def _unit(store: Any, **given: Any) -> Any:
    fields = {
        "region": "bingtuan",
        "item": "unit_registration",
        "applicant_kind": "unit",
        "applicant_name": "石河子某某食品有限公司",
        "credit_code": CODE,
        "agent_name": "王五",
        "agent_id": HANDLER_ID,
        **CLERK,
    }
    fields.update(given)
    return store.open(now=SUNDAY, **fields)


def _person(store: Any, item: str = "outpatient_reimbursement", **given: Any) -> Any:
    fields = {
        "region": "bingtuan",
        "item": item,
        "applicant_name": "张三",
        "applicant_id": APPLICANT_ID,
        "agent_name": "李四",
        "agent_id": AGENT_ID,
        **CLERK,
    }
    fields.update(given)
    return store.open(now=SUNDAY, **fields)


def test_a_unit_registers_by_its_credit_code_with_its_handler(store: Any) -> None:
    opened = _unit(store, credit_code="9144 0300 7084 6113 6t")
    case = store.get(opened.case.case_no)
    assert (case.applicant_kind, case.credit_code) == ("unit", CODE)
    assert case.applicant_id_type == "credit_code"
    assert case.applicant_id == CODE[:6] + "********" + CODE[-4:]
    assert case.agent is not None
    assert (case.agent.role, case.agent.name, case.agent.id_type) == (
        "handler",
        "王五",
        "resident_id",
    )
    assert case.agent.id_number == HANDLER_ID[:6] + "********" + HANDLER_ID[-4:]
    # received on a 调休 Sunday, a working day: 5 working days run Mon 5 – Fri 9 January
    assert case.accept_due == at("2026-01-09 20:00")
    opening = store.history(case.case_no)[0]
    assert opening.payload["applicant_kind"] == "unit"
    assert opening.payload["credit_code"] == CODE
    assert opening.payload["agent"]["id_number"] == case.agent.id_number
    assert HANDLER_ID not in repr(opening.payload)


def test_a_person_acting_through_an_agent_must_bring_the_agents_materials(store: Any) -> None:
    opened = _person(store, materials=["有效身份证件或医保电子凭证或社会保障卡"])
    number = opened.case.case_no
    assert opened.case.agent is not None and opened.case.agent.role == "agent"
    with pytest.raises(MissingMaterials) as refused:
        store.act(
            number,
            "accept",
            now=at("2026-01-05 10:00"),
            params=ActionParams(materials=("医药机构收费票据", "门急诊费用清单", "处方底方")),
            **CLERK,
        )
    assert refused.value.missing == AGENT_MATERIALS
    brought = ("医药机构收费票据", "门急诊费用清单", "处方底方", *AGENT_MATERIALS)
    accepted = store.act(
        number,
        "accept",
        now=at("2026-01-05 10:05"),
        params=ActionParams(materials=brought),
        **CLERK,
    )
    assert accepted.case.state == "accepted"


def test_the_same_person_alone_is_not_asked_for_them(store: Any) -> None:
    opened = _person(store, agent_name=None, agent_id=None, all_materials=True)
    assert opened.case.agent is None and opened.case.applicant_kind == "person"
    assert not set(AGENT_MATERIALS) & set(opened.case.materials)
    done = store.act(opened.case.case_no, "accept", now=at("2026-01-05 10:00"), **CLERK)
    assert done.case.state == "accepted"


def test_the_one_time_notice_lists_the_agents_and_the_bank_materials(store: Any) -> None:
    """兵团 说明 2 and 3 in the 一次性告知 list: the agent's materials because an agent acts,
    the bank account because the clerk found it is the applicant's first payment."""
    opened = _person(store, all_materials=True)
    assert set(AGENT_MATERIALS) <= set(opened.case.materials)  # --all-materials brings them
    bare = _person(store, materials=["有效身份证件或医保电子凭证或社会保障卡"])
    told = store.act(
        bare.case.case_no,
        "request_supplement",
        now=at("2026-01-05 10:00"),
        params=ActionParams(missing=("参保人银行账户信息",)),
        **CLERK,
    )
    assert told.case.state == "supplement_requested"
    assert told.case.missing == (
        "参保人银行账户信息",
        "医药机构收费票据",
        "门急诊费用清单",
        "处方底方",
        *AGENT_MATERIALS,
    )


def _nothing_stored(store: Any, next_no: str) -> None:
    """The refused registration left no case: the next one is the day's first, or on
    PostgreSQL (whose numbering upsert is not rolled back) the second, with no first."""
    first = format_case_number("bingtuan", dt.date(2026, 1, 4), 1)
    if next_no == first:
        return
    assert next_no == format_case_number("bingtuan", dt.date(2026, 1, 4), 2)
    with pytest.raises(NotFound):
        store.get(first)


@pytest.mark.parametrize(
    ("given", "error", "says"),
    [
        ({"credit_code": CODE[:17] + "U"}, BadCreditCode, "校验位不符 (第 18 位应为 T"),
        ({"credit_code": None}, BadCreditCode, "须填写统一社会信用代码"),
        ({"agent_name": None, "agent_id": None}, BadInput, "须登记经办人"),
        ({"agent_id": HANDLER_ID[:-1] + "0"}, BadIdentity, "校验位不符"),
        (
            {"agent_id_type": "credit_code", "agent_id": CODE},
            BadIdentity,
            "统一社会信用代码只用于单位",
        ),
        ({"applicant_id": APPLICANT_ID}, BadInput, "不填申请人证件号码"),
        ({"item": "inpatient_reimbursement"}, BadInput, "申请人只能是个人"),
        ({"applicant_kind": "company"}, BadInput, "未知的申请人种类"),
    ],
)
def test_a_bad_unit_registration_is_refused_and_nothing_is_stored(
    store: Any, given: dict[str, Any], error: type[Exception], says: str
) -> None:
    with pytest.raises(error) as refused:
        _unit(store, **given)
    message = refused.value.args[0]
    assert says in message and "\n" not in message
    _nothing_stored(store, _unit(store).case.case_no)


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"credit_code": CODE}, "统一社会信用代码只用于单位申请"),
        ({"agent_id": None}, "请填写委托代理人的证件号码"),
        ({"agent_name": None}, "委托代理人姓名不能为空"),
        ({"agent_id": APPLICANT_ID}, "代理人与申请人是同一证件号码"),
        ({"applicant_id": None}, "请填写申请人的证件号码"),
        ({"applicant_kind": "unit", "credit_code": CODE, "applicant_id": None}, "申请人只能是个人"),
    ],
)
def test_a_bad_agent_registration_is_refused_and_nothing_is_stored(
    store: Any, given: dict[str, Any], says: str
) -> None:
    with pytest.raises(BadInput) as refused:
        _person(store, **given)
    assert says in refused.value.message
    _nothing_stored(store, _person(store).case.case_no)


def test_a_unit_case_does_not_move_to_a_definition_that_takes_no_units(engine: Any) -> None:
    """Definitions are pinned: a 定点 or 参保单位 case moved to a version of its item that
    takes persons only is refused, and keeps its definition."""
    from dataclasses import replace

    from jingban.engine import migration
    from jingban.errors import NotAllowed

    store = MemoryCaseStore(engine)
    case = _unit(store).case
    current = engine.item_of(case)
    persons_only = replace(current, applicant_kinds=("person",))
    with pytest.raises(NotAllowed, match="不受理单位申请"):
        migration.migrated(
            case, persons_only, "0" * 16, engine.calendars("bingtuan"), engine.warn_days
        )
    moved, _ = migration.migrated(
        case, current, "0" * 16, engine.calendars("bingtuan"), engine.warn_days
    )
    assert moved.applicant_kind == "unit" and moved.credit_code == CODE

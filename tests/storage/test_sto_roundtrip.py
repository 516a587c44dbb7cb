"""The same scenarios in memory and through save-and-reload on SQLite and PostgreSQL.

Each scenario runs once in a bare `MemoryCaseStore` (the reference) and once on the ``store``
fixture (memory, SQLite, PostgreSQL). On a database every step gets a new `Database` and
`CaseStore` on the same URL, so the case is read back from its row before each action. Both
runs must end in the same case and the same audit trail.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text
from storage_support import Scenario, Step, at, case_view, history_view, run

from jingban.engine import MissingMaterials, SeparationOfDuties, WrongRole, format_case_number
from jingban.engine.model import STAMP_FIELDS
from jingban.errors import BadInput, NotAllowed
from jingban.storage import CaseStore, Database
from jingban.storage.memory import MemoryCaseStore

CLERK, CLERK2 = ("clerk-li", "clerk"), ("clerk-he", "clerk")
REVIEWER, PAYER = ("reviewer-wang", "reviewer"), ("payer-zhao", "payer")
SUPERVISOR = ("supervisor-chen", "supervisor")
PAY = {"amount": "3456.70", "account": "6217 0031 2345 6789", "voucher": "SC-PZ-0001"}

SCENARIOS = {
    "sichuan-payment": Scenario(
        "sichuan",
        "inpatient_reimbursement",
        "2026-02-13 10:00",
        open_fields={
            "materials": ["医院收费票据", "住院费用清单", "出院记录", "参保人银行账户信息"]
        },
        steps=(
            Step("accept", CLERK, "2026-02-13 10:30", error=MissingMaterials),
            Step("request_supplement", CLERK, "2026-02-13 10:40"),
            Step("supplement", CLERK2, "2026-02-26 09:10"),
            Step("accept", SUPERVISOR, "2026-02-26 09:20"),
            Step("approve", SUPERVISOR, "2026-02-27 15:00", error=SeparationOfDuties),
            Step("approve", REVIEWER, "2026-02-27 15:05"),
            Step(
                "suspend",
                REVIEWER,
                "2026-03-02 10:00",
                {"reason": "公示", "days": 5, "procedure": "公示"},
            ),
            Step("extend", SUPERVISOR, "2026-03-03 10:00", {"reason": "需专家评审", "days": 10}),
            Step("resume", REVIEWER, "2026-03-09 11:00"),
            Step("pay", REVIEWER, "2026-03-10 10:00", PAY, error=WrongRole),
            Step("pay", PAYER, "2026-03-10 10:05", {**PAY, "amount": "-1"}, error=BadInput),
            Step("pay", PAYER, "2026-03-10 10:10", PAY),
            Step("reassign", SUPERVISOR, "2026-03-10 11:00", {"assignee": "clerk-he"}),
            Step("advance", SUPERVISOR, "2026-03-12 16:00", {"at": at("2026-03-11 17:00")}),
            Step("withdraw", CLERK, "2026-03-12 16:30", error=NotAllowed),
        ),
    ),
    "kashgar-transfer": Scenario(
        "kashgar",
        "transfer_continuation",
        "2026-02-13 20:30",
        steps=(
            Step("accept", CLERK, "2026-02-14 10:00"),
            Step(
                "request_supplement",
                REVIEWER,
                "2026-02-14 11:00",
                {"missing": ["社会保障卡复印件"]},
            ),
            Step("supplement", CLERK, "2026-02-24 10:00"),
            Step("launch", CLERK, "2026-02-24 10:05", error=BadInput),
            Step("accept", CLERK, "2026-02-24 10:10"),
            Step("transfer", SUPERVISOR, "2026-02-25 10:00"),
            Step("suspend", REVIEWER, "2026-02-25 11:00", {"reason": "转入地核查", "days": 3}),
            Step("withdraw", CLERK, "2026-02-26 10:00", {"reason": "申请人撤回"}),
        ),
    ),
    "kashgar-online-denied": Scenario(
        "kashgar",
        "prenatal_exam_payment",
        "2026-05-26 12:00",
        open_fields={"channel": "online", "cross_province": True, "all_materials": True},
        steps=(
            Step("prereview", SUPERVISOR, "2026-05-26 13:00"),
            Step("accept", CLERK, "2026-06-01 10:00"),
            Step("deny", REVIEWER, "2026-06-02 10:00", error=BadInput),
            Step("deny", REVIEWER, "2026-06-02 10:05", {"reason": "不属于生育保险支付范围"}),
            Step("approve", REVIEWER, "2026-06-02 10:10", error=NotAllowed),
        ),
    ),
    "bingtuan-stages": Scenario(
        "bingtuan",
        "transfer_continuation",
        "2026-09-18 10:00",
        open_fields={"all_materials": True},
        steps=(
            Step("advance", CLERK, "2026-09-20 10:00"),
            Step("advance", REVIEWER, "2026-09-29 10:00"),
            Step("advance", SUPERVISOR, "2026-10-12 10:00"),
        ),
    ),
    "kashgar-not-accepted": Scenario(
        "kashgar",
        "assistance_reimbursement",
        "2026-03-02 10:00",
        steps=(
            Step("not_accept", CLERK, "2026-03-02 10:30", error=BadInput),
            Step("approve", CLERK, "2026-03-02 10:35", error=WrongRole),
            Step("not_accept", CLERK, "2026-03-02 10:40", {"reason": "非医疗救助对象"}),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_end_in_memory_and_after_reloads(store, engine, name: str) -> None:
    scenario = SCENARIOS[name]
    reference = MemoryCaseStore(engine)
    number = run(scenario, lambda: reference)

    if isinstance(store, CaseStore):
        opened: list[Database] = []

        def reloaded() -> CaseStore:
            db = Database(store.db.url, migrate=False)
            opened.append(db)
            return CaseStore(db, engine)

        try:
            assert run(scenario, reloaded) == number
        finally:
            for db in opened:
                db.dispose()
    else:
        assert run(scenario, lambda: store) == number

    expected, got = reference.get(number), store.get(number)
    assert case_view(got) == case_view(expected)
    assert history_view(store.history(number)) == history_view(reference.history(number))
    assert store.verify(number) == (len(reference.history(number)), [])


def test_the_scenarios_end_where_they_should(engine) -> None:
    """The reference runs themselves: so that a shared mistake does not pass as agreement."""
    store = MemoryCaseStore(engine)
    ends = {name: store.get(run(s, lambda: store)) for name, s in SCENARIOS.items()}
    assert {name: (c.state, c.outcome) for name, c in ends.items()} == {
        "sichuan-payment": ("completed", "approved"),
        "kashgar-transfer": ("withdrawn", None),
        "kashgar-online-denied": ("completed", "denied"),
        "bingtuan-stages": ("completed", "approved"),
        "kashgar-not-accepted": ("not_accepted", None),
    }
    paid = ends["sichuan-payment"]
    assert paid.payment is not None and paid.payment.amount_fen == 345670
    assert paid.extension_days == 10 and paid.assignee == "clerk-he"
    history = store.history(paid.case_no)
    assert [e.action for e in history if e.refused] == ["accept", "approve", "pay", "withdraw"]
    assert history[-2].backdated and history[-2].at == at("2026-03-11 17:00")
    assert store.get(ends["kashgar-transfer"].case_no).version == 8


def test_the_action_path_reads_a_case_as_the_orm_does(database, engine) -> None:
    """The driver-SQL read of the action path (`FastSQL.case_mapping`) gives the same `Case`
    as `CaseStore.get`, every time an aware datetime: a column read back as text would
    compare unequal to the engine's value and be rewritten, with its indexes, on every
    action."""
    from jingban.storage._case_rows import case_from_mapping

    scenario = SCENARIOS["sichuan-payment"]
    store = CaseStore(database, engine)
    case_no = run(scenario, lambda: store)
    raw = store._fast_engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(store.sql.select_case, (case_no,))
        mapping = store.sql.case_mapping(cur.fetchone())
    finally:
        raw.close()
    fast = case_from_mapping(mapping)
    assert fast == store.get(case_no)
    for name in ("received_at", "accept_due", "promised_due", "promised_warn_at"):
        value = getattr(fast, name)
        assert isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0), name


def test_cases_loaded_for_lists_share_their_recurring_strings_and_instants(
    database, engine
) -> None:
    """A compact load (get, list) gives the same `Case` as the action path's plain load,
    with the strings that recur across cases (states, items, staff) shared between cases
    and equal instants of one case one object."""
    store = CaseStore(database, engine)
    first = run(SCENARIOS["sichuan-payment"], lambda: store)
    second = run(SCENARIOS["sichuan-payment"], lambda: store)
    a, b = store.get(first), store.get(second)
    for name in ("region", "item_key", "item_name", "state", "channel", "approved_by"):
        assert getattr(a, name) is getattr(b, name), name
    assert a.materials is b.materials  # equal material lists: one tuple
    assert a.applicant_id is not b.applicant_id  # the applicant's own data is not shared
    assert a.started("received") is a.received_at
    assert a.started("accepted") is a.accepted_at
    assert a.supplemented_at is a.clock_start_at  # the clock restarted then
    listed = {c.case_no: c for c in store.list(region="sichuan")}
    assert listed[first] == a and listed[first].state is a.state


def test_the_stored_stage_record_and_the_columns_name_every_stamp_once(database, engine) -> None:
    """``data.stage_started`` keeps by name every stage start no column dates (format 3:
    receipt, acceptance and completion are the columns ``received_at``, ``accepted_at`` and
    ``completed_at``, not written twice); together they give every stamp, and it loads
    back."""
    store = CaseStore(database, engine)
    number = run(SCENARIOS["sichuan-payment"], lambda: store)
    case = store.get(number)
    with database.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT data, received_at, accepted_at, completed_at FROM cases WHERE case_no = :n"
            ),
            {"n": number},
        ).one()
    stamps = json.loads(row.data)["stage_started"]
    assert {"reviewed", "paid"} <= set(stamps)
    assert not {"received", "accepted", "completed"} & set(stamps)
    assert list(stamps) == [k for k in STAMP_FIELDS if k in stamps]  # chain order
    columns = {
        "received": row.received_at,
        "accepted": row.accepted_at,
        "completed": row.completed_at,
    }
    assert all(columns.values())
    stored = {k: dt.datetime.fromisoformat(v) for k, v in stamps.items()}
    assert set(stored) | set(columns) == set(case.stage_stamps())
    assert {k: v for k, v in case.stage_stamps().items() if k in stored} == stored


def test_only_the_query_code_given_on_opening_matches_the_stored_hash(store) -> None:
    """Every store keeps the hash of the code shown once on the receipt, never the code, and
    reads it with the case in one call; unknown numbers raise like `get`."""
    from jingban.engine import query_code_matches
    from jingban.errors import NotFound

    opened = store.open(
        now=at("2026-03-02 10:00"),
        region="sichuan",
        item="inpatient_reimbursement",
        applicant_name="王小红",
        applicant_id="110101199003074514",
        actor="clerk-li",
        role="clerk",
        all_materials=True,
    )
    case, stored = store.get_with_query_hash(opened.case.case_no)
    assert case == store.get(opened.case.case_no) and opened.query_code not in stored
    assert query_code_matches(opened.query_code, stored)
    wrong = "Y" if opened.query_code.endswith("X") else "X"  # a code that differs in one place
    assert not query_code_matches(opened.query_code[:-1] + wrong, stored)
    with pytest.raises(NotFound):
        store.get_with_query_hash(format_case_number("sichuan", dt.date(2026, 3, 2), 99))

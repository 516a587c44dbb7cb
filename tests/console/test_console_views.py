"""The console's view helpers without a browser: card colours follow the scan's rules, the
queue names the due that explains the colour, the chain marks the current stage, and the
small security helpers refuse what they must."""

from __future__ import annotations

import datetime as dt

from console_support import identity

from jingban.calendar import BEIJING, WorkCalendar
from jingban.console.views import card_level, chain_view, dues, payload_lines, queue_row
from jingban.console.web import csrf_for, safe_next
from jingban.engine import ActionParams, AuditEvent, Case, Engine
from jingban.workflows import load_catalog

CAL = WorkCalendar.for_region("shawan")
ENGINE = Engine(load_catalog(), lambda region: CAL)
RECEIVED = dt.datetime(2026, 11, 2, 10, 0, tzinfo=BEIJING)  # a Monday


def _accepted_case() -> tuple[Case, list[AuditEvent]]:
    """A 沙湾 医疗救助 reimbursement (statutory 30, promised 25 working days), accepted."""
    item = ENGINE.catalog.item("shawan", "assistance_reimbursement")
    opened = ENGINE.open_case(
        case_no="SW-20261102-00001-X",
        region="shawan",
        item=item.key,
        applicant_name="买买提",
        applicant_id=identity(7),
        actor="clerk",
        role="clerk",
        now=RECEIVED,
        all_materials=True,
    )
    accepted = ENGINE.act(
        opened.case, "accept", actor="clerk", role="clerk", now=RECEIVED + dt.timedelta(hours=1)
    )
    return accepted.case, [opened.event, accepted.event]


def _day(n: int) -> dt.datetime:
    """Noon of the Nth working day after receipt, Beijing time."""
    day = CAL.add_working_days(RECEIVED.date(), n)
    return dt.datetime.combine(day, dt.time(12), BEIJING)


def test_card_colours_follow_the_scan_rules() -> None:
    case, _ = _accepted_case()
    assert card_level(case, _day(1)) == "green"
    assert card_level(case, _day(23)) == "yellow"  # within 3 working days of the promise
    assert card_level(case, _day(26)) == "orange"  # promise passed
    assert card_level(case, _day(31)) == "red"  # statutory limit passed
    suspended = ENGINE.act(
        case,
        "suspend",
        actor="r",
        role="reviewer",
        now=_day(2),
        params=ActionParams(reason="现场核查", days=5),
    ).case
    assert card_level(suspended, _day(31)) == "green"  # a stopped clock does not age


def test_the_queue_names_the_due_that_explains_the_colour() -> None:
    case, _ = _accepted_case()
    late = queue_row(case, CAL, _day(31))
    assert late["level"] == "red" and late["due"].kind == "statutory"
    assert late["days_left"] == -1
    early = queue_row(case, CAL, _day(1))
    assert early["due"].kind == "promised" and early["days_left"] > 20
    assert early["applicant"] == "买*提"
    assert [d.kind for d in dues(case, CAL, _day(1))] == ["promised", "statutory"]
    assert late["sort_key"] < early["sort_key"]


def test_the_chain_marks_the_current_and_the_passed_stages() -> None:
    case, history = _accepted_case()
    chain = chain_view(ENGINE.compiled_of(case), case, history)
    states = [(b["state"], b["current"], b["done"]) for b in chain["main"]]
    assert states[:3] == [
        ("submitted", False, True),
        ("accepted", True, False),
        ("reviewed", False, False),
    ]
    assert chain["main"][1]["via"] == "受理"
    assert {b["state"] for b in chain["off"]} >= {"supplement_requested", "suspended"}


def test_payload_lines_say_what_happened() -> None:
    _, history = _accepted_case()
    lines = payload_lines(history[0])
    assert any(line.startswith("法定时限: 无 → ") for line in lines)


def test_security_helpers() -> None:
    assert safe_next("/board", "/") == "/board"
    for bad in ("//evil.example", "https://evil.example/", "javascript:alert(1)", "", None):
        assert safe_next(bad, "/work") == "/work"
    assert csrf_for("a") == csrf_for("a") != csrf_for("b")

"""Due dates to the day, counted by hand in each test from the published 2025–2026 calendars.

The days that matter here (国务院办公厅 notices; 新疆 regional days):
- 2026 春节: 02-15 … 02-23 off; Saturdays 02-14 and 02-28 are make-up working days.
- 2026 肉孜节 (新疆): 03-20 off. 清明: 04-04 … 04-06 off. 劳动节: 05-01 … 05-05 off, 05-09 works.
- 2026 古尔邦节 (新疆): 05-27 … 05-29 off. 端午: 06-19 off.
- 2026 中秋 09-25 … 09-27 and 国庆 10-01 … 10-07 off; Sunday 09-20 and Saturday 10-10 work.
- 2025 古尔邦节 (新疆): 06-06 … 06-10 off.
Offices close at 20:00 in Xinjiang; 四川 at 17:30 (October–April) or 18:00 (May–September).
"N working days" never counts the start day; a receipt after close counts from the next
working day. Expected values are written out, never computed by the code under test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from engine_support import CLERK, REVIEWER, SUPERVISOR, act, at, close, make_engine, open_case

from jingban.engine import Case, Engine

KS_INPATIENT = ("kashgar", "inpatient_reimbursement")  # 20 working days
SC_INPATIENT = ("sichuan", "inpatient_reimbursement")  # 30 working days
KS_ASSISTANCE = ("kashgar", "assistance_reimbursement")  # 30 working days 受理后
BT_TRANSFER = ("bingtuan", "transfer_continuation")  # 15 wd; 转出 10, 转入 5


@pytest.fixture(scope="module")
def eng() -> Engine:
    return make_engine()


def _open(eng: Engine, key: tuple[str, str], received: str, **kw) -> Case:
    return open_case(eng, key[0], key[1], now=at(received), **kw).case


def sc_close(text: str) -> dt.datetime:
    month = int(text[5:7])
    return close(text, 18, 0) if 5 <= month <= 9 else close(text, 17, 30)


# -- acceptance window and receipt time ------------------------------------------------------


def test_accept_due_across_the_spring_festival(eng: Engine) -> None:
    # Received Fri 02-13 10:00. Working days after it: 02-14 (Sat, make-up) 1; 02-15 … 02-23
    # off; 02-24 2, 02-25 3, 02-26 4, 02-27 5.
    ks = _open(eng, KS_INPATIENT, "2026-02-13 10:00")
    sc = _open(eng, SC_INPATIENT, "2026-02-13 10:00")
    assert ks.accept_due == close("2026-02-27")
    assert sc.accept_due == sc_close("2026-02-27")


@pytest.mark.parametrize(
    ("received", "accept_due", "promised"),
    [
        # Before close: counts from 02-13 → accept 02-27 (above); 20 wd: 02-14 1, 02-24 … 02-28 6,
        # 03-02 … 03-06 11, 03-09 … 03-13 16, 03-16 … 03-19 20.
        ("2026-02-13 19:59", "2026-02-27", "2026-03-19"),
        # At or after 20:00: counts from the next working day, Saturday 02-14 (make-up).
        # accept: 02-24 1 … 02-27 4, 02-28 (Saturday, make-up) 5. 20 wd: 02-24 … 02-28 5,
        # 03-02 … 03-06 10, 03-09 … 03-13 15, 03-16 … 03-19 19, 03-20 肉孜节 off, 03-23 20.
        ("2026-02-13 20:00", "2026-02-28", "2026-03-23"),
        ("2026-02-13 23:30", "2026-02-28", "2026-03-23"),
    ],
)
def test_received_after_office_close_counts_from_the_next_working_day(
    eng: Engine, received: str, accept_due: str, promised: str
) -> None:
    case = _open(eng, KS_INPATIENT, received)
    assert case.accept_due == close(accept_due)
    assert case.promised_due == case.statutory_due == close(promised)


def test_received_on_a_holiday_counts_from_the_next_working_day(eng: Engine) -> None:
    # Online, received on 春节 02-17: day 0 is 02-24. accept: 02-25 1, 02-26 2, 02-27 3,
    # 02-28 4, 03-02 5. 20 wd: 02-25 … 02-28 4, 03-02 … 03-06 9, 03-09 … 03-13 14,
    # 03-16 … 03-19 18, (03-20 off) 03-23 19, 03-24 20.
    case = _open(eng, ("kashgar", "prenatal_exam_payment"), "2026-02-17 10:00", channel="online")
    assert case.accept_due == close("2026-03-02")
    assert case.promised_due == close("2026-03-24")


def test_sichuan_closes_earlier_and_keeps_no_xinjiang_days(eng: Engine) -> None:
    # 17:45 is after 四川's winter close (17:30): day 0 is 02-14. 30 wd from 02-14: 02-24 … 02-28
    # 5, 03-02 … 03-06 10, 03-09 … 03-13 15, 03-16 … 03-20 20 (03-20 works in 四川),
    # 03-23 … 03-27 25, 03-30 26, 03-31 27, 04-01 28, 04-02 29, 04-03 30.
    late = _open(eng, SC_INPATIENT, "2026-02-13 17:45")
    assert late.promised_due == late.statutory_due == sc_close("2026-04-03")
    # 17:00 is before close: day 0 is 02-13, one working day earlier: 04-02.
    assert _open(eng, SC_INPATIENT, "2026-02-13 17:00").promised_due == sc_close("2026-04-02")


# -- promised and statutory from receipt or from acceptance ---------------------------------


def test_national_day_and_its_make_up_days(eng: Engine) -> None:
    # Received Fri 09-18. 09-20 (Sun, make-up) 1, 09-21 … 09-24 5 → accept due 09-24.
    # 中秋 09-25 … 09-27 off; 09-28 6, 09-29 7, 09-30 8; 国庆 10-01 … 10-07 off; 10-08 9,
    # 10-09 10, 10-10 (Sat, make-up) 11, 10-12 … 10-16 16, 10-19 … 10-22 20.
    ks = _open(eng, KS_INPATIENT, "2026-09-18 10:00")
    assert ks.accept_due == close("2026-09-24")
    assert ks.statutory_due == close("2026-10-22")
    # 30 wd in 四川: … 10-16 16, 10-19 … 10-23 21, 10-26 … 10-30 26, 11-02 … 11-05 30.
    sc = _open(eng, SC_INPATIENT, "2026-09-18 10:00")
    assert sc.statutory_due == sc_close("2026-11-05")


def test_2025_corban_festival_in_xinjiang_only(eng: Engine) -> None:
    # Received Wed 2025-06-04. 喀什: 06-05 1; 古尔邦节 06-06 … 06-10 off; 06-11 2, 06-12 3,
    # 06-13 4, 06-16 5. 四川: 06-05 1, 06-06 2, 06-09 3, 06-10 4, 06-11 5.
    assert _open(eng, KS_INPATIENT, "2025-06-04 10:00").accept_due == close("2025-06-16")
    assert _open(eng, SC_INPATIENT, "2025-06-04 10:00").accept_due == sc_close("2025-06-11")


def test_clock_from_acceptance_where_the_document_says_so(eng: Engine) -> None:
    case = _open(eng, KS_ASSISTANCE, "2026-03-02 10:00")
    assert case.promised_due is None and case.statutory_due is None
    assert case.accept_due == close("2026-03-09")  # 03-03 … 03-06 4, 03-09 5
    result = act(eng, case, "accept", CLERK, at("2026-03-04 15:00"))
    # 30 wd after 03-04: 03-05 1, 03-06 2, 03-09 … 03-13 7, 03-16 … 03-19 11, (03-20 off)
    # 03-23 … 03-27 16, 03-30 17, 03-31 18, 04-01 19, 04-02 20, 04-03 21, (04-06 off)
    # 04-07 22 … 04-10 25, 04-13 … 04-17 30.
    assert result.case.promised_due == result.case.statutory_due == close("2026-04-17")
    assert result.event.payload["dues"] == {
        "promised": [None, close("2026-04-17")],
        "statutory": [None, close("2026-04-17")],
    }
    # Accepted after close: counts from 03-05, one working day later (04-20).
    late = act(eng, case, "accept", CLERK, at("2026-03-04 20:30")).case
    assert late.statutory_due == close("2026-04-20")


def test_clock_from_receipt_does_not_move_at_acceptance(eng: Engine) -> None:
    case = _open(eng, KS_INPATIENT, "2026-03-02 10:00")
    result = act(eng, case, "accept", CLERK, at("2026-03-06 10:00"))
    assert result.case.statutory_due == case.statutory_due == close("2026-03-31")
    assert "dues" not in result.event.payload


def test_open_records_every_due_in_its_payload(eng: Engine) -> None:
    result = open_case(eng, *KS_INPATIENT, now=at("2026-03-02 10:00"))
    # 20 wd after 03-02: 03-03 … 03-06 4, 03-09 … 03-13 9, 03-16 … 03-19 13, (03-20 off),
    # 03-23 … 03-27 18, 03-30 19, 03-31 20.
    assert result.event.payload["dues"] == {
        "accept": [None, close("2026-03-09")],
        "promised": [None, close("2026-03-31")],
        "statutory": [None, close("2026-03-31")],
    }


# -- supplement, suspension, extension --------------------------------------------------------


def test_supplement_restarts_the_clock(eng: Engine) -> None:
    case = _open(
        eng, KS_INPATIENT, "2026-03-02 10:00", all_materials=False, materials=("住院发票",)
    )
    notice = act(eng, case, "request_supplement", CLERK, at("2026-03-02 11:00"))
    assert "dues" not in notice.event.payload  # the clock keeps its dues until the restart
    result = act(eng, notice.case, "supplement", CLERK, at("2026-03-09 10:00"))
    # From Mon 03-09: accept 03-10 … 03-13 4, 03-16 5. 20 wd: 03-10 … 03-13 4,
    # 03-16 … 03-19 8, (03-20 off) 03-23 … 03-27 13, 03-30 14, 03-31 15, 04-01 16, 04-02 17,
    # 04-03 18, (04-06 off) 04-07 19, 04-08 20.
    assert result.case.accept_due == close("2026-03-16")
    assert result.case.promised_due == result.case.statutory_due == close("2026-04-08")
    assert result.event.payload["clock"]["policy"] == "restart"
    assert result.event.payload["dues"] == {
        "accept": [close("2026-03-09"), close("2026-03-16")],
        "promised": [close("2026-03-31"), close("2026-04-08")],
        "statutory": [close("2026-03-31"), close("2026-04-08")],
    }


def test_every_region_restarts_on_supplement() -> None:
    from jingban.workflows import load_catalog

    policies = {r.key: r.supplement_policy for r in load_catalog().regions.values()}
    assert policies == dict.fromkeys(
        ("sichuan", "bingtuan", "tacheng", "kashgar", "shawan"), "restart"
    )


def test_suspension_moves_every_running_due(eng: Engine) -> None:
    case = act(
        eng, _open(eng, KS_INPATIENT, "2026-03-02 10:00"), "accept", CLERK, at("2026-03-02 11:00")
    ).case
    suspended = act(
        eng, case, "suspend", REVIEWER, at("2026-03-04 10:00"), reason="现场核查", days=5
    )
    assert "dues" not in suspended.event.payload
    # Expected back after 5 working days: 03-05, 03-06, 03-09, 03-10, 03-11.
    assert suspended.event.payload["expected_resume"] == dt.date(2026, 3, 11)
    resumed = act(eng, suspended.case, "resume", REVIEWER, at("2026-03-11 10:00"))
    # Stopped: working days x with 03-04 < x ≤ 03-11: 03-05, 03-06, 03-09, 03-10, 03-11 = 5.
    # 03-31 + 5: 04-01 1, 04-02 2, 04-03 3, (04-04 … 04-06 清明) 04-07 4, 04-08 5.
    assert resumed.event.payload["stopped_working_days"] == 5
    assert resumed.case.promised_due == resumed.case.statutory_due == close("2026-04-08")
    assert resumed.event.payload["dues"] == {
        "promised": [close("2026-03-31"), close("2026-04-08")],
        "statutory": [close("2026-03-31"), close("2026-04-08")],
    }


def test_suspension_over_corban_stops_fewer_days_in_xinjiang(eng: Engine) -> None:
    def run(key):
        case = act(
            eng, _open(eng, key, "2026-05-20 10:00"), "accept", CLERK, at("2026-05-20 11:00")
        ).case
        case = act(
            eng, case, "suspend", REVIEWER, at("2026-05-25 10:00"), reason="公示", days=5
        ).case
        return act(eng, case, "resume", REVIEWER, at("2026-06-02 10:00"))

    # Stopped (05-25, 06-02]: 喀什 05-26, (古尔邦节 05-27 … 05-29), 06-01, 06-02 = 3;
    # 四川 05-26 … 05-29, 06-01, 06-02 = 6.
    ks, sc = run(KS_INPATIENT), run(SC_INPATIENT)
    assert ks.event.payload["stopped_working_days"] == 3
    assert sc.event.payload["stopped_working_days"] == 6
    # 喀什 20 wd after 05-20: 05-21 1, 05-22 2, 05-25 3, 05-26 4, (05-27 … 05-29) 06-01 5 …
    # 06-05 9, 06-08 … 06-12 14, 06-15 … 06-18 18, (06-19 端午) 06-22 19, 06-23 20;
    # + 3: 06-24, 06-25, 06-26.
    assert ks.case.statutory_due == close("2026-06-26")
    # 四川 30 wd after 05-20: 05-21 1, 05-22 2, 05-25 … 05-29 7, 06-01 … 06-05 12,
    # 06-08 … 06-12 17, 06-15 … 06-18 21, (06-19) 06-22 … 06-26 26, 06-29 27, 06-30 28,
    # 07-01 29, 07-02 30; + 6: 07-03, 07-06 … 07-10.
    assert sc.case.statutory_due == sc_close("2026-07-10")

    extended = act(
        eng, ks.case, "extend", SUPERVISOR, at("2026-06-03 10:00"), reason="需专家评审", days=10
    )
    # Extension moves only the statutory due: 06-26 + 10: 06-29, 06-30, 07-01, 07-02, 07-03,
    # 07-06 … 07-10.
    assert extended.case.statutory_due == close("2026-07-10")
    assert extended.case.promised_due == ks.case.promised_due == close("2026-06-26")
    assert extended.event.payload["dues"] == {
        "statutory": [close("2026-06-26"), close("2026-07-10")],
    }


def test_resume_on_the_day_of_suspension_moves_nothing(eng: Engine) -> None:
    case = act(
        eng, _open(eng, KS_INPATIENT, "2026-03-02 10:00"), "accept", CLERK, at("2026-03-02 11:00")
    ).case
    case = act(eng, case, "suspend", REVIEWER, at("2026-03-03 10:00"), reason="公示", days=1).case
    resumed = act(eng, case, "resume", REVIEWER, at("2026-03-03 16:00"))
    assert resumed.event.payload["stopped_working_days"] == 0
    assert resumed.case.statutory_due == close("2026-03-31")
    assert "dues" not in resumed.event.payload


# -- stage sub-limits ------------------------------------------------------------------------


def test_stage_sub_limits_follow_the_chain(eng: Engine) -> None:
    case = _open(eng, BT_TRANSFER, "2026-03-02 10:00")
    assert case.stage_due is None and case.stage_due_key is None
    accepted = act(eng, case, "accept", CLERK, at("2026-03-02 11:00"))
    # 转出地 10 wd after 03-02: 03-03 … 03-06 4, 03-09 … 03-13 9, 03-16 10.
    assert accepted.case.stage_due == close("2026-03-16")
    assert accepted.case.stage_due_key == "transfer_out"
    assert accepted.event.payload["dues"] == {"stage": [None, close("2026-03-16")]}
    # The whole item: 15 wd: … 03-16 10, 03-17 … 03-19 13, (03-20 off) 03-23 14, 03-24 15.
    assert accepted.case.statutory_due == close("2026-03-24")

    reviewed = act(eng, accepted.case, "approve", REVIEWER, at("2026-03-10 10:00"))
    # 转入地 5 wd after 03-10: 03-11, 03-12, 03-13, 03-16, 03-17.
    assert reviewed.case.stage_due == close("2026-03-17")
    assert reviewed.case.stage_due_key == "transfer_in"
    assert reviewed.event.payload["dues"] == {"stage": [close("2026-03-16"), close("2026-03-17")]}

    done = act(eng, reviewed.case, "complete", SUPERVISOR, at("2026-03-12 10:00"))
    assert done.case.stage_due is None and done.case.stage_due_key is None
    # The result now awaits delivery: 5 wd after 03-12 (03-13, 03-16 … 03-19).
    assert done.event.payload["dues"] == {
        "stage": [close("2026-03-17"), None],
        "delivery": [None, close("2026-03-19")],
    }


def test_suspension_moves_the_stage_due_and_extension_does_not(eng: Engine) -> None:
    case = act(
        eng, _open(eng, BT_TRANSFER, "2026-03-02 10:00"), "accept", CLERK, at("2026-03-02 11:00")
    ).case
    case = act(eng, case, "suspend", REVIEWER, at("2026-03-04 10:00"), reason="核查", days=2).case
    resumed = act(eng, case, "resume", REVIEWER, at("2026-03-06 10:00"))
    # Stopped: 03-05, 03-06 = 2. Stage 03-16 + 2: 03-17, 03-18. Statutory 03-24 + 2: 03-25,
    # 03-26.
    assert resumed.case.stage_due == close("2026-03-18")
    assert resumed.case.statutory_due == close("2026-03-26")
    assert resumed.event.payload["dues"] == {
        "statutory": [close("2026-03-24"), close("2026-03-26")],
        "promised": [close("2026-03-24"), close("2026-03-26")],
        "stage": [close("2026-03-16"), close("2026-03-18")],
    }
    extended = act(
        eng,
        resumed.case,
        "extend",
        SUPERVISOR,
        at("2026-03-06 11:00"),
        reason="转入地未回复",
        days=5,
    )
    # 03-26 + 5: 03-27, 03-30, 03-31, 04-01, 04-02. Stage and promised stay.
    assert extended.case.statutory_due == close("2026-04-02")
    assert extended.case.stage_due == close("2026-03-18")
    assert extended.event.payload["dues"] == {
        "statutory": [close("2026-03-26"), close("2026-04-02")]
    }


# -- units other than working days -------------------------------------------------------------


def test_month_limit_ending_in_national_day_rolls_forward(eng: Engine) -> None:
    # 3 months from 07-03 is 10-03, inside 国庆 (10-01 … 10-07): the next working day, 10-08.
    case = _open(eng, ("kashgar", "hospital_designation"), "2026-07-03 10:00")
    assert case.statutory_due == close("2026-10-08")
    # From 06-30: 09-30, a working day.
    case = _open(eng, ("kashgar", "hospital_designation"), "2026-06-30 10:00")
    assert case.statutory_due == close("2026-09-30")


def test_natural_day_limit_rolls_forward(eng: Engine) -> None:
    # 90 natural days from Mon 07-06: 07-31 is +25, 08-31 +56, 09-30 +86, 10-04 +90 (国庆) →
    # 10-08.
    case = _open(eng, ("bingtuan", "hospital_designation"), "2026-07-06 10:00")
    assert case.statutory_due == close("2026-10-08")


def test_instant_items_are_due_at_close_of_their_day(eng: Engine) -> None:
    filing = ("kashgar", "relocated_retiree_filing")
    assert _open(eng, filing, "2026-03-02 10:00").statutory_due == close("2026-03-02")
    assert _open(eng, filing, "2026-03-02 20:30").statutory_due == close("2026-03-03")
    # Online: 2 working days (variant): 03-03, 03-04.
    online = _open(eng, filing, "2026-03-02 10:00", channel="online")
    assert online.statutory_due == close("2026-03-04")


# -- provisional dues ------------------------------------------------------------------------


def test_a_due_in_an_unpublished_year_is_provisional(eng: Engine) -> None:
    # 60 wd from 2026-11-23 ends in 2027, whose holiday notice is not published.
    far = _open(eng, ("sichuan", "hospital_designation"), "2026-11-23 10:00")
    assert far.statutory_due is not None and far.statutory_due.year == 2027
    assert far.provisional is True
    # 20 wd from Mon 11-23: 11-24 … 11-27 4, 11-30 … 12-04 9, 12-07 … 12-11 14,
    # 12-14 … 12-18 19, 12-21 20.
    near = _open(eng, KS_INPATIENT, "2026-11-23 10:00")
    assert near.statutory_due == close("2026-12-21")
    assert near.provisional is False


def test_a_resume_that_pushes_a_due_into_2027_makes_it_provisional(eng: Engine) -> None:
    case = act(
        eng, _open(eng, KS_INPATIENT, "2026-11-23 10:00"), "accept", CLERK, at("2026-11-23 11:00")
    ).case
    case = act(eng, case, "suspend", REVIEWER, at("2026-11-24 10:00"), reason="鉴定", days=20).case
    resumed = act(eng, case, "resume", REVIEWER, at("2026-12-22 10:00"))
    # Stopped (11-24, 12-22]: 11-25 … 11-27 3, 11-30 … 12-04 8, 12-07 … 12-11 13,
    # 12-14 … 12-18 18, 12-21 19, 12-22 20.
    assert resumed.event.payload["stopped_working_days"] == 20
    assert resumed.case.statutory_due is not None and resumed.case.statutory_due.year == 2027
    assert resumed.case.provisional is True
    old, new = resumed.event.payload["dues"]["statutory"]
    assert (old, new) == (close("2026-12-21"), resumed.case.statutory_due)


# -- each clock moves only by the time it stood still (defects this suite found, now fixed) --


def test_a_restarted_clock_does_not_carry_an_earlier_suspension(eng: Engine) -> None:
    case = act(
        eng, _open(eng, KS_INPATIENT, "2026-03-02 10:00"), "accept", CLERK, at("2026-03-02 11:00")
    ).case
    case = act(eng, case, "suspend", REVIEWER, at("2026-03-04 10:00"), reason="核查", days=5).case
    case = act(eng, case, "resume", REVIEWER, at("2026-03-11 10:00")).case  # 5 days stopped
    case = act(
        eng, case, "request_supplement", REVIEWER, at("2026-03-11 11:00"), missing=("住院发票",)
    ).case
    restarted = act(eng, case, "supplement", CLERK, at("2026-03-12 10:00")).case
    # Restart from Thu 03-12: 03-13 1, 03-16 … 03-19 5, (03-20 off) 03-23 … 03-27 10,
    # 03-30 … 04-03 15, (04-06 off) 04-07 … 04-10 19, 04-13 20. (It was 04-20: five more.)
    assert restarted.statutory_due == close("2026-04-13")


def test_a_stage_started_after_a_suspension_is_not_moved_by_it(eng: Engine) -> None:
    case = act(
        eng, _open(eng, BT_TRANSFER, "2026-03-02 10:00"), "accept", CLERK, at("2026-03-02 11:00")
    ).case
    case = act(eng, case, "suspend", REVIEWER, at("2026-03-04 10:00"), reason="核查", days=2).case
    case = act(eng, case, "resume", REVIEWER, at("2026-03-06 10:00")).case  # 2 days stopped
    reviewed = act(eng, case, "approve", REVIEWER, at("2026-03-10 10:00")).case
    # 转入地 5 wd from 03-10: 03-11, 03-12, 03-13, 03-16, 03-17. (It was 03-19.)
    assert reviewed.stage_due == close("2026-03-17")


def test_suspension_before_acceptance_moves_the_accept_due(eng: Engine) -> None:
    case = _open(eng, ("kashgar", "prenatal_exam_payment"), "2026-03-02 10:00", channel="online")
    assert case.accept_due == close("2026-03-09")
    case = act(eng, case, "prereview", SUPERVISOR, at("2026-03-02 11:00")).case
    case = act(eng, case, "suspend", REVIEWER, at("2026-03-03 10:00"), reason="核查", days=3).case
    resumed = act(eng, case, "resume", REVIEWER, at("2026-03-09 10:00")).case
    # Stopped (03-03, 03-09]: 03-04, 03-05, 03-06, 03-09 = 4. 03-09 + 4: 03-10 … 03-13.
    assert resumed.accept_due == close("2026-03-13")

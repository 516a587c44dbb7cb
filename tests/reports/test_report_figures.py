"""Report figures against the hand-computed fixture (`report_support`): the flow of a
period per office, item, staff and month, the backlog at a moment, and their agreement with
the on-time report. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from report_support import (
    EAST,
    EAST_FLOW,
    EAST_USED,
    END,
    ITEM,
    NOW,
    REGION,
    START,
    WEST,
    WEST_FLOW,
    WEST_USED,
    seed,
    services_on,
)

from jingban.storage.report_figures import ReportFigures, total


def _check(flow: object, expected: dict[str, int], used: tuple[int, ...]) -> None:
    got = flow.as_dict()  # type: ignore[attr-defined]
    assert {k: got[k] for k in expected} == expected
    assert got["average_days"] == pytest.approx(sum(used) / len(used))
    assert got["speedup_rate"] == pytest.approx(1 - sum(u / 10 for u in used) / len(used))


def test_flow_per_office_against_the_hand_computed_figures(db_url: str) -> None:
    with services_on(db_url) as services:
        seed(services)
        figures = ReportFigures(services.db)
        flows = figures.flow(START, END, "office", region=REGION)
        assert set(flows) == {(REGION, EAST), (REGION, WEST)}
        _check(flows[(REGION, EAST)], EAST_FLOW, EAST_USED)
        _check(flows[(REGION, WEST)], WEST_FLOW, WEST_USED)
        whole = total(flows.values())
        assert (whole.received, whole.accepted, whole.completed) == (12, 9, 6)
        assert whole.on_time_rate == pytest.approx(4 / 6)
        assert whole.promised_rate == pytest.approx(2 / 6)
        assert whole.early_rate == pytest.approx(1 / 6)
        assert whole.late_rate == pytest.approx(1 / 6)
        assert whole.extended_rate == pytest.approx(1 / 6)
        # The on-time report counts the same completions the same way.
        (row,) = services.reports.on_time(region=REGION, start=START, end=END)
        assert (
            row.completed,
            row.within_promised,
            row.within_statutory,
            row.extended,
            row.late,
        ) == (6, 2, 2, 1, 1)


def test_backlog_at_a_moment(db_url: str) -> None:
    with services_on(db_url) as services:
        seed(services)
        backlog = ReportFigures(services.db).backlog(NOW, "office", region=REGION)
        east, west = backlog[(REGION, EAST)], backlog[(REGION, WEST)]
        # EAST: the never-accepted case (past its statutory due: 在办超期) and the suspended
        # one (its clock stands), both received 05-13, 50 days before NOW.
        assert (east.open, east.overdue) == (2, 1)
        assert east.ages == {"7日以内": 0, "8至30日": 0, "31至90日": 2, "90日以上": 0}
        assert (west.open, west.overdue) == (1, 0)
        assert west.ages["7日以内"] == 1


def test_flow_per_item_staff_and_month(db_url: str) -> None:
    with services_on(db_url) as services:
        seed(services)
        figures = ReportFigures(services.db)
        items = figures.flow(START, END, "item", region=REGION)
        assert list(items) == [(REGION, ITEM)]
        assert items[(REGION, ITEM)].completed == 6
        staff = figures.flow(START, END, "staff", region=REGION)
        wang, liu = staff[(REGION, "reviewer-wang")], staff[(REGION, "reviewer-liu")]
        assert (wang.completed, wang.within_promised, wang.within_statutory) == (3, 2, 1)
        assert (liu.completed, liu.late, liu.extended, liu.within_statutory) == (3, 1, 1, 1)
        clerk = staff[(REGION, "clerk-li")]
        assert (clerk.accepted, clerk.completed, clerk.not_accepted, clerk.withdrawn) == (
            9,
            0,
            1,
            1,
        )
        assert all(f.received == 0 for f in staff.values())  # nobody receives by name
        months = figures.flow(START, END, "month", region=REGION)
        may, june = months[("2026-05",)], months[("2026-06",)]
        assert (may.received, may.accepted, may.completed) == (8, 6, 1)
        assert (june.received, june.accepted, june.completed) == (4, 3, 5)


def test_the_summary_sections_and_staff_ratings(db_url: str) -> None:
    from jingban.office_reports import Period, build

    with services_on(db_url) as services:
        seed(services)
        summary = build(services, "summary", Period(START, END), NOW, region=REGION)
        feedback = summary.sections["feedback"]
        assert (feedback["rated"], feedback["bad"], feedback["bad_rate"]) == (2, 1, 0.5)
        assert summary.sections["supervision"] == {
            "issued": 2, "replied": 1, "replied_late": 0, "waiting": 1, "overdue": 1,
        }  # fmt: skip
        assert summary.sections["audit"]["samples"] == 0
        staff = build(services, "staff", Period(START, END), NOW, region=REGION)
        rows = {r["staff"]: r for r in staff.rows}
        assert rows["reviewer-wang"]["staff_name"] == "王伟"
        assert (rows["reviewer-wang"]["rated"], rows["reviewer-wang"]["bad"]) == (1, 1)
        assert (rows["clerk-li"]["rated"], rows["clerk-li"]["bad"]) == (1, 0)
        assert (rows["reviewer-liu"]["rated"], rows["reviewer-liu"]["bad"]) == (0, 0)


def _months(services: object) -> list[tuple[object, ...]]:
    from sqlalchemy import text

    query = text(
        "SELECT * FROM report_months WHERE n <> 0 OR ratio_total <> 0 ORDER BY 1, 2, 3, 4, 5"
    )
    with services.db.engine.connect() as conn:  # type: ignore[attr-defined]
        return [
            tuple(round(v, 9) if isinstance(v, float) else v for v in r)
            for r in conn.execute(query)
        ]


def test_the_monthly_sums_kept_by_the_actions_equal_their_facts(db_url: str) -> None:
    from jingban.storage.report_rebuild import rebuild_months

    with services_on(db_url) as services:
        seed(services)
        kept = _months(services)
        assert kept
        rebuild_months(services.db)
        assert _months(services) == kept


@pytest.mark.parametrize("by", ["region", "office", "item", "month"])
def test_whole_months_from_the_sums_and_the_days_around_them_from_the_facts(
    db_url: str, by: str
) -> None:
    import datetime as dt

    def flows(figures: ReportFigures, a: dt.date, b: dt.date, rollup: bool) -> dict:
        found = figures.flow(a, b, by, region=REGION, rollup=rollup)
        return {k: {n: pytest.approx(v) for n, v in f.as_dict().items()} for k, f in found.items()}

    with services_on(db_url) as services:
        seed(services)
        figures = ReportFigures(services.db)
        for a, b in [
            (START, END), (dt.date(2026, 5, 14), END), (START, dt.date(2026, 6, 12)),
            (dt.date(2026, 5, 14), dt.date(2026, 6, 12)),
            (dt.date(2026, 5, 20), dt.date(2026, 5, 25)),
            (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        ]:  # fmt: skip
            assert flows(figures, a, b, True) == flows(figures, a, b, False), (a, b)


def test_a_supplement_after_acceptance_moves_the_acceptance(db_url: str) -> None:
    import datetime as dt

    from report_support import CLERK, WANG, act, open_case
    from support import at

    with services_on(db_url) as services:
        case_no = open_case(services, at("2026-05-13 11:00"))
        act(services, case_no, "accept", CLERK, at("2026-05-13 11:30"))
        act(services, case_no, "request_supplement", WANG, at("2026-05-15 10:00"),
            missing=("身份证件",), reason="证件不清")  # fmt: skip
        act(services, case_no, "supplement", CLERK, at("2026-06-02 10:00"))
        figures = ReportFigures(services.db)
        may = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
        june = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
        for rollup in (True, False):
            flow = total(figures.flow(*may, "region", rollup=rollup).values())
            assert (flow.received, flow.accepted) == (1, 0)  # acceptance started over
        act(services, case_no, "accept", CLERK, at("2026-06-03 10:00"))
        for rollup in (True, False):
            assert total(figures.flow(*june, "region", rollup=rollup).values()).accepted == 1
            assert total(figures.flow(*may, "region", rollup=rollup).values()).accepted == 0
        kept = _months(services)
        from jingban.storage.report_rebuild import rebuild_months

        rebuild_months(services.db)
        assert _months(services) == kept


def test_a_lapsed_supplement_counts_as_withdrawn_in_its_month(db_url: str) -> None:
    """逾期未补正视为撤回 is a decision of the system, stored through the same unit: its facts
    and the month's sums say 撤回."""
    import datetime as dt

    from report_support import CLERK, act, open_case
    from support import at

    from jingban.scheduler.followups import run_followups

    with services_on(db_url) as services:
        received = at("2026-05-13 11:00")
        case_no = open_case(
            services, received, "成都市医保中心", "sichuan", "inpatient_reimbursement"
        )
        act(services, case_no, "request_supplement", CLERK, received, days=3, reason="急需",
            missing=("出院记录",))  # fmt: skip
        due = services.cases.get(case_no).supplement_due
        assert due is not None
        assert run_followups(services, due + dt.timedelta(minutes=1), remind_days=0).lapsed == [
            case_no
        ]
        figures = ReportFigures(services.db)
        may = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
        for rollup in (True, False):
            flow = total(figures.flow(*may, "region", rollup=rollup).values())
            assert (flow.received, flow.withdrawn, flow.completed) == (1, 1, 0)
        assert ReportFigures(services.db).backlog(NOW, "region") == {}


def test_concurrent_completions_keep_the_monthly_sums_exact(db_url: str) -> None:
    """Four threads completing cases of one office, item and month at once all add
    to the same ``report_months`` rows: none is lost, none counted twice."""
    import datetime as dt
    from concurrent.futures import ThreadPoolExecutor

    from report_support import CLERK, open_case
    from support import at

    from jingban.errors import Conflict
    from jingban.storage.report_rebuild import rebuild_months

    with services_on(db_url) as services:
        numbers = [open_case(services, at("2026-06-15 11:00")) for _ in range(12)]

        def finish(case_no: str) -> None:
            for action, who, when in (
                ("accept", CLERK, "2026-06-15 11:30"),
                ("approve", ("reviewer-wang", "reviewer"), "2026-06-16 10:00"),
                ("complete", ("reviewer-wang", "reviewer"), "2026-06-16 11:00"),
            ):
                for _ in range(20):  # a busy SQLite answers Conflict/busy: try again
                    try:
                        services.cases.act(case_no, action, actor=who[0], role=who[1],
                                           now=at(when), params=None)  # fmt: skip
                        break
                    except Conflict:
                        continue

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(finish, numbers))
        june_days = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
        june = total(ReportFigures(services.db).flow(*june_days, "office").values())
        assert (june.received, june.accepted, june.completed) == (12, 12, 12)
        kept = _months(services)
        rebuild_months(services.db)
        assert _months(services) == kept

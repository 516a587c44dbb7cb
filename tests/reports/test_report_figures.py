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

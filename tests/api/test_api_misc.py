"""The item catalog, alerts, the on-time report (with ratings) and the calendar over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api_support import Api

from jingban.calendar import BEIJING
from jingban.storage.scan import scan


def _error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == code
    return error


# -- items ---------------------------------------------------------------------------------


def test_items_list_defaults_to_the_users_region(api: Api) -> None:
    sichuan = api.get("clerk_a", "/api/items").json()
    kashgar = api.get("clerk_k", "/api/items").json()
    assert {i["region"] for i in sichuan} == {"sichuan"}
    assert {i["region"] for i in kashgar} == {"kashgar"}
    explicit = api.get("clerk_k", "/api/items", region="sichuan").json()
    assert explicit == sichuan
    inpatient = next(i for i in sichuan if i["key"] == "inpatient_reimbursement")
    assert inpatient["name"] == "住院费用报销"
    assert inpatient["stages"] == ["申请", "受理", "审核", "拨付", "办结"]
    assert inpatient["has_payment"] is True
    assert [i["seq"] for i in sichuan] == sorted(i["seq"] for i in sichuan)
    assert api.get("admin", "/api/items").json() == sichuan  # no region: sichuan


def test_item_detail_has_materials_and_a_mermaid_diagram(api: Api) -> None:
    r = api.get("reviewer_a", "/api/items/inpatient_reimbursement", region="sichuan")
    assert r.status_code == 200
    detail = r.json()
    assert detail["key"] == "inpatient_reimbursement"
    assert "\nstateDiagram-v2\n" in detail["mermaid"]
    assert "title: 住院费用报销" in detail["mermaid"]
    for label in ("已受理", "审核通过", "已拨付", "已办结"):
        assert label in detail["mermaid"]
    required = [m["name"] for m in detail["materials"] if m["required"]]
    assert "住院费用清单" in required
    by_name = api.get("reviewer_a", "/api/items/住院费用报销", region="sichuan").json()
    assert by_name["key"] == "inpatient_reimbursement"


def test_item_errors_name_the_region_or_the_item(api: Api) -> None:
    error = _error(api.get("clerk_a", "/api/items", region="atlantis"), 400, "bad_input")
    assert "atlantis" in error["message"]
    # The path names no item of the region: not found, with the reason.
    error = _error(
        api.get("clerk_a", "/api/items/no_such_item", region="sichuan"), 404, "not_found"
    )
    assert "no_such_item" in error["message"]
    error = _error(
        api.get("clerk_a", "/api/items/inpatient_reimbursement", region="atlantis"),
        400,
        "bad_input",
    )
    assert "atlantis" in error["message"]


# -- alerts --------------------------------------------------------------------------------


def _overdue_case(api: Api) -> str:
    """A case left unaccepted past its 5-working-day acceptance window, and a scan."""
    case_no: str = api.open_case(all_materials=False)["case_no"]
    api.travel(days=10)  # Thursday 3 December 2026
    scan(api.db, api.services.calendar, api.clock(), node="test")
    return case_no


def test_alerts_list_the_red_card_of_an_unaccepted_case(api: Api) -> None:
    case_no = _overdue_case(api)
    alerts = api.get("clerk_a", "/api/alerts").json()
    accept = [a for a in alerts if a["due_kind"] == "accept"]
    assert len(accept) == 1
    alert = accept[0]
    assert alert["case_no"] == case_no
    assert (alert["level"], alert["level_label"]) == ("red", "红牌")
    assert alert["working_days_left"] < 0
    assert alert["closed_at"] is None
    assert dt.datetime.fromisoformat(alert["due_at"]) < api.clock()
    assert alert["raised_at"] == api.clock().astimezone(BEIJING).isoformat()
    assert {a["case_no"] for a in api.get("clerk_a", "/api/alerts", level="red").json()} == {
        case_no
    }
    assert api.get("clerk_a", "/api/alerts", level="yellow").json() == []


def test_closed_alerts_show_only_when_asked(api: Api) -> None:
    case_no = _overdue_case(api)
    api.act("clerk_a", case_no, "withdraw", reason="申请人撤回")
    api.clock.advance(minutes=1)  # a manual scan's slot is its instant: a new one
    scan(api.db, api.services.calendar, api.clock(), node="test")
    assert api.get("clerk_a", "/api/alerts").json() == []
    closed = api.get("clerk_a", "/api/alerts", open="false").json()
    assert {a["case_no"] for a in closed} == {case_no}
    assert all(a["closed_at"] is not None for a in closed)


def test_alert_errors(api: Api) -> None:
    _overdue_case(api)
    assert (
        "purple"
        in _error(api.get("clerk_a", "/api/alerts", level="purple"), 400, "bad_input")["message"]
    )
    _error(api.get("clerk_a", "/api/alerts", region="kashgar"), 403, "forbidden")
    assert api.get("clerk_k", "/api/alerts").json() == []
    _error(api.get("clerk_a", "/api/alerts", open="perhaps"), 422, "invalid")


# -- the on-time report ----------------------------------------------------------------------


def test_on_time_report_is_for_supervisors_and_admins_only(api: Api) -> None:
    api.complete_payment_case()
    for who in ("clerk_a", "reviewer_a", "payer_a"):
        error = _error(api.get(who, "/api/reports/on-time"), 403, "forbidden")
        assert "科长" in error["message"]
    _error(api.get("supervisor_a", "/api/reports/on-time", region="kashgar"), 403, "forbidden")
    assert api.get("supervisor_k", "/api/reports/on-time").json() == []
    assert len(api.get("admin", "/api/reports/on-time").json()) == 1


def test_on_time_report_counts_completed_cases_with_their_ratings(api: Api) -> None:
    opened = [api.complete_payment_case(n=i) for i in range(3)]
    api.open_case(n=9)  # still open: not counted
    for case, rating in zip(opened[:2], (5, 2), strict=True):
        r = api.client.post(
            "/api/public/rating",
            json={"case_no": case["case_no"], "code": case["query_code"], "rating": rating},
        )
        assert r.status_code == 201, r.text
    rows = api.get("supervisor_a", "/api/reports/on-time").json()
    assert rows == [
        {
            "region": "sichuan",
            "item_key": "inpatient_reimbursement",
            "item_name": "住院费用报销",
            "completed": 3,
            "within_promised": 3,
            "within_statutory": 0,
            "late": 0,
            "on_time_rate": 1.0,
            "promised_rate": 1.0,
            "extended": 0,
            "extended_rate": 0.0,
            "ratings": {"count": 2, "by_label": {"非常满意": 1, "不满意": 1}, "average": 3.5},
        }
    ]
    today = api.clock().astimezone(BEIJING).date()
    assert api.get("supervisor_a", "/api/reports/on-time", **{"from": str(today)}).json() == rows
    later = str(today + dt.timedelta(days=1))
    assert api.get("supervisor_a", "/api/reports/on-time", **{"from": later}).json() == []
    earlier = str(today - dt.timedelta(days=1))
    assert api.get("supervisor_a", "/api/reports/on-time", to=earlier).json() == []
    _error(api.get("supervisor_a", "/api/reports/on-time", to="yesterday"), 422, "invalid")


# -- the calendar ------------------------------------------------------------------------------


def test_calendar_due_matches_the_regions_calendar(api: Api) -> None:
    r = api.get("clerk_k", "/api/calendar/due", start="2026-11-27", n=1)  # a Friday
    assert r.status_code == 200
    body = r.json()
    assert body["region"] == "kashgar"
    assert (body["due"], body["value"], body["unit"]) == ("2026-11-30", 1, "working_days")
    for params in (
        {"start": "2026-09-28", "n": 10, "region": "sichuan"},
        {"start": "2026-09-28", "n": 10, "region": "kashgar"},
        {"start": "2026-02-10T18:30:00+08:00", "n": 5, "region": "tacheng"},
        {"start": "2026-02-10T09:00", "n": 3, "unit": "natural_days", "region": "shawan"},
        {"start": "2026-01-31", "n": 1, "unit": "months", "region": "bingtuan"},
    ):
        got = api.get("clerk_a", "/api/calendar/due", **params).json()
        start: dt.date | dt.datetime = (
            dt.date.fromisoformat(params["start"])
            if len(params["start"]) == 10
            else dt.datetime.fromisoformat(params["start"])
        )
        if isinstance(start, dt.datetime) and start.tzinfo is None:
            start = start.replace(tzinfo=BEIJING)
        expected = api.services.calendar(params["region"]).due(
            start, params["n"], params.get("unit", "working_days")
        )
        assert got["due"] == expected.date.isoformat(), params
        assert got["due_at"] == expected.at.isoformat(), params
        assert got["counted_from"] == expected.start.isoformat(), params
        assert got["provisional"] is expected.provisional


def test_calendar_due_errors(api: Api) -> None:
    cases = [
        ({"start": "2026-11-23", "n": 3, "unit": "fortnights"}, 400, "unit"),
        ({"start": "23/11/2026", "n": 3}, 400, "start"),
        ({"start": "2026-11-23", "n": 3, "region": "atlantis"}, 400, "atlantis"),
        ({"start": "2026-11-23", "n": -1}, 422, "n"),
        ({"start": "2026-11-23", "n": 1001}, 422, "n"),
        ({"n": 3}, 422, "start"),
        ({"start": "2026-11-23"}, 422, "n"),
    ]
    for params, status, word in cases:
        r = api.get("clerk_a", "/api/calendar/due", **params)
        error = _error(r, status, "bad_input" if status == 400 else "invalid")
        assert word in error["message"], (params, error)
        if status == 422:
            assert error["field"] == word

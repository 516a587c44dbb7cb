"""Nothing a client sends produces a 500, and what the API documents matches what it sends.

Inputs at the edges of what the schemas accept: dates at the ends of Python's range, times
whose zone pushes them past year 9999, digits that are not ASCII, NUL characters. The ones
that once produced a 500 are kept as regression tests.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_support import PAYMENT, Api, identity_number


def _not_500(r: Any) -> None:
    assert r.status_code < 500, (r.status_code, r.text)
    assert r.json()["error"]["code"] in {"bad_input", "invalid", "not_found"}, r.text


def _is_postgresql(api: Api) -> bool:
    return api.db.engine.dialect.name == "postgresql"


# -- inputs that are handled ---------------------------------------------------------------


def test_dates_out_of_the_calendars_range_are_400(api: Api) -> None:
    for params in (
        {"start": "9999-12-01", "n": 100},
        {"start": "0001-01-01", "n": 5},
        {"start": "1900-01-01T10:00:00+08:00", "n": 5},
    ):
        r = api.get("clerk_a", "/api/calendar/due", **params)
        assert r.status_code == 400, (params, r.text)
        assert "日历范围" in r.json()["error"]["message"]
    for received in ("0001-01-01T00:00:00+00:00", "2014-12-31T10:00:00+08:00"):
        r = api.post(
            "clerk_a",
            "/api/cases",
            {
                "region": "sichuan",
                "item": "inpatient_reimbursement",
                "applicant_name": "王秀英",
                "applicant_id": identity_number(),
                "received_at": received,
            },
        )
        assert r.status_code == 400, r.text
    assert api.get("supervisor_a", "/api/reports/on-time", to="0001-01-01").json() == []
    assert api.get("supervisor_a", "/api/reports/on-time", **{"from": "9999-12-31"}).json() == []


def test_nul_and_control_characters_in_public_parameters_are_not_found(api: Api) -> None:
    opened = api.open_case()
    for case_no, code in (
        (opened["case_no"] + "\x00", opened["query_code"]),
        ("SC\x00-20261123-00001-Q", "X"),
        (opened["case_no"], opened["query_code"] + "\x00\x01"),
    ):
        r = api.client.get("/api/public/progress", params={"case_no": case_no, "code": code})
        _not_500(r)


# -- inputs that once produced a 500 ---------------------------------------------------------


def test_report_up_to_the_last_representable_day(api: Api) -> None:
    r = api.get("supervisor_a", "/api/reports/on-time", to="9999-12-31")
    assert r.status_code == 200, r.text  # a bound past 2099 leaves the period open


def test_report_from_the_first_representable_day(api: Api) -> None:
    r = api.get("supervisor_a", "/api/reports/on-time", **{"from": "0001-01-01"})
    assert r.status_code == 200, r.text


def test_open_with_a_receipt_time_at_the_end_of_time(api: Api) -> None:
    r = api.post(
        "clerk_a",
        "/api/cases",
        {
            "region": "sichuan",
            "item": "inpatient_reimbursement",
            "applicant_name": "王秀英",
            "applicant_id": identity_number(),
            "received_at": "9999-12-31T23:59:59+00:00",
        },
    )
    _not_500(r)


def test_action_time_past_year_9999_in_utc(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    r = api.post(
        "clerk_a", f"/api/cases/{case_no}/actions/accept", {"at": "9999-12-31T23:00:00-02:00"}
    )
    _not_500(r)


def test_calendar_due_from_instants_at_the_ends_of_time(api: Api) -> None:
    for start in ("9999-12-31T23:00:00-02:00", "0001-01-01T00:00:00+02:00"):
        _not_500(api.get("clerk_a", "/api/calendar/due", start=start, n=1))


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_case_numbers_typed_with_fullwidth_digits(api: Api) -> None:
    opened = api.open_case()
    case_no = opened["case_no"]
    typed = case_no[:3] + case_no[3:].translate(FULLWIDTH)  # as a Chinese IME may type it
    answers = [
        api.get("clerk_a", f"/api/cases/{typed}"),
        api.client.get(
            "/api/public/progress", params={"case_no": typed, "code": opened["query_code"]}
        ),
        api.client.post(
            "/api/public/rating",
            json={"case_no": typed, "code": opened["query_code"], "rating": 5},
        ),
    ]
    for r in answers:
        assert r.status_code < 500, (r.status_code, r.text)


NUL_500 = (
    "PostgreSQL text cannot hold NUL: psycopg raises DataError (500) for a NUL in "
    "POST /api/auth/token username, GET /api/cases?item=, POST /api/cases applicant_name, "
    "an action's reason and a rating comment (SQLite stores it)"
)


def test_nul_characters_in_staff_and_public_input(api: Api, request: pytest.FixtureRequest) -> None:
    done = api.complete_payment_case()
    open_case = api.open_case(n=2)["case_no"]
    answers = [
        api.client.post("/api/auth/token", json={"username": "clerk\x00a", "password": "x"}),
        api.get("clerk_a", "/api/cases", item="inpatient\x00"),
        api.post(
            "clerk_a",
            "/api/cases",
            {
                "region": "sichuan",
                "item": "inpatient_reimbursement",
                "applicant_name": "王\x00秀英",
                "applicant_id": identity_number(3),
            },
        ),
        api.post("clerk_a", f"/api/cases/{open_case}/actions/accept", {"reason": "好\x00"}),
        api.client.post(
            "/api/public/rating",
            json={
                "case_no": done["case_no"],
                "code": done["query_code"],
                "rating": 5,
                "comment": "好\x00",
            },
        ),
    ]
    assert [r.status_code for r in answers if r.status_code >= 500] == []


# -- what the schema says --------------------------------------------------------------------


def test_openapi_documents_the_error_bodies_it_sends(sqlite_api: Api) -> None:
    spec = sqlite_api.client.get("/openapi.json").json()
    responses = spec["paths"]["/api/cases/{case_no}/actions/{action}"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "422"} <= set(responses)
    schema = responses["422"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    assert "error" in spec["components"]["schemas"][name]["properties"]


# -- office isolation in aggregates -----------------------------------------------------------


def test_an_office_supervisors_report_counts_only_the_office(sqlite_api: Api) -> None:
    api = sqlite_api
    opened = api.open_case("clerk_b")
    case_no = opened["case_no"]
    api.act("clerk_b", case_no, "accept")
    api.act("reviewer_b", case_no, "approve")
    api.act("supervisor_b", case_no, "pay", **PAYMENT)
    api.act("supervisor_b", case_no, "complete")
    r = api.client.post(
        "/api/public/rating",
        json={"case_no": case_no, "code": opened["query_code"], "rating": 1},
    )
    assert r.status_code == 201
    assert len(api.get("supervisor_b", "/api/reports/on-time").json()) == 1
    # Office A's supervisor: nothing of office B.
    assert api.get("supervisor_a", "/api/reports/on-time").json() == []


def test_a_region_wide_supervisor_sees_the_whole_regions_report(sqlite_api: Api) -> None:
    api = sqlite_api
    api.complete_payment_case()
    rows = api.get("supervisor_sc", "/api/reports/on-time").json()
    assert [(r["item_key"], r["completed"]) for r in rows] == [("inpatient_reimbursement", 1)]

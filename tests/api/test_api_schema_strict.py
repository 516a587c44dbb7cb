"""The OpenAPI document states what the server enforces, and the server refuses what the
document does not allow: each finding of the schemathesis acceptance checks, one by one."""

from __future__ import annotations

import re
from typing import Any

from api_support import Api, identity_number


def _error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == code, error
    return error


def _operation(api: Api, method: str, path: str) -> dict[str, Any]:
    document = api.client.get("/openapi.json").json()
    found: dict[str, Any] = document["paths"][path][method]
    return found


def _parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [p for p in operation["parameters"] if p["name"] == name]
    schema: dict[str, Any] = found["schema"]
    return schema


def _body(api: Api, name: str) -> dict[str, Any]:
    found: dict[str, Any] = api.client.get("/openapi.json").json()["components"]["schemas"][name]
    return found


def test_the_document_lists_the_values_the_server_accepts(sqlite_api: Api) -> None:
    api = sqlite_api
    regions = ["sichuan", "bingtuan", "tacheng", "kashgar", "shawan"]
    for method, path in (
        ("get", "/api/items"),
        ("get", "/api/items/{key}"),
        ("get", "/api/alerts"),
        ("get", "/api/reports/on-time"),
        ("get", "/api/calendar/due"),
    ):
        assert _parameter(_operation(api, method, path), "region")["enum"] == regions, path
    assert _body(api, "CaseIn")["properties"]["region"]["enum"] == regions
    cases = _operation(api, "get", "/api/cases")
    assert "submitted" in _parameter(cases, "state")["enum"]
    assert "-registered" in _parameter(cases, "sort")["enum"]
    assert _parameter(cases, "card")["enum"] == ["red", "orange", "yellow", "green"]
    act = _operation(api, "post", "/api/cases/{case_no}/actions/{action}")
    assert "accept" in _parameter(act, "action")["enum"]
    assert re.fullmatch(_parameter(act, "case_no")["pattern"], "SC-20261123-00001-Q")
    # Bounds the server checks are stated as JSON Schema keywords, not pydantic's names.
    days = _body(api, "ActionIn")["properties"]["days"]["anyOf"][0]
    assert (days["minimum"], days["maximum"]) == (1, 250)
    assert "le" not in days
    due = _operation(api, "get", "/api/calendar/due")
    assert _parameter(due, "n")["maximum"] == 100
    assert re.fullmatch(_parameter(due, "start")["pattern"], "2026-11-23T10:00:00+08:00")
    assert not re.fullmatch(_parameter(due, "start")["pattern"], "2026-02-30")


def test_an_undeclared_query_parameter_is_refused(sqlite_api: Api) -> None:
    error = _error(sqlite_api.get("clerk_a", "/api/alerts", levl="red"), 400, "bad_input")
    assert "levl" in error["message"] and "level" in error["message"]
    _error(sqlite_api.get("clerk_a", "/api/items", **{"": "x"}), 400, "bad_input")
    assert sqlite_api.get("clerk_a", "/api/items", region="sichuan").status_code == 200


def test_an_unknown_region_is_refused_not_answered_with_an_empty_list(sqlite_api: Api) -> None:
    """Found by the schema's negative-data check: `/api/alerts?region=null` answered []."""
    for path in ("/api/alerts", "/api/reports/on-time"):
        error = _error(sqlite_api.get("supervisor_all", path, region="null"), 400, "bad_input")
        assert "null" in error["message"]
    assert sqlite_api.get("supervisor_all", "/api/alerts", region="kashgar").status_code == 200


def test_an_item_the_region_lacks_is_404_and_nothing_is_stored(api: Api) -> None:
    body = {
        "region": "sichuan",
        "item": "no_such_item",
        "applicant_name": "王秀英",
        "applicant_id": identity_number(),
    }
    error = _error(api.post("clerk_a", "/api/cases", body), 404, "not_found")
    assert "no_such_item" in error["message"]
    assert api.services.cases.count() == 0


def test_a_body_is_checked_whole_before_its_item_is_looked_up(sqlite_api: Api) -> None:
    body = {
        "region": "sichuan",
        "item": "no_such_item",
        "applicant_name": "王秀英",
        "applicant_id": identity_number(),
        "channel": "fax",
    }
    error = _error(sqlite_api.post("clerk_a", "/api/cases", body), 422, "invalid")
    assert error["field"] == "channel" and "fax" in error["message"]


def test_a_whole_json_number_counts_as_an_integer(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    done = api.act("clerk_a", case_no, "accept", expected_version=1.0)
    assert done["version"] == 2
    r = api.post("clerk_a", f"/api/cases/{case_no}/actions/suspend", {"days": 2.5})
    assert _error(r, 422, "invalid")["field"] == "days"


def test_blank_text_is_refused_by_the_document_too(sqlite_api: Api) -> None:
    progress = _body(sqlite_api, "ProgressIn")["properties"]
    assert re.search(progress["case_no"]["pattern"], "KS-1")
    assert not re.search(progress["case_no"]["pattern"], "\u00a0 ")
    r = sqlite_api.post(None, "/api/public/progress", {"case_no": "\u00a0", "code": "X"})
    assert _error(r, 422, "invalid")["field"] == "case_no"


def test_calendar_due_refuses_what_its_pattern_refuses(sqlite_api: Api) -> None:
    api = sqlite_api
    for start in ("2040-01-02", "2015-06-01"):
        error = _error(api.get("clerk_a", "/api/calendar/due", start=start, n=1), 400, "bad_input")
        assert "日历范围" in error["message"], start
    for start in ("20261123", "2026-11-23T10", "2026-11-23T10:00:00+0800"):
        error = _error(api.get("clerk_a", "/api/calendar/due", start=start, n=1), 400, "bad_input")
        assert "无法识别" in error["message"], start
    _error(api.get("clerk_a", "/api/calendar/due", start="2026-11-23", n=101), 422, "invalid")
    # The longest limit from the last start allowed still has a due date.
    for unit in ("working_days", "natural_days", "months"):
        r = api.get(
            "clerk_a", "/api/calendar/due", start="2036-12-31T23:59+23:59", n=100, unit=unit
        )
        assert r.status_code == 200, (unit, r.text)


def test_a_well_formed_identity_number_that_fails_finds_nothing_and_says_why(api: Api) -> None:
    api.open_case()
    number = identity_number()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    listed = api.get("clerk_a", "/api/cases", id_number=wrong).json()
    assert listed["cases"] == [] and listed["total"] == 0
    assert "id_number" in listed["notice"]
    assert api.get("clerk_a", "/api/cases", id_number=number).json()["total"] == 1
    _error(api.get("clerk_a", "/api/cases", id_number="11010519"), 400, "bad_input")


def test_a_method_not_allowed_lists_every_method_of_the_path(sqlite_api: Api) -> None:
    document = sqlite_api.client.get("/openapi.json").json()
    # schemathesis's allow_header_conformance (ST205) reads the answer to OPTIONS.
    paths = ("/api/auth/token", "/api/cases", "/api/public/progress", "/api/me")
    for path, method in [(p, m) for p in paths for m in ("OPTIONS", "PUT")]:
        r = sqlite_api.client.request(method, path)
        assert r.status_code == 405, path
        allowed = {m.strip() for m in r.headers["allow"].split(",")}
        documented = {m.upper() for m in document["paths"][path]}
        assert documented <= allowed <= documented | {"HEAD"}, (path, allowed)

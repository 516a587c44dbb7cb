"""The public query as the applicant and a stranger meet it: POST with the code in a JSON body
(the GET still answers, deprecated), nobody locked out by someone else's wrong codes while
every address and every case number stay bounded, and what a 待补正 or a denied case shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from api_support import Api
from fastapi.testclient import TestClient

from jingban.api.public import DEPRECATION
from jingban.workflows.actions import ACTIONS

PROGRESS = "/api/public/progress"
WRONG = "23456789ABCD"


@pytest.fixture(autouse=True)
def _requests_unlimited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-process request limit (30 a minute, tested in `test_api_public`) aside: these
    tests are about failures."""
    monkeypatch.setenv("JINGBAN_PROGRESS_REQUESTS", "100000")


def _wrong(code: str) -> str:
    return WRONG if code != WRONG else "DCBA98765432"


def _post(client: TestClient, case_no: str, code: str) -> Any:
    return client.post(PROGRESS, json={"case_no": case_no, "code": code})


def _client(api: Api, address: str) -> TestClient:
    return TestClient(api.client.app, client=(address, 4000), raise_server_exceptions=False)


# -- POST, and the deprecated GET --------------------------------------------------------------


def test_post_answers_with_the_code_in_the_body(api: Api) -> None:
    opened = api.open_case()
    case_no, code = opened["case_no"], opened["query_code"]
    r = _post(api.client, case_no, code)
    assert r.status_code == 200, r.text
    assert r.json()["case_no"] == case_no and r.json()["state"] == "submitted"
    assert "Deprecation" not in r.headers
    wrong = _post(api.client, case_no, _wrong(code))
    absent = _post(api.client, case_no[:-7] + "00009-" + case_no[-1], code)
    assert wrong.status_code == 404
    assert absent.status_code in (400, 404)  # a check-character typo, or an unknown number
    for body, field in (({"code": code}, "case_no"), ({"case_no": case_no}, "code")):
        missing = api.client.post(PROGRESS, json=body)
        assert missing.status_code == 422 and missing.json()["error"]["field"] == field
    extra = api.client.post(PROGRESS, json={"case_no": case_no, "code": code, "x": 1})
    assert extra.status_code == 422


def test_the_get_still_answers_marked_deprecated(api: Api) -> None:
    opened = api.open_case()
    r = api.client.get(
        PROGRESS, params={"case_no": opened["case_no"], "code": opened["query_code"]}
    )
    assert r.status_code == 200
    assert r.headers["Deprecation"] == DEPRECATION
    assert r.json() == _post(api.client, opened["case_no"], opened["query_code"]).json()
    operations = api.client.get("/openapi.json").json()["paths"][PROGRESS]
    assert operations["get"]["deprecated"] is True
    assert not operations["post"].get("deprecated", False)
    assert operations["post"]["requestBody"]["required"] is True


def test_the_public_page_queries_by_post(api: Api) -> None:
    page = api.client.get("/progress").text
    assert 'fetch("/api/public/progress", {method: "POST"' in page
    assert '"/api/public/progress?"' not in page
    assert "materials_needed" in page


# -- nobody is locked out by someone else --------------------------------------------------------


def test_a_strangers_failures_never_stop_the_owner(api: Api) -> None:
    """50 wrong codes from client A: A is stopped (for this number after 5, for every number
    after 20 failures), the owner on client B gets in with the right code at once."""
    opened = api.open_case()
    other = api.open_case(n=2)
    case_no, code = opened["case_no"], opened["query_code"]
    stranger, owner = _client(api, "198.51.100.20"), _client(api, "203.0.113.30")
    statuses = [_post(stranger, case_no, _wrong(code)).status_code for _ in range(50)]
    assert statuses == [404] * 5 + [429] * 45
    assert _post(owner, case_no, code).status_code == 200
    # The stranger is stopped for this number even with the right code (it is guessing) …
    assert _post(stranger, case_no, code).status_code == 429
    # … but may still look up another number until its failures over every number reach 20.
    assert _post(stranger, other["case_no"], other["query_code"]).status_code == 200
    for _ in range(15):
        assert _post(stranger, other["case_no"], _wrong(other["query_code"])).status_code in (
            404,
            429,
        )
    assert _post(stranger, other["case_no"], other["query_code"]).status_code == 429
    api.clock.advance(minutes=15)
    assert _post(stranger, case_no, code).status_code == 200


def test_the_owner_mistyping_is_not_locked_out_by_others_either(api: Api) -> None:
    opened = api.open_case()
    case_no, code = opened["case_no"], opened["query_code"]
    owner = _client(api, "203.0.113.31")
    for _ in range(4):  # the owner's own typos, below the per-number limit of 5
        assert _post(owner, case_no, _wrong(code)).status_code == 404
    for n in range(5):  # five strangers, five failures each
        stranger = _client(api, f"198.51.100.{40 + n}")
        for _ in range(5):
            _post(stranger, case_no, _wrong(code))
    assert _post(owner, case_no, code).status_code == 200


def test_the_per_case_cap_bounds_the_guesses_of_many_addresses(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the hourly cap per number, an address that failed on the number within the hour
    may not try it again, so each further address adds at most one guess; an address that
    has not failed (the owner's phone) still gets in with the right code."""
    monkeypatch.setenv("JINGBAN_PROGRESS_CASE_HOURLY_FAILURES", "12")
    opened = api.open_case()
    case_no, code = opened["case_no"], opened["query_code"]
    addresses = [f"198.51.100.{60 + n}" for n in range(8)]
    counted = 0
    for address in addresses:
        stranger = _client(api, address)
        for _ in range(5):
            if _post(stranger, case_no, _wrong(code)).status_code == 404:
                counted += 1  # a guess that was checked
    # 12 before the cap (5 + 5 + 2 of the third address), then one each for the other 5.
    assert counted == 12 + 5
    assert counted <= 12 + len(addresses)
    assert (
        len(api.accounts.failure_times("progress", case_no, api.clock() - dt.timedelta(hours=1)))
        == counted
    )
    # Every address that failed is stopped for this number, even with the right code …
    for address in addresses:
        assert _post(_client(api, address), case_no, code).status_code == 429
    # … while a fresh address (the owner) gets in, and stays able to.
    owner = _client(api, "203.0.113.77")
    assert _post(owner, case_no, code).status_code == 200
    assert _post(owner, case_no, code).status_code == 200
    # An hour later the cap has passed with the failures.
    api.clock.advance(minutes=61)
    assert _post(_client(api, addresses[0]), case_no, code).status_code == 200


# -- what the page says ------------------------------------------------------------------------


def test_a_case_waiting_for_a_supplement_lists_what_it_still_needs(api: Api) -> None:
    opened = api.open_case(all_materials=False, materials=["医院收费票据", "住院费用清单"])
    case_no, code = opened["case_no"], opened["query_code"]
    assert _post(api.client, case_no, code).json()["materials_needed"] == []
    api.act("clerk_a", case_no, "request_supplement", reason="内部: 缺三项")
    body = _post(api.client, case_no, code).json()
    assert body["state"] == "supplement_requested"
    assert body["materials_needed"] == [
        "医保电子凭证或有效身份证件或社保卡",
        "出院记录",
        "参保人银行账户信息",
    ]
    assert "内部" not in str(body)
    api.act("clerk_a", case_no, "supplement")
    assert _post(api.client, case_no, code).json()["materials_needed"] == []


def test_a_denied_case_reads_as_the_console_words_it(api: Api) -> None:
    opened = api.open_case()
    case_no, code = opened["case_no"], opened["query_code"]
    api.act("clerk_a", case_no, "accept")
    api.act("reviewer_a", case_no, "deny", reason="内部: 不符合报销范围")
    body = _post(api.client, case_no, code).json()
    assert ACTIONS["deny"].label == "审核不通过"
    assert body["outcome"] == "审核不通过"
    assert body["steps"][-1]["stage"] == "审核不通过"
    assert "审核未通过" not in str(body) and "内部" not in str(body)

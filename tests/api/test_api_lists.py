"""Lists that never drop a case, and finding a case by person (issue: the queue stopped at
500, the board at 2,000, GET /api/cases at 200; only an exact case number could be found;
GET /board wrote a scan). On SQLite and PostgreSQL, through the HTTP API and the console."""

from __future__ import annotations

import re
from typing import Any

from api_support import OFFICE_A, Api, identity_number
from lists_support import clone_cases, table_rows

from jingban.console import queries
from jingban.engine.identity import mask_name


def _console(api: Api, who: str, path: str, **params: Any) -> Any:
    """A console page as ``who`` (the session cookie is the sign-in token)."""
    api.login(who)
    api.client.cookies.set("jingban_session", api.tokens[who])
    try:
        return api.client.get(path, params=params or None, follow_redirects=False)
    finally:
        api.client.cookies.clear()


def test_the_queue_counts_and_pages_every_open_case(api: Api) -> None:
    first = api.open_case("clerk_a", n=1)
    clone_cases(api.services, first["case_no"], 529)
    newest = api.open_case("clerk_a", n=2, applicant_name="最新的")["case_no"]
    page = _console(api, "supervisor_a", "/work", scope="all")
    assert page.status_code == 200
    assert "共 531 件，第 1/11 页" in page.text
    assert "第 1/11 页" in page.text and "下一页" in page.text
    # the links keep the scope; the last page (urgency, then newest first) holds the newest
    last = _console(api, "supervisor_a", "/work", scope="all", page="11")
    assert "共 531 件，第 11/11 页" in last.text
    assert (
        newest in last.text
        or newest in _console(api, "supervisor_a", "/work", scope="all", page="1").text
    )
    everything = set()
    for n in range(1, 12):
        text = _console(api, "supervisor_a", "/work", scope="all", page=str(n)).text
        everything |= set(re.findall(r'data-case="([^"]+)"', text))
    assert len(everything) == 531 and newest in everything


def test_the_queue_filters_by_assignee_dates_and_text_keeping_them_in_page_links(api: Api) -> None:
    first = api.open_case("clerk_a", n=1, applicant_name="阿不都热依木")
    clone_cases(api.services, first["case_no"], 60, assignee="reviewer_a")
    page = _console(api, "supervisor_a", "/work", scope="all", assignee="reviewer_a")
    assert "共 60 件，第 1/2 页" in page.text
    assert "assignee=reviewer_a" in page.text and "page=2" in page.text
    none = _console(
        api,
        "supervisor_a",
        "/work",
        scope="all",
        received_from="2026-11-24",
        received_to="2026-11-30",
    )
    assert "共 0 件" in none.text
    day = _console(
        api,
        "supervisor_a",
        "/work",
        scope="all",
        received_from="2026-11-23",
        received_to="2026-11-23",
    )
    assert "共 61 件" in day.text
    bad = _console(api, "supervisor_a", "/work", scope="all", received_from="2026-09-31")
    assert bad.status_code == 400 and "2026-09-31 不是有效日期" in bad.text


def test_my_queue_is_computed_in_sql_with_the_same_rule_as_the_case_page(api: Api) -> None:
    first = api.open_case("clerk_a", n=1)  # assigned to the clerk who registered it
    reviewing = clone_cases(api.services, first["case_no"], 3, state="accepted", assignee=None)
    waiting = clone_cases(api.services, first["case_no"], 2, assignee=None)  # not accepted yet
    mine_clerk = _console(api, "clerk_a", "/work", scope="mine")
    mine_reviewer = _console(api, "reviewer_a", "/work", scope="mine")
    assert "共 3 件" in mine_clerk.text  # its own case and the two waiting for acceptance
    assert "共 3 件" in mine_reviewer.text
    listed = set(re.findall(r'data-case="([^"]+)"', mine_reviewer.text))
    assert listed == set(reviewing)
    reviewer = next(u for u in api.accounts.users() if u.username == "reviewer_a")
    for number in [first["case_no"], *reviewing, *waiting]:
        case = api.services.cases.get(number)
        assert queries.is_mine(api.services, reviewer, case) == (number in listed)


def test_the_board_counts_every_open_case_and_pages_the_overdue(api: Api) -> None:
    first = api.open_case("clerk_a", n=1)
    clone_cases(api.services, first["case_no"], 2099)
    api.travel(days=40)  # past every due: 2,100 red cards
    page = _console(api, "supervisor_a", "/board")
    assert page.status_code == 200
    assert "在办 2100 件" in page.text
    assert re.search(r"红 2100\b", page.text)
    assert "共 2100 件，第 1/42 页" in page.text
    second = _console(api, "supervisor_a", "/board", page="42")
    assert "第 42/42 页" in second.text and len(re.findall(r'<tr data-case="', second.text)) == 50


def test_the_boards_overdue_list_sorts_by_its_columns(api: Api) -> None:
    first = api.open_case("clerk_a", n=1)
    numbers = [first["case_no"], *clone_cases(api.services, first["case_no"], 4)]
    api.travel(days=40)
    page = _console(api, "supervisor_a", "/board", sort="-case_no")
    listed = re.findall(r'<tr data-case="([^"]+)"', page.text)
    assert listed == sorted(numbers, reverse=True)
    assert "sort=case_no" in page.text  # the column's link turns the order around
    ascending = _console(api, "supervisor_a", "/board", sort="case_no")
    assert re.findall(r'<tr data-case="([^"]+)"', ascending.text) == sorted(numbers)
    # the reassign form comes back to the same order and page
    assert 'name="next" value="/board?sort=case_no&amp;page=1"' in ascending.text


def test_viewing_the_board_writes_nothing_and_shows_the_last_scan(api: Api) -> None:
    first = api.open_case("clerk_a", n=1)
    clone_cases(api.services, first["case_no"], 5)
    api.travel(days=40)
    _console(api, "supervisor_a", "/work")  # sign in first: signing in writes a token
    before = table_rows(api.services)
    page = _console(api, "supervisor_a", "/board")
    assert page.status_code == 200 and "尚未扫描" in page.text
    assert table_rows(api.services) == before
    assert before["scan_runs"] == [] and before["alerts"] == []
    api.services.scan_deadlines(api.clock(), node="test")
    assert "上次扫描" in _console(api, "supervisor_a", "/board").text


def test_get_api_cases_pages_beyond_200_with_a_total(api: Api) -> None:
    first = api.open_case("clerk_a", n=1)
    clone_cases(api.services, first["case_no"], 249)
    r = api.get("clerk_a", "/api/cases", page_size=200)
    body = r.json()
    assert r.status_code == 200
    assert (body["total"], body["pages"], body["has_more"], len(body["cases"])) == (
        250,
        2,
        True,
        200,
    )
    r2 = api.get("clerk_a", "/api/cases", page_size=200, page=2).json()
    assert (len(r2["cases"]), r2["has_more"]) == (50, False)
    numbers = {c["case_no"] for c in body["cases"]} | {c["case_no"] for c in r2["cases"]}
    assert len(numbers) == 250
    # old parameters and fields keep working; the default order is still newest first
    old = api.get("clerk_a", "/api/cases").json()
    assert set(old) >= {"page", "page_size", "has_more", "cases"} and len(old["cases"]) == 50
    assert old["cases"][0]["case_no"] > old["cases"][-1]["case_no"]
    by_no = api.get("clerk_a", "/api/cases", sort="case_no", page_size=3).json()
    assert [c["case_no"] for c in by_no["cases"]] == sorted(numbers)[:3]
    assert api.get("clerk_a", "/api/cases", sort="nope").status_code == 400
    assert api.get("clerk_a", "/api/cases", page_size=201).status_code == 422


def test_a_case_is_found_by_part_of_a_name_and_by_the_whole_identity_number(api: Api) -> None:
    wanted = api.open_case("clerk_a", n=7, applicant_name="阿不都热依木·买买提")
    api.open_case("clerk_a", n=8, applicant_name="王秀英")
    found = api.get("clerk_a", "/api/cases", q="阿不都").json()
    assert [c["case_no"] for c in found["cases"]] == [wanted["case_no"]] and found["total"] == 1
    by_name = api.get("clerk_a", "/api/cases", name="热依木").json()
    assert [c["case_no"] for c in by_name["cases"]] == [wanted["case_no"]]
    by_id = api.get("clerk_a", "/api/cases", id_number=identity_number(7)).json()
    assert [c["case_no"] for c in by_id["cases"]] == [wanted["case_no"]]
    assert api.get("clerk_a", "/api/cases", q=identity_number(7).lower()).json()["total"] == 1
    partial = api.get("clerk_a", "/api/cases", id_number=identity_number(7)[:10])
    assert partial.status_code == 400 and "完整" in partial.json()["error"]["message"]
    part_no = wanted["case_no"][:11]
    assert api.get("clerk_a", "/api/cases", case_no=part_no).json()["total"] == 2
    # LIKE wildcards typed are literal text
    assert api.get("clerk_a", "/api/cases", name="%").json()["total"] == 0
    assert api.get("clerk_a", "/api/cases", name="_").json()["total"] == 0


def test_the_header_search_finds_by_name_and_stays_masked(api: Api) -> None:
    wanted = api.open_case("clerk_a", n=7, applicant_name="阿不都热依木")
    redirect = _console(api, "clerk_a", "/find", no="阿不都")
    assert redirect.status_code == 303 and redirect.headers["location"].startswith("/search?q=")
    page = _console(api, "clerk_a", "/search", q="阿不都")
    assert page.status_code == 200 and wanted["case_no"] in page.text
    assert "共 1 件" in page.text
    assert mask_name("阿不都热依木") in page.text and "阿不都热依木" not in page.text
    whole = _console(api, "clerk_a", "/search", q=identity_number(7))
    shown = re.sub(r'href="[^"]*"', "", whole.text)  # the links repeat the query typed
    assert wanted["case_no"] in shown and identity_number(7) not in shown
    assert "510104********" in shown
    exact = _console(api, "clerk_a", "/find", no=wanted["case_no"].lower())
    assert exact.headers["location"] == f"/cases/{wanted['case_no']}"


def test_search_respects_office_isolation(api: Api) -> None:
    api.open_case("clerk_a", n=7, applicant_name="阿不都热依木")
    assert api.get("clerk_b", "/api/cases", q="阿不都").json()["total"] == 0
    assert api.get("clerk_b", "/api/cases", id_number=identity_number(7)).json()["total"] == 0
    assert "共 0 件" in _console(api, "clerk_b", "/search", q="阿不都").text
    assert api.get("clerk_k", "/api/cases", q="阿不都").json()["total"] == 0
    region = api.get("supervisor_sc", "/api/cases", q="阿不都", office=OFFICE_A).json()
    assert region["total"] == 1

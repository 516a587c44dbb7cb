"""Office and region isolation: staff see and act only on their own office's cases. Another
office's case answers exactly like a case that does not exist, on every case endpoint."""

from __future__ import annotations

from typing import Any

from api_support import OFFICE_A, OFFICE_B, PAYMENT, Api

from jingban.engine.case_number import check_character
from jingban.storage.scan import scan

# Every way a user can name one case, with bodies that would otherwise succeed or fail
# differently (a stale version, an unknown action, a bad amount, a missing reason).
CASE_REQUESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "", None),
    ("POST", "/actions/accept", {}),
    ("POST", "/actions/approve", {"reason": "同意"}),
    ("POST", "/actions/pay", PAYMENT),
    ("POST", "/actions/pay", {**PAYMENT, "amount": "0"}),
    ("POST", "/actions/withdraw", {"expected_version": 99}),
    ("POST", "/actions/not_accept", {}),
    ("POST", "/actions/launch", {}),
    ("POST", "/actions/advance", {}),
    ("POST", "/actions/reassign", {"assignee": "clerk_b"}),
]


def _absent(case_no: str) -> str:
    """A well-formed number of the same region and day that no case has."""
    body = case_no[:2] + case_no[3:11] + "09999"
    return f"{body[:2]}-{body[2:10]}-{body[10:]}-{check_character(body)}"


def _answers(api: Api, who: str, case_no: str) -> list[tuple[int, str]]:
    headers = api.login(who)
    out = []
    for method, suffix, body in CASE_REQUESTS:
        r = api.client.request(method, f"/api/cases/{case_no}{suffix}", json=body, headers=headers)
        out.append((r.status_code, r.text.replace(case_no, "<number>")))
    return out


def _setup(api: Api) -> dict[str, str]:
    cases = {
        "a": api.open_case("clerk_a", n=1)["case_no"],
        "b": api.open_case("clerk_b", n=2)["case_no"],
        "k": api.open_case(
            "clerk_k",
            n=3,
            region="kashgar",
            item="inpatient_reimbursement",
            applicant_name="阿依努尔",
        )["case_no"],
    }
    api.act("clerk_a", cases["a"], "accept")
    api.act("reviewer_a", cases["a"], "approve")
    return cases


def test_another_offices_case_answers_exactly_like_a_missing_one(api: Api) -> None:
    cases = _setup(api)
    before = {
        k: (api.services.cases.get(n).version, len(api.services.cases.history(n)))
        for k, n in cases.items()
    }
    for who, foreign in (
        ("clerk_b", "a"),
        ("reviewer_b", "a"),
        ("supervisor_b", "a"),
        ("clerk_a", "b"),
        ("payer_a", "b"),
        ("clerk_k", "a"),
        ("supervisor_k", "b"),
        ("supervisor_a", "k"),
        ("supervisor_sc", "k"),
    ):
        number = cases[foreign]
        seen = _answers(api, who, number)
        missing = _answers(api, who, _absent(number))
        assert seen == missing, (who, foreign)
        assert {status for status, _ in seen} == {404}, (who, foreign, seen)
        assert all('"code":"not_found"' in text for _, text in seen)
    after = {
        k: (api.services.cases.get(n).version, len(api.services.cases.history(n)))
        for k, n in cases.items()
    }
    assert after == before  # not even a refused attempt is recorded


def test_own_office_sees_its_case_and_a_region_wide_supervisor_sees_every_office(
    api: Api,
) -> None:
    cases = _setup(api)
    assert api.get("clerk_a", f"/api/cases/{cases['a']}").status_code == 200
    assert api.get("clerk_b", f"/api/cases/{cases['b']}").status_code == 200
    assert api.get("clerk_k", f"/api/cases/{cases['k']}").status_code == 200
    for number in (cases["a"], cases["b"]):
        assert api.get("supervisor_sc", f"/api/cases/{number}").status_code == 200
    for number in cases.values():
        assert api.get("supervisor_all", f"/api/cases/{number}").status_code == 200
    # A region-wide supervisor acts across the region's offices.
    done = api.act("supervisor_sc", cases["b"], "accept")
    assert done["state"] == "accepted"


def test_lists_show_only_what_the_user_may_see(api: Api) -> None:
    cases = _setup(api)

    def listed(who: str, **params: Any) -> set[str]:
        r = api.get(who, "/api/cases", **params)
        assert r.status_code == 200
        return {c["case_no"] for c in r.json()["cases"]}

    assert listed("clerk_a") == {cases["a"]}
    assert listed("reviewer_b") == {cases["b"]}
    assert listed("clerk_k") == {cases["k"]}
    assert listed("supervisor_sc") == {cases["a"], cases["b"]}
    assert listed("supervisor_all") == set(cases.values())
    assert listed("clerk_b", state="reviewed") == set()
    assert listed("clerk_b", item="inpatient_reimbursement") == {cases["b"]}
    shown = api.get("supervisor_sc", "/api/cases").json()["cases"]
    assert {c["office"] for c in shown} == {OFFICE_A, OFFICE_B}


def test_alerts_show_only_the_users_office(api: Api) -> None:
    cases = _setup(api)
    api.travel(days=10)
    scan(api.db, api.services.calendar, api.clock(), node="test")

    def alerted(who: str) -> set[str]:
        r = api.get(who, "/api/alerts")
        assert r.status_code == 200, r.text
        return {a["case_no"] for a in r.json()}

    # Case b was never accepted: a red card for its acceptance window; case k too.
    assert cases["b"] in alerted("clerk_b")
    assert alerted("clerk_a").isdisjoint({cases["b"], cases["k"]})
    assert alerted("clerk_k") == {cases["k"]}
    assert cases["b"] in alerted("supervisor_sc") and cases["k"] not in alerted("supervisor_sc")


def test_a_case_registered_by_region_wide_staff_is_seen_by_the_regions_offices(api: Api) -> None:
    # supervisor_sc belongs to no office: the case it registers has none, and every office
    # of sichuan sees it (list and detail); kashgar's staff do not.
    opened = api.open_case("supervisor_sc", n=7)
    case_no = opened["case_no"]
    assert opened["office"] is None
    for who in ("clerk_a", "clerk_b"):
        listed = [c["case_no"] for c in api.get(who, "/api/cases").json()["cases"]]
        assert case_no in listed
        assert api.get(who, f"/api/cases/{case_no}").status_code == 200
    assert api.get("clerk_k", f"/api/cases/{case_no}").status_code == 404
    assert case_no not in [c["case_no"] for c in api.get("clerk_k", "/api/cases").json()["cases"]]
    # an office's own cases stay its own
    own = api.open_case("clerk_a", n=8)["case_no"]
    assert own not in [c["case_no"] for c in api.get("clerk_b", "/api/cases").json()["cases"]]

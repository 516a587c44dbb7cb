"""100 simultaneous requests on one case: exactly one wins, the others get 409, none 500,
and the audit trail gains exactly one record (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from api_support import Api

N = 100


def _storm(api: Api, case_no: str, body: dict[str, Any]) -> list[Any]:
    """N approvals released together from N threads through one client."""
    headers = api.login("reviewer_a")
    barrier = threading.Barrier(N)

    def approve(_: int) -> Any:
        barrier.wait()
        return api.client.post(f"/api/cases/{case_no}/actions/approve", json=body, headers=headers)

    with ThreadPoolExecutor(N) as pool:
        return list(pool.map(approve, range(N)))


def test_concurrent_approvals_with_one_version_have_one_winner(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    version = api.act("clerk_a", case_no, "accept")["version"]
    before = api.services.cases.history(case_no)

    answers = _storm(api, case_no, {"expected_version": version, "reason": "同意"})

    statuses = Counter(r.status_code for r in answers)
    assert statuses == {200: 1, 409: N - 1}, statuses
    assert {r.json()["error"]["code"] for r in answers if r.status_code == 409} == {"conflict"}
    winner = next(r.json() for r in answers if r.status_code == 200)
    assert (winner["state"], winner["version"]) == ("reviewed", version + 1)

    after = api.services.cases.history(case_no)
    assert after[: len(before)] == before
    assert [(e.action, e.refused) for e in after[len(before) :]] == [("approve", False)]
    case = api.services.cases.get(case_no)
    assert (case.state, case.version) == ("reviewed", version + 1)
    assert api.services.cases.verify(case_no) == (len(after), [])


def test_concurrent_approvals_without_a_version_still_have_one_winner(api: Api) -> None:
    case_no = api.open_case()["case_no"]
    version = api.act("clerk_a", case_no, "accept")["version"]
    before = len(api.services.cases.history(case_no))

    answers = _storm(api, case_no, {})

    statuses = Counter(r.status_code for r in answers)
    assert statuses == {200: 1, 409: N - 1}, statuses
    after = api.services.cases.history(case_no)[before:]
    # Losers either lost the race (conflict, no record) or came after the winner (the state
    # no longer allows approval: a refused attempt is recorded). One real approval only.
    assert [e.action for e in after if not e.refused] == ["approve"]
    assert all(e.action == "approve" and e.to_state == "reviewed" for e in after if e.refused)
    assert api.services.cases.get(case_no).version == version + 1
    assert api.services.cases.verify(case_no)[1] == []

"""The whole life of a 拨付 case over HTTP on PostgreSQL, as a counter runs it: a clerk, a
reviewer and a payer of one office, each step through a new application process (a new
`Database` and `Services` on the same server), then the applicant's query and rating and the
supervisor's report."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import (
    INPATIENT_MATERIALS,
    PAYMENT,
    START,
    Api,
    Clock,
    make_api,
    use_cheap_hashes,
)


def _step(url: str, clock: Clock, tokens: dict[str, str], action: Any) -> Any:
    """Run ``action(api)`` in a fresh application on ``url`` (its clock and tokens kept)."""
    for api in make_api(url):
        api.clock.now = clock.now
        api.tokens.update(tokens)
        out = action(api)
        tokens.update(api.tokens)
        return out
    raise AssertionError("unreachable")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_full_payment_flow_on_postgresql_across_processes(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg = db_url
    use_cheap_hashes(monkeypatch)
    clock = Clock(START)
    tokens: dict[str, str] = {}

    opened = _step(pg, clock, tokens, lambda api: api.open_case("clerk_a", n=4))
    case_no, code = opened["case_no"], opened["query_code"]
    assert opened["materials"] == INPATIENT_MATERIALS

    steps = [
        ("clerk_a", "accept", {"reason": "材料齐全"}, "accepted"),
        ("reviewer_a", "approve", {"reason": "符合报销范围"}, "reviewed"),
        ("payer_a", "pay", PAYMENT, "paid"),
        ("payer_a", "complete", {}, "completed"),
    ]
    for version, (who, action, body, state) in enumerate(steps, start=1):
        clock.advance(hours=3)

        def act(
            api: Api, who: str = who, action: str = action, body: Any = body, v: int = version
        ) -> Any:
            return api.act(who, case_no, action, expected_version=v, **body)

        done = _step(pg, clock, tokens, act)
        assert (done["state"], done["version"]) == (state, version + 1)

    def check(api: Api) -> None:
        assert api.db.engine.dialect.name == "postgresql"
        shown = api.get("supervisor_a", f"/api/cases/{case_no}").json()
        assert [(e["action"], e["actor"]) for e in shown["history"]] == [
            ("open", "clerk_a"),
            ("accept", "clerk_a"),
            ("approve", "reviewer_a"),
            ("pay", "payer_a"),
            ("complete", "payer_a"),
        ]
        assert shown["payment"]["amount_fen"] == 345670
        assert shown["outcome"] == "approved"
        assert api.services.cases.verify(case_no) == (5, [])

        progress = api.client.get(
            "/api/public/progress", params={"case_no": case_no, "code": code}
        ).json()
        assert [s["stage"] for s in progress["steps"]] == ["申请", "受理", "审核", "拨付", "办结"]
        assert progress["can_rate"] is True
        rated = api.client.post(
            "/api/public/rating", json={"case_no": case_no, "code": code, "rating": 5}
        )
        assert rated.status_code == 201
        report = api.get("supervisor_a", "/api/reports/on-time").json()
        assert [(r["item_key"], r["completed"], r["ratings"]["count"]) for r in report] == [
            ("inpatient_reimbursement", 1, 1)
        ]

    _step(pg, clock, tokens, check)

"""批量审核 and 批量拨付 through the API: each case its own transaction and audit record; a
case that is refused (changed meanwhile, in another state, another office's, the same person
as its acceptor) does not stop the others and is stored unchanged; the batch itself is
refused as a whole only when it is malformed."""

from __future__ import annotations

from api_support import PAYMENT, Api


def _accepted(api: Api, n: int) -> str:
    case_no = api.open_case(n=n)["case_no"]
    api.act("clerk_a", case_no, "accept")
    return case_no


def test_a_batch_approval_reports_each_case(api: Api) -> None:
    first, second, third = (_accepted(api, n) for n in (1, 2, 3))
    stale = api.services.cases.get(second).version - 1
    waiting = api.open_case(n=4)["case_no"]  # not yet accepted: 审核 is refused
    r = api.post("reviewer_a", "/api/cases/batch/approve", {
        "cases": [
            {"case_no": first, "reason": "票据齐全"},
            {"case_no": second, "expected_version": stale},
            {"case_no": third},
            {"case_no": waiting},
            {"case_no": "SC-20261123-99999-X"},
        ]
    })  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["done"], body["refused"]) == (2, 3)
    results = {x["case_no"]: x for x in body["results"]}
    assert results[first]["done"] and results[first]["state"] == "reviewed"
    assert results[third]["state_label"] == "审核通过"
    assert results[second]["error"]["code"] == "conflict"
    assert results[waiting]["error"]["status"] == 409
    assert not results["SC-20261123-99999-X"]["done"]
    assert api.services.cases.get(second).state == "accepted"
    history = [e.action for e in api.services.cases.history(first) if not e.refused]
    assert history[-1] == "approve"


def test_a_batch_payment_takes_each_case_s_own_amount(api: Api) -> None:
    cases = [_accepted(api, n) for n in (1, 2)]
    for case_no in cases:
        api.act("reviewer_a", case_no, "approve")
    r = api.post("payer_a", "/api/cases/batch/pay", {
        "cases": [
            {"case_no": cases[0], **PAYMENT},
            {"case_no": cases[1], **{**PAYMENT, "amount": "88.80"}},
        ]
    })  # fmt: skip
    assert r.json()["done"] == 2, r.text
    paid = [api.services.cases.get(c).payment for c in cases]
    assert [p.amount_fen for p in paid if p] == [int(float(PAYMENT["amount"]) * 100 + 0.5), 8880]


def test_a_malformed_batch_is_refused_whole(api: Api) -> None:
    case_no = _accepted(api, 1)
    twice = api.post("reviewer_a", "/api/cases/batch/approve",
                     {"cases": [{"case_no": case_no}, {"case_no": case_no.lower()}]})  # fmt: skip
    assert twice.status_code == 400 and "两次" in twice.json()["error"]["message"]
    other = api.post("reviewer_a", "/api/cases/batch/withdraw", {"cases": [{"case_no": case_no}]})
    assert other.status_code == 400 and "批量操作只支持" in other.json()["error"]["message"]
    empty = api.post("reviewer_a", "/api/cases/batch/approve", {"cases": []})
    assert empty.status_code == 422
    assert api.services.cases.get(case_no).state == "accepted"

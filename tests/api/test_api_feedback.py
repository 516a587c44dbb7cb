"""好差评 through the HTTP API: the applicant rates 办结 badly on the public endpoint, the
office's supervisor verifies it (不属实) and answers through the staff actions, the applicant
reads the answer on the progress query and appeals once; the staff view shows every step."""

from __future__ import annotations

from api_support import Api

RATING, APPEAL, PROGRESS = "/api/public/rating", "/api/public/appeal", "/api/public/progress"


def test_a_bad_rating_is_answered_and_appealed_once(api: Api) -> None:
    opened = api.complete_payment_case()
    case_no, code = opened["case_no"], opened["query_code"]
    keys = {"case_no": case_no, "code": code}
    rated = api.client.post(RATING, json={**keys, "rating": 2, "comment": "等了很久"})
    assert rated.status_code == 201, rated.text
    early = api.client.post(APPEAL, json={**keys, "text": "还没答复就申诉"})
    assert early.status_code == 409 and "没有可申诉" in early.json()["error"]["message"]

    shown = api.get("supervisor_a", f"/api/cases/{case_no}").json()
    (item,) = shown["rectifications"]
    assert (item["next_step"], item["staff"], item["rating_label"]) == (
        "verify_rating",
        "payer_a",
        "不满意",
    )
    assert "verify_rating" in shown["available_actions"]
    wrong = api.act("supervisor_a", case_no, "verify_rating", expect=400, outcome="maybe",
                    reason="x")  # fmt: skip
    assert "差评属实" in wrong["error"]["message"]
    api.act("supervisor_a", case_no, "verify_rating", outcome="invalid",
            reason="系统日志显示当日即已受理，时限内办结")  # fmt: skip
    api.act("supervisor_a", case_no, "answer_rating",
            reason="您的办件在承诺时限内办结，等待系材料审核所需，感谢监督")  # fmt: skip

    progress = api.client.post(PROGRESS, json=keys).json()
    (answer,) = progress["answers"]
    assert answer["answer"].startswith("您的办件在承诺时限内办结")
    assert progress["can_appeal"] is True
    assert "supervisor_a" not in str(progress) and "系统日志" not in str(progress)

    appealed = api.client.post(APPEAL, json={**keys, "text": "材料早已交齐，却一直未审核"})
    assert appealed.status_code == 201, appealed.text
    again = api.client.post(APPEAL, json={**keys, "text": "再申诉"})
    assert again.status_code == 409
    shown = api.get("supervisor_a", f"/api/cases/{case_no}").json()
    steps = [s["step"] for s in shown["rectifications"][0]["steps"]]
    assert steps == ["verify_rating", "answer_rating", "appeal"]
    # The verifier may not review the appeal: someone else of the office must.
    refused = api.act("supervisor_a", case_no, "review_appeal", expect=409, outcome="rejected",
                      reason="维持")  # fmt: skip
    assert "核实人" in refused["error"]["message"]

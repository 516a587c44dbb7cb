"""补发查询码: a clerk reissues a lost query code after checking the applicant's identity
document. The new code works and the old one stops at once; a wrong number is refused and
recorded, the code unchanged; neither the code nor the number is ever stored in the trail.
On SQLite and PostgreSQL (the hash is written with the audit record)."""

from __future__ import annotations

import json
from typing import Any

from api_support import PAYMENT, Api, identity_number

PROGRESS = "/api/public/progress"
REISSUE = "reissue_code"


def _query(api: Api, case_no: str, code: str) -> Any:
    return api.client.post(PROGRESS, json={"case_no": case_no, "code": code})


def _stored(api: Api, case_no: str) -> tuple[str, str]:
    """The stored query hash and everything the audit trail holds of the case, as text."""
    with api.db.engine.connect() as conn:
        query_hash = conn.exec_driver_sql(
            "SELECT query_hash FROM cases WHERE case_no = %s"
            if api.db.engine.dialect.name == "postgresql"
            else "SELECT query_hash FROM cases WHERE case_no = ?",
            (case_no,),
        ).scalar_one()
        rows = conn.exec_driver_sql("SELECT * FROM audit_events").all()
    return str(query_hash), json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False)


def test_the_right_identity_number_reissues_and_the_old_code_stops(api: Api) -> None:
    opened = api.open_case(n=3)
    case_no, old = opened["case_no"], opened["query_code"]
    id_number = identity_number(3)
    api.clock.advance(hours=1)
    typed = f" {id_number[:6]} {id_number[6:].lower()} "  # as typed: spaces, a lower-case x
    done = api.act("clerk_a", case_no, REISSUE, id_number=typed, reason="回执遗失")
    new = done["query_code"]
    assert new != old and len(new) == 12
    assert _query(api, case_no, new).status_code == 200
    assert _query(api, case_no, old).status_code == 404
    assert done["state"] == "submitted" and done["version"] == 2
    last = done["event"]
    assert (last["action"], last["refused"], last["actor"]) == (REISSUE, False, "clerk_a")
    assert last["payload"] == {"id_type_label": "居民身份证"}
    # Shown once: the case as read later carries no code.
    shown = api.get("clerk_a", f"/api/cases/{case_no}").json()
    assert "query_code" not in shown
    _, trail = _stored(api, case_no)
    for secret in (new, old, id_number, id_number[-4:]):
        assert secret not in trail, secret
    assert api.services.cases.verify(case_no) == (2, [])


def test_a_wrong_identity_number_is_refused_recorded_and_changes_nothing(api: Api) -> None:
    opened = api.open_case(n=4)
    case_no, code = opened["case_no"], opened["query_code"]
    before_hash, _ = _stored(api, case_no)
    wrong = identity_number(5)
    r = api.post("clerk_a", f"/api/cases/{case_no}/actions/{REISSUE}", {"id_number": wrong})
    assert r.status_code == 409
    message = r.json()["error"]["message"]
    assert "证件号码与本办件登记的不一致" in message and wrong not in message
    assert "query_code" not in r.text
    after_hash, trail = _stored(api, case_no)
    assert after_hash == before_hash
    assert _query(api, case_no, code).status_code == 200
    history = api.get("clerk_a", f"/api/cases/{case_no}").json()["history"]
    assert [(e["action"], e["refused"]) for e in history] == [("open", False), (REISSUE, True)]
    assert wrong not in trail and identity_number(4) not in trail
    assert api.get("clerk_a", f"/api/cases/{case_no}").json()["version"] == 1


def test_reissue_needs_the_number_and_the_right_role(api: Api) -> None:
    opened = api.open_case(n=6)
    case_no = opened["case_no"]
    empty = api.post("clerk_a", f"/api/cases/{case_no}/actions/{REISSUE}", {})
    assert empty.status_code == 400
    assert "完整证件号码" in empty.json()["error"]["message"]
    reviewer = api.post(
        "reviewer_a", f"/api/cases/{case_no}/actions/{REISSUE}", {"id_number": identity_number(6)}
    )
    assert reviewer.status_code == 403
    by_supervisor = api.act("supervisor_a", case_no, REISSUE, id_number=identity_number(6))
    assert _query(api, case_no, by_supervisor["query_code"]).status_code == 200


def test_an_ended_case_gets_a_new_code_to_read_its_outcome_and_rate(api: Api) -> None:
    opened = api.complete_payment_case(n=7)
    case_no = opened["case_no"]
    done = api.act("clerk_a", case_no, REISSUE, id_number=identity_number(7))
    assert done["state"] == "completed"
    rating = api.client.post(
        "/api/public/rating", json={"case_no": case_no, "code": done["query_code"], "rating": 5}
    )
    assert rating.status_code == 201
    assert PAYMENT["account"] not in json.dumps(done)

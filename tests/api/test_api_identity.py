"""The whole identity number through the API: a supervisor of the case's office gets it for a
stated reason, and the access is recorded; a clerk gets 403, another office's supervisor
404, a missing reason 422; no list or page ever shows it. SQLite and PostgreSQL."""

from __future__ import annotations

from api_support import Api, identity_number

from jingban.storage.identity_access import IdentityAccess


def test_only_the_offices_supervisor_sees_the_whole_number_and_it_is_recorded(api: Api) -> None:
    opened = api.open_case(n=2)
    case_no, whole = opened["case_no"], identity_number(2)
    assert whole not in str(opened) and whole not in api.get("clerk_a", "/api/cases").text
    assert whole not in api.get("supervisor_a", f"/api/cases/{case_no}").text
    path = f"/api/cases/{case_no}/identity"
    assert api.post("clerk_a", path, {"reason": "核对"}).status_code == 403
    assert api.post("supervisor_b", path, {"reason": "核对"}).status_code == 404
    assert api.post("supervisor_a", path, {"purpose": "check"}).status_code == 422
    assert IdentityAccess(api.db).log() == []
    shown = api.post("supervisor_a", path, {"reason": "申请人现场核对", "purpose": "check"})
    assert shown.status_code == 200, shown.text
    assert shown.json() == {"case_no": case_no, "id_type": "resident_id", "id_number": whole}
    (entry,) = IdentityAccess(api.db).log(case_no=case_no)
    assert (entry.actor, entry.role, entry.reason) == (
        "supervisor_a",
        "supervisor",
        "申请人现场核对",
    )

"""The query code's reissue through every store (memory, SQLite, PostgreSQL): the new hash
replaces the old one with the audit record, and never when the action is refused or loses a
race."""

from __future__ import annotations

from typing import Any

import pytest
from storage_support import APPLICANT_ID, OPEN, at

from jingban.engine import ActionParams, query_code_matches
from jingban.errors import Conflict, NotAllowed

CLERK = ("clerk-li", "clerk")


def _hash(store: Any, case_no: str) -> str:
    return str(store.get_with_query_hash(case_no)[1])


def test_reissue_replaces_the_hash_only_when_it_succeeds(store: Any) -> None:
    opened = store.open(
        now=at("2026-02-13 10:00"), region="sichuan", item="inpatient_reimbursement", **OPEN
    )
    case_no, old = opened.case.case_no, opened.query_code
    first = _hash(store, case_no)
    assert query_code_matches(old, first)

    wrong = ActionParams(
        id_number=APPLICANT_ID[:-2] + ("00" if APPLICANT_ID[-2:] != "00" else "11")
    )
    with pytest.raises(NotAllowed, match="证件号码与本办件登记的不一致"):
        store.act(
            case_no,
            "reissue_code",
            actor=CLERK[0],
            role=CLERK[1],
            now=at("2026-02-13 10:05"),
            params=wrong,
        )
    assert _hash(store, case_no) == first
    with pytest.raises(Conflict):  # a stale form: nothing changes
        store.act(
            case_no,
            "reissue_code",
            actor=CLERK[0],
            role=CLERK[1],
            now=at("2026-02-13 10:06"),
            params=ActionParams(id_number=APPLICANT_ID),
            expected_version=7,
        )
    assert _hash(store, case_no) == first

    done = store.act(
        case_no,
        "reissue_code",
        actor=CLERK[0],
        role=CLERK[1],
        now=at("2026-02-13 10:10"),
        params=ActionParams(id_number=APPLICANT_ID.lower()),
    )
    assert done.query_code is not None and done.query_code != old
    now_stored = _hash(store, case_no)
    assert query_code_matches(done.query_code, now_stored)
    assert not query_code_matches(old, now_stored)
    history = store.history(case_no)
    assert [(e.action, e.refused) for e in history] == [
        ("open", False),
        ("reissue_code", True),
        ("reissue_code", False),
    ]
    assert all(APPLICANT_ID not in repr(e.payload) for e in history)
    assert done.query_code not in repr(history)
    assert store.verify(case_no) == (3, [])
    # Any other action leaves the hash alone and carries no code.
    withdrawn = store.act(
        case_no, "withdraw", actor=CLERK[0], role=CLERK[1], now=at("2026-02-13 10:20")
    )
    assert withdrawn.query_code is None
    assert _hash(store, case_no) == now_stored
    # The typed number is in no representation of the parameters.
    assert APPLICANT_ID not in repr(ActionParams(id_number=APPLICANT_ID))

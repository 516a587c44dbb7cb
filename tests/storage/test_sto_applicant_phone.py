"""The applicant's mobile number and opt-out, the same on every case store (memory, SQLite,
PostgreSQL): masked on the case, a bad number refused before anything is stored, the
opt-out and opt-in actions recorded in the chain and kept across reloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jingban.calendar import BEIJING
from jingban.engine.phone import BadMobile
from jingban.errors import NotAllowed

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=BEIJING)


def _open(store: Any, **extra: Any) -> Any:
    return store.open(
        now=NOW,
        region="sichuan",
        item="inpatient_reimbursement",
        applicant_name="张三",
        applicant_id="110101199003074514",
        actor="clerk-li",
        role="clerk",
        all_materials=True,
        **extra,
    )


def test_masked_refused_and_opted_out(store: Any) -> None:
    with pytest.raises(BadMobile):
        _open(store, phone="1381234567")
    opened = _open(store, phone="138-1234-5678")
    case_no = opened.case.case_no
    assert case_no[12:17] == "00001"  # the refused registration took no number
    assert opened.case.phone == "138****5678" and store.get(case_no).phone == "138****5678"
    store.act(case_no, "sms_optout", actor="clerk-li", role="clerk", now=NOW)
    assert store.get(case_no).sms_optout is True
    with pytest.raises(NotAllowed):
        store.act(case_no, "sms_optout", actor="clerk-li", role="clerk", now=NOW)
    store.act(case_no, "sms_optin", actor="clerk-li", role="clerk", now=NOW)
    reloaded = store.get(case_no)
    assert (reloaded.sms_optout, reloaded.phone) == (False, "138****5678")
    assert [e.action for e in store.history(case_no) if not e.refused][-2:] == [
        "sms_optout",
        "sms_optin",
    ]
    without = _open(store, sms_optout=True)
    assert without.case.phone is None and without.case.sms_optout is True

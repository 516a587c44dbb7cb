"""Helpers of the follow-up tests: `Services` on a real database, cases on real items, and
the rows the follow-up run leaves behind."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from support import gb11643

from jingban.engine import ActionParams
from jingban.services import Services
from jingban.storage import Database

CLERK = ("clerk-li", "clerk")
REVIEWER = ("reviewer-wang", "reviewer")
PAYER = ("payer-zhao", "payer")
SUPERVISOR = ("supervisor-chen", "supervisor")
APPLICANT_ID = gb11643("51010719800517123")

# Required materials of sichuan inpatient_reimbursement but the two its office may defer.
INPATIENT_KEPT = ("医保电子凭证或有效身份证件或社保卡", "医院收费票据", "出院记录")
INPATIENT_DEFERRABLE = ("住院费用清单", "参保人银行账户信息")
PAYMENT = {"amount": "3456.70", "account": "6217003123456789", "voucher": "PZ-01"}


@contextlib.contextmanager
def services_on(url: str) -> Iterator[Services]:
    services = Services(Database(url))
    try:
        yield services
    finally:
        services.db.dispose()


def open_case(
    services: Services,
    region: str,
    item: str,
    received: dt.datetime,
    *,
    materials: tuple[str, ...] = (),
    all_materials: bool = True,
    phone: str | None = None,
) -> str:
    opened = services.cases.open(
        now=received,
        region=region,
        item=item,
        applicant_name="张三",
        applicant_id=APPLICANT_ID,
        actor=CLERK[0],
        role=CLERK[1],
        all_materials=all_materials,
        materials=materials,
        received_at=received,
        phone=phone,
    )
    return opened.case.case_no


def act(
    services: Services, case_no: str, action: str, who: tuple[str, str], now: dt.datetime, **p: Any
) -> Any:
    return services.cases.act(
        case_no, action, actor=who[0], role=who[1], now=now, params=ActionParams(**p)
    )


def rows(services: Services, sql: str, **params: Any) -> list[dict[str, Any]]:
    with services.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def recorded(services: Services, case_no: str) -> list[str]:
    """The kinds the follow-up run recorded about a case, in order."""
    return [f.kind for f in services.followups.recorded(case_no)]


def beijing_day(value: dt.datetime | str | None) -> str:
    assert value is not None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    from jingban.calendar import BEIJING

    return value.astimezone(BEIJING).date().isoformat()

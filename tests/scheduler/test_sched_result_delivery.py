"""An ended case whose result is not delivered (送达) in time raises one orange card, on
SQLite and PostgreSQL; the delivery closes it; nothing else does.

Sichuan, 2026 国庆 with 调休上班 Saturday 10-10. A case completed Friday 10-09 10:00 is to
be delivered within 5 working days: 10-10 Sat 调休 = 1, 10-12 = 2, 10-13 = 3, 10-14 = 4,
10-15 = 5 → due Thursday 10-15 at office close, 17:30 (winter timetable).
"""

from __future__ import annotations

import datetime as dt

from sched_support import (
    CLERK,
    REVIEWER,
    act,
    alert_keys,
    at,
    open_case,
    rows,
    scan_at,
    services_on,
)

from jingban.engine.levels import card_level
from jingban.services import Services
from jingban.storage.scan import scan

DUE = at("2026-10-15 17:30")
SECOND = dt.timedelta(seconds=1)
ITEM = "unit_info_change"


def _completed(services: Services, day: str = "2026-10-09") -> str:
    case_no = open_case(services, "sichuan", ITEM, at(f"{day} 09:00"))
    act(services, case_no, "accept", CLERK, at(f"{day} 09:10"))
    act(services, case_no, "approve", REVIEWER, at(f"{day} 09:20"))
    act(services, case_no, "complete", REVIEWER, at(f"{day} 10:00"))
    return case_no


def _delivery_cards(services: Services, *, open_only: bool = True) -> list[tuple[str, str, str]]:
    return [k for k in alert_keys(services, open_only=open_only) if k[2] == "delivery"]


def test_an_undelivered_result_raises_one_card_past_the_make_up_saturday(db_url: str) -> None:
    with services_on(db_url) as services:
        late = _completed(services)
        on_time = _completed(services)
        case = services.cases.get(late)
        assert case.delivery_due == DUE
        act(services, on_time, "deliver", CLERK, at("2026-10-10 10:00"), method="window")
        scan_at(services, DUE - SECOND)
        assert _delivery_cards(services) == []
        assert card_level(services.cases.get(late), DUE - SECOND) == "green"
        raised = scan_at(services, DUE + SECOND)
        assert [(a.case_no, a.level, a.due_kind) for a in raised.alerts] == [
            (late, "orange", "delivery")
        ]
        assert raised.alerts[0].due_at == DUE
        assert card_level(services.cases.get(late), DUE + SECOND) == "orange"
        # Scanned again, in full too: the ended case keeps its card, raised once.
        scan_at(services, DUE + 2 * SECOND)
        scan(services.db, services.calendar, at("2026-10-16 09:00"), full=True)
        assert _delivery_cards(services) == [(late, "orange", "delivery")]
        assert len(_delivery_cards(services, open_only=False)) == 1
        # Delivered by post on Friday 10-16: the next scan closes the card.
        act(
            services,
            late,
            "deliver",
            CLERK,
            at("2026-10-16 10:00"),
            method="post",
            tracking="中国邮政 1187654321098",
        )
        assert services.cases.get(late).delivery_due is None
        scan_at(services, at("2026-10-16 10:01"))
        assert _delivery_cards(services) == []
        closed = rows(services, "SELECT closed_reason FROM alerts WHERE due_kind = 'delivery'")
        assert closed == [{"closed_reason": "delivered"}]
        assert services.cases.verify(late)[1] == []


def test_a_refusal_is_watched_and_a_forecast_sees_it(db_url: str) -> None:
    with services_on(db_url) as services:
        case_no = open_case(services, "sichuan", ITEM, at("2026-10-09 09:00"))
        act(services, case_no, "not_accept", CLERK, at("2026-10-09 10:00"), reason="不属于本机构")
        forecast = scan(services.db, services.calendar, DUE + SECOND, dry_run=True, now=DUE)
        assert [(a.case_no, a.due_kind) for a in forecast.alerts if a.due_kind == "delivery"] == [
            (case_no, "delivery")
        ]
        assert _delivery_cards(services) == []  # a forecast records nothing

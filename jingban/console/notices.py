"""通知书: the written notices an office hands or sends to the applicant, print-ready.

受理通知书, 一次性告知书 (行政许可法 art. 32: every missing material at once), 不予受理通知书
with the reason, 中止通知书 (art. 45: the special procedure and the working days it needs) and
延期通知书 (art. 42). Each is dated with the day of the action it records and signed with the
office's name; the applicant's identity number is masked.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from jingban.console import queries
from jingban.console.views import time_text
from jingban.console.web import ConsoleRoute, UserDep, office_name, render, services_of
from jingban.engine.audit import AuditEvent
from jingban.engine.present import case_summary
from jingban.errors import NotFound

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

NOTICE_ACTIONS = {
    "accept": "accept",
    "supplement": "request_supplement",
    "refuse": "not_accept",
    "suspend": "suspend",
    "extend": "extend",
}
NOTICE_TITLES = {
    "accept": "受理通知书",
    "supplement": "一次性告知书",
    "refuse": "不予受理通知书",
    "suspend": "中止办理通知书",
    "extend": "延期办理通知书",
}
_CODES = {"accept": "受", "supplement": "告", "refuse": "不受", "suspend": "中", "extend": "延"}


def _event(history: list[AuditEvent], action: str, seq: int | None) -> AuditEvent:
    found = [e for e in history if e.action == action and not e.refused]
    if seq is not None:
        found = [e for e in found if e.seq == seq]
    if not found:
        raise NotFound("本办件没有可出具此通知书的操作记录")
    return found[-1]


@router.get("/cases/{case_no}/notices/{kind}")
def notice(
    request: Request,
    user: UserDep,
    case_no: str,
    kind: str,
    seq: Annotated[int | None, Query(ge=1, le=100000)] = None,
) -> Response:
    """A print-ready notice of ``kind`` for the case (the latest such action, or ``seq``)."""
    if kind not in NOTICE_ACTIONS:
        raise NotFound(f"没有这种通知书: {kind}")
    services = services_of(request)
    case = queries.visible_case(services, user, case_no)
    history = services.cases.history(case.case_no)
    event = _event(history, NOTICE_ACTIONS[kind], seq)
    item = services.engine.item_of(case)
    terms = item.terms(case.channel, case.applicant_type)
    payload = event.payload
    details: dict[str, Any] = {}
    if kind == "supplement":
        details["missing"] = list(payload.get("missing") or case.missing)
        policy = services.catalog.region(case.region).supplement_policy
        details["clock"] = (
            "补正期间不计入办理时限，收到全部补正材料后继续计算"
            if policy == "pause"
            else "自收到全部补正材料之日起重新计算办理时限"
        )
    elif kind == "suspend":
        details.update(
            procedure=payload.get("procedure") or "特别程序",
            days=payload.get("expected_working_days"),
            resume=time_text(payload.get("expected_resume")),
        )
    elif kind == "extend":
        moved = (payload.get("dues") or {}).get("statutory")
        details.update(
            days=payload.get("days"),
            statutory_due=time_text(moved[1]) if moved else time_text(case.statutory_due),
        )
    context = {
        "kind": kind,
        "title": NOTICE_TITLES[kind],
        "number": f"{case.case_no}〔{_CODES[kind]}{event.seq}〕",
        "case": case,
        "summary": case_summary(case),
        "event": event,
        "terms": terms,
        "details": details,
        "office_label": office_name(case.region, case.office),
    }
    return render(request, "notice.html", context)

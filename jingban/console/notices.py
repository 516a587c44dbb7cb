"""通知书: the written notices an office hands or sends to the applicant, print-ready.

受理通知书, 一次性告知书 (行政许可法 art. 32: every missing material at once), 不予受理通知书
with the reason, 中止通知书 (art. 45: the special procedure and the working days it needs) and
延期通知书 (art. 42). Each is dated with the day of the action it records and signed with the
office's name; the applicant's identity number is masked.

Which actions print a notice, its title and number code come from the action table
(`jingban.workflows.actions`); each notice's body is its template ``notices/<kind>.html``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from jingban.console.views import time_text
from jingban.console.web import ConsoleRoute, UserDep, office_name, render, services_of
from jingban.engine.audit import AuditEvent
from jingban.engine.present import case_summary
from jingban.errors import NotFound
from jingban.workflows.actions import NOTICES

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

NOTICE_ACTIONS = {kind: spec.key for kind, spec in NOTICES.items()}
"""Notice kind (its URL name) → the action whose record it prints (from the action table)."""
NOTICE_TITLES = {kind: spec.notice.title for kind, spec in NOTICES.items() if spec.notice}


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
    case = services.visible_case(user, case_no)
    history = services.cases.history(case.case_no)
    event = _event(history, NOTICE_ACTIONS[kind], seq)
    item = services.engine.item_of(case)
    spec = NOTICES[kind]
    assert spec.notice is not None
    context = {
        "kind": kind,
        "title": spec.notice.title,
        "number": f"{case.case_no}〔{spec.notice.code}{event.seq}〕",
        "case": case,
        "summary": case_summary(case),
        "event": event,
        "payload": event.payload,
        "terms": item.terms(case.channel, case.applicant_type),
        "policy": services.catalog.region(case.region).supplement_policy,
        "when": time_text,
        "office_label": office_name(case.region, case.office),
    }
    return render(request, "notice.html", context)

"""通知书: the written notices an office hands or sends to the applicant, print-ready.

受理通知书, 一次性告知书 (every missing material at once), 不予受理通知书 with the reason,
中止通知书 (the special procedure and the working days it needs), 延期通知书, 审核不通过 /
不予支付决定书 (the reasons, the rule applied and the applicant's remedies), 恢复办理通知书 and
办结通知书. Each is dated with the day of the action it records, numbered in the office's 文号
style (the number its action took, kept in the audit record, so a reprint shows the same one),
cites its legal basis (`jingban.workflows.legal_basis`: the item's own 设定依据, then the
社会保险经办条例, or the 行政许可法 for a licence), carries the office's contacts and the
经办人's display name, and is signed with the office's name; the applicant's identity number
is masked. docs/notices.md says which notice cites what.

Which actions print a notice, its title and number code come from the action table
(`jingban.workflows.actions`); each notice's body is its template ``notices/<kind>.html``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from jingban.console.contacts import office_contacts
from jingban.console.views import time_text
from jingban.console.web import ConsoleRoute, UserDep, office_name, render, services_of
from jingban.engine.audit import AuditEvent
from jingban.engine.model import Case
from jingban.engine.present import case_summary
from jingban.errors import NotFound
from jingban.services import Services
from jingban.workflows import Item
from jingban.workflows.actions import NOTICE_SOURCES, NOTICES, Notice
from jingban.workflows.legal_basis import legal_basis

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

NOTICE_ACTIONS = NOTICE_SOURCES
"""Notice kind (its URL name) → the actions whose record it prints (from the action table)."""
DECISIONS = frozenset({"refuse", "deny"})
"""Notices of a decision against the applicant: they state the applicant's remedies."""
NOTICE_NO = "notice_no"  # the audit payload key the storage layer writes the number to


def notice_number(case_no: str, notice: Notice, event: AuditEvent) -> str:
    """The number the action gave its notice (文号, from its audit record); a notice issued
    before notices were numbered keeps the number it always printed."""
    stored = event.payload.get(NOTICE_NO)
    if isinstance(stored, str) and stored:
        return stored
    return f"{case_no}〔{notice.code}{event.seq}〕"


def notice_title(notice: Notice, item: Item) -> str:
    """The notice's title for ``item`` (a 拨付 item's denial is a 不予支付决定书)."""
    if notice.paid_title and item.has_stage("拨付"):
        return notice.paid_title
    return notice.title


def printable(case: Case, item: Item, history: list[AuditEvent]) -> list[tuple[str, str]]:
    """(kind, title) of the notices ``case`` can print: one per action it took that issues
    one (the 受理通知书 only once it was accepted), titled for ``item``."""
    done = {e.action for e in history if not e.refused}
    return [
        (kind, notice_title(spec.notice, item))
        for kind, spec in NOTICES.items()
        if spec.notice is not None
        and not done.isdisjoint(NOTICE_SOURCES[kind])
        and not (kind == "accept" and case.accepted_at is None)
    ]


def display_name(services: Services, username: str) -> str:
    """The staff member's display name (the login when the account is gone)."""
    try:
        return services.accounts.user(username).display_name or username
    except NotFound:
        return username


def _event(history: list[AuditEvent], actions: tuple[str, ...], seq: int | None) -> AuditEvent:
    found = [e for e in history if e.action in actions and not e.refused]
    if seq is not None:
        found = [e for e in found if e.seq == seq]
    if not found:
        raise NotFound("本办件没有可出具此通知书的操作记录")
    return found[-1]


def notice_context(
    services: Services, case: Case, item: Item, kind: str, event: AuditEvent
) -> dict[str, object]:
    """What ``notice.html`` prints for the notice ``kind`` of ``case`` from the action
    recorded in ``event`` (everything but the office's contacts, which the page reads)."""
    spec = NOTICES[kind]
    assert spec.notice is not None
    return {
        "kind": kind,
        "title": notice_title(spec.notice, item),
        "number": notice_number(case.case_no, spec.notice, event),
        "basis": legal_basis().for_notice(kind, item, rights=kind in DECISIONS),
        "actor_name": display_name(services, event.actor),
        "paid_item": item.has_stage("拨付"),
        "case": case,
        "summary": case_summary(case),
        "event": event,
        "payload": event.payload,
        "terms": item.terms(case.channel, case.applicant_type),
        "policy": services.catalog.region(case.region).supplement_policy,
        "lapse_rule": services.catalog.region(case.region).supplements.on_lapse,
        "when": time_text,
        "office_label": office_name(case.region, case.office),
        # Either-or materials print with the documents they accept (任选其一).
        "material_labels": {m.name: m.label for m in item.materials},
    }


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
    context = notice_context(services, case, item, kind, event)
    context["contacts"] = office_contacts(request, case)
    return render(request, "notice.html", context)

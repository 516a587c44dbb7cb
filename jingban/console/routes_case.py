"""办件详情: the case page and the actions on it.

The page shows only the actions this user's role may take now. Every action form carries the
version of the case it was shown at; when someone else acted first, the page comes back with
a plain message and the fresh state (409), never an error page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from jingban.console import queries
from jingban.console.notices import NOTICE_ACTIONS, NOTICE_TITLES
from jingban.console.views import (
    LEVEL_NAMES,
    LEVEL_TITLES,
    PAUSED_TEXT,
    card_level,
    chain_view,
    dues,
    payload_lines,
)
from jingban.console.web import (
    RECEIPT_COOKIE,
    ConsoleRoute,
    PostDep,
    UserDep,
    accounts_of,
    beijing,
    now_of,
    office_name,
    render,
    safe_next,
    see_other,
    services_of,
    status_of,
)
from jingban.engine import ActionParams
from jingban.engine.params import SUSPEND_PROCEDURES, missing_required
from jingban.engine.present import case_summary, event_dict
from jingban.engine.roles import ROLE_LABELS
from jingban.errors import BadInput, Conflict, JingbanError
from jingban.storage.accounts import User
from jingban.workflows import ACTION_LABELS, STATE_LABELS

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
DANGER = frozenset({"not_accept", "deny", "withdraw"})
# The way back to the chain from an off-path state: the primary action there.
RETURNS = {"suspended": "resume", "supplement_requested": "supplement"}
ACTION_LABELS_ALL = {**ACTION_LABELS, "reassign": "改派"}


def _actions(request: Request, user: User, case: Any, compiled: Any) -> list[dict[str, Any]]:
    """The action forms this user may use now, the next step of the chain first."""
    services = services_of(request)
    item = services.engine.item_of(case)
    available = services.engine.available_actions(case, user.role)
    following = compiled.next_action(case.state) or RETURNS.get(case.state)
    forms = []
    for action in available:
        form: dict[str, Any] = {
            "action": action,
            "label": ACTION_LABELS_ALL.get(action, action),
            "kind": "primary" if action == following else "danger" if action in DANGER else "",
        }
        if action == "accept":
            form["missing"] = missing_required(item, case.materials, case.applicant_type)
        elif action == "request_supplement":
            form["missing"] = missing_required(item, case.materials, case.applicant_type)
            form["conditional"] = [
                m
                for m in item.conditional_materials(case.applicant_type)
                if m.name not in case.materials
            ]
        elif action == "supplement":
            form["missing"] = list(case.missing)
        elif action == "suspend":
            form["procedures"] = SUSPEND_PROCEDURES
        elif action == "reassign":
            form["staff"] = [
                (u.username, f"{u.display_name} ({ROLE_LABELS[u.role]})")
                for u in queries.staff_for(services, accounts_of(request).users(), case)
                if u.username != case.assignee
            ]
        forms.append(form)
    forms.sort(key=lambda f: (f["kind"] != "primary", f["kind"] == "danger"))
    return forms


def case_page(
    request: Request,
    user: User,
    case_no: str,
    *,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """Render the case page (fresh from the database) with an optional error message."""
    services, now = services_of(request), now_of(request)
    case = queries.visible_case(services, user, case_no)
    history = services.cases.history(case.case_no)
    compiled = services.engine.compiled_of(case)
    cal = services.calendar(case.region)
    events = []
    for event in reversed(history):
        shown = event_dict(event)
        shown["lines"] = payload_lines(event)
        shown["role_label"] = ROLE_LABELS.get(event.role, "系统")
        events.append(shown)
    done = {e.action for e in history if not e.refused}
    notices = [
        (kind, NOTICE_TITLES[kind])
        for kind, action in NOTICE_ACTIONS.items()
        if action in done and not (kind == "accept" and case.accepted_at is None)
    ]
    level = card_level(case, now)
    context = {
        "case": case,
        "summary": case_summary(case),
        "level": level,
        "level_name": LEVEL_NAMES[level],
        "level_title": LEVEL_TITLES[level],
        "paused_text": PAUSED_TEXT.get(case.state, ""),
        "dues": dues(case, cal, now) if not case.is_terminal else [],
        "chain": chain_view(compiled, case, history),
        "mermaid": compiled.mermaid(current=case.state),
        "events": events,
        "actions": _actions(request, user, case, compiled),
        "notices": notices,
        "office_label": office_name(case.region, case.office),
        "form": form or {},
        "state_labels": STATE_LABELS,
    }
    return render(request, "case.html", context, status=status, active="work", error=error)


@router.get("/find")
def find(
    request: Request, user: UserDep, no: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    """Go to a case by its number (as typed from a receipt: any case, spaces ignored)."""
    case = queries.visible_case(services_of(request), user, no.replace(" ", ""))
    return RedirectResponse(f"/cases/{case.case_no}", status_code=303)


@router.get("/cases/{case_no}")
def show_case(request: Request, user: UserDep, case_no: str) -> Response:
    """The case: timeline, dues, chain diagram and the actions this user may take now."""
    return case_page(request, user, case_no)


@router.post("/cases/{case_no}/act")
def act(request: Request, post: PostDep, case_no: str) -> Response:
    """Take one action; on success back to the case (or ``next``), on a user error the
    case page again with the message and the fresh state."""
    user = post.user
    services, now = services_of(request), now_of(request)
    case = queries.visible_case(services, user, case_no)
    action = post.text("action")
    label = ACTION_LABELS_ALL.get(action, action)
    try:
        version = post.number("expected_version", "版本")
        if action == "reassign":
            staff = queries.staff_for(services, accounts_of(request).users(), case)
            allowed = {u.username for u in staff}
            if post.text("assignee") and post.text("assignee") not in allowed:
                raise BadInput(f"{post.text('assignee')} 不是本机构的在岗人员")
        params = ActionParams(
            reason=post.text("reason") or None,
            missing=tuple(post.values("missing")),
            materials=tuple(post.values("materials")),
            amount=post.text("amount") or None,
            account=post.text("account") or None,
            voucher=post.text("voucher") or None,
            days=post.number("days", "工作日数"),
            procedure=post.text("procedure") or None,
            assignee=post.text("assignee") or None,
        )
        services.cases.act(
            case.case_no,
            action,
            actor=user.username,
            role=user.role,
            now=now,
            params=params,
            expected_version=version,
        )
    except Conflict as exc:
        latest = services.cases.history(case.case_no)[-1]
        who = f"{latest.actor} 于 {beijing(latest.at)}"
        message = (
            f"「{label}」未执行: {exc.message}。最近一次操作是 {who} 的"
            f"「{ACTION_LABELS_ALL.get(latest.action, '登记')}」。下面是最新状态，请核对后再操作。"
        )
        return case_page(request, user, case.case_no, status=409, error=message)
    except JingbanError as exc:
        fields = {k: post.text(k) for k in ("reason", "amount", "account", "voucher", "days")}
        fields["action"] = action
        return case_page(
            request,
            user,
            case.case_no,
            status=status_of(exc),
            error=f"「{label}」未执行: {exc.message}",
            form=fields,
        )
    target = safe_next(post.text("next"), f"/cases/{case.case_no}")
    return see_other(target, f"{case.case_no}: 已{label}")


@router.get("/cases/{case_no}/receipt")
def receipt(request: Request, user: UserDep, case_no: str) -> Response:
    """The printable receipt: case number, the query code (only right after registering) and
    how the applicant follows the case."""
    services = services_of(request)
    case = queries.visible_case(services, user, case_no)
    code = None
    stored = unquote(request.cookies.get(RECEIPT_COOKIE, ""))
    if stored.startswith(case.case_no + ":"):
        code = stored.split(":", 1)[1]
    history = services.cases.history(case.case_no)
    done = {e.action for e in history if not e.refused}
    notices = [(k, NOTICE_TITLES[k]) for k, a in NOTICE_ACTIONS.items() if a in done]
    context = {
        "case": case,
        "summary": case_summary(case),
        "code": code,
        "notices": notices,
        "office_label": office_name(case.region, case.office),
        "progress_url": str(request.base_url).rstrip("/") + "/progress",
    }
    return render(request, "receipt.html", context, active="register")

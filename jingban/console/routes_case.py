"""办件详情: the case page and the actions on it.

The page shows only the actions this user's role may take now. Every action form carries the
version of the case it was shown at; when someone else acted first, the page comes back with
a plain message and the fresh state (409), never an error page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote, urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from jingban.console import queries
from jingban.console.notices import printable
from jingban.console.public_link import public_link
from jingban.console.routes_files import files_view
from jingban.console.views import (
    LEVEL_NAMES,
    LEVEL_TITLES,
    PAUSED_TEXT,
    card_level,
    chain_view,
    clock_view,
    dues,
    payload_lines,
)
from jingban.console.web import (
    RECEIPT_COOKIE,
    ConsoleRoute,
    PostDep,
    Posted,
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
    to_receipt,
)
from jingban.engine import ActionParams, Case, masked_numbers
from jingban.engine.case_number import BadCaseNumber, normalise_case_number
from jingban.engine.identity import mask_account
from jingban.engine.params import SUSPEND_PROCEDURES, missing_required
from jingban.engine.present import case_summary, event_dict
from jingban.engine.roles import ROLE_LABELS
from jingban.errors import BadInput, Conflict, JingbanError
from jingban.storage.accounts import User
from jingban.workflows import STATE_LABELS, CompiledItem, Item
from jingban.workflows.actions import (
    ACTION_DEFS,
    ACTIONS,
    CLOCK_EFFECTS,
    EVENT_LABELS,
    ActionDef,
    Param,
)
from jingban.workflows.vocabulary import DELIVERY_METHODS, MESSAGE_STATUS_LABELS

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
# Parameter kinds a form sends as several values (checkboxes).
_LIST_KINDS = frozenset({"materials_received", "materials_missing", "materials_supplied"})
# Parameter kinds a refused form does not fill in again (the identity number typed to reissue
# a query code is compared once and kept nowhere, not even in the page; a payee account is
# typed again, its last 4 digits shown beside the empty field).
_NEVER_SHOWN_AGAIN = frozenset({"id_number", "account"})


def _field(
    param: Param, request: Request, user: User, case: Case, item: Item, action: str
) -> dict[str, Any]:
    """One form field of ``action``, with what its kind needs to be drawn: the materials to
    tick, the procedures, the staff one may reassign to or send a supervision order to."""
    field: dict[str, Any] = {
        "name": param.name,
        "kind": param.kind,
        "label": param.label,
        "required": param.required,
        "maximum": param.maximum,
        "default": param.default or "",
    }
    if param.kind in ("materials_received", "materials_missing"):
        acting = case.agent is not None
        field["missing"] = missing_required(item, case.materials, case.applicant_type, agent=acting)
        # Either-or materials: the documents each missing one accepts in its place.
        field["alternatives"] = {m.name: m.alternatives for m in item.materials}
    if param.kind == "materials_missing":
        field["conditional"] = [
            m
            for m in item.conditional_materials(case.applicant_type, agent=case.agent is not None)
            if m.name not in case.materials
        ]
    elif param.kind == "materials_supplied":
        field["missing"] = list(case.missing)
    elif param.kind == "procedure":
        field["choices"] = SUSPEND_PROCEDURES
    elif param.kind == "outcome":
        field["choices"] = list(param.choices)
    elif param.kind == "delivery_method":
        field["choices"] = list(DELIVERY_METHODS.items())
    elif param.kind == "assignee":
        services = services_of(request)
        named = queries.named_for(
            services, accounts_of(request).users(), case, action, user.username
        )
        field["choices"] = [
            (u.username, f"{u.display_name} ({ROLE_LABELS[u.role]})")
            for u in named
            if action == "supervise" or u.username != case.assignee
        ]
    return field


def _actions(
    request: Request, user: User, case: Case, compiled: CompiledItem
) -> list[dict[str, Any]]:
    """The action forms this user may use now, the next step of the chain first, each with
    the fields its declaration (`jingban.workflows.actions`) names."""
    services = services_of(request)
    item = services.engine.item_of(case)
    available = services.engine.available_actions(case, user.role)
    following = compiled.next_action(case.state) or next(
        (a.key for a in ACTION_DEFS if a.returns_from == case.state), None
    )
    forms = []
    for action in available:
        spec = ACTIONS[action]
        forms.append(
            {
                "action": action,
                "label": spec.label,
                "kind": "primary" if action == following else "danger" if spec.danger else "",
                "clock": CLOCK_EFFECTS[spec.clock] if spec.clock != "none" else "",
                "fields": [_field(p, request, user, case, item, action) for p in spec.params],
            }
        )
    forms.sort(key=lambda f: (f["kind"] != "primary", f["kind"] == "danger"))
    return forms


def _params(post: Posted, spec: ActionDef) -> ActionParams:
    """The action's parameters as the form sent them (`ActionParams.of`)."""
    values: dict[str, Any] = {}
    for param in spec.params:
        if param.kind in _LIST_KINDS:
            values[param.name] = post.values(param.name)
        elif param.kind == "days":
            values[param.name] = post.number(param.name, param.label)
        else:
            values[param.name] = post.text(param.name) or None
    return ActionParams.of(values)


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
    case = services.visible_case(user, case_no)
    history = services.cases.history(case.case_no)
    compiled = services.engine.compiled_of(case)
    cal = services.calendar(case.region, case.office)
    events = []
    for event in reversed(history):
        shown = event_dict(event)
        shown["lines"] = payload_lines(event)
        shown["role_label"] = ROLE_LABELS.get(event.role, "系统")
        events.append(shown)
    notices = printable(case, services.engine.item_of(case), history)
    level = card_level(case, now)
    context = {
        "case": case,
        "summary": case_summary(case),
        "level": level,
        "level_name": LEVEL_NAMES[level],
        "level_title": LEVEL_TITLES[level],
        "paused_text": PAUSED_TEXT.get(case.state, ""),
        "dues": dues(case, cal, now) if not case.is_terminal else [],
        "clock": clock_view(case, cal, now),
        "chain": chain_view(compiled, case, history),
        "mermaid": compiled.mermaid(current=case.state),
        "events": events,
        "actions": _actions(request, user, case, compiled),
        "notices": notices,
        "office_label": office_name(case.region, case.office),
        "form": form or {},
        "state_labels": STATE_LABELS,
        "attachments": files_view(services, user, case),
        "role_labels": ROLE_LABELS,
        "messages": services.applicant_messages.messages(case.case_no),
        "message_status_labels": MESSAGE_STATUS_LABELS,
    }
    return render(request, "case.html", context, status=status, active="work", error=error)


@router.get("/find")
def find(
    request: Request, user: UserDep, no: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    """Go to a case by its number (as typed from a receipt: any case, spaces ignored); any
    other text (part of a name, a whole identity number, part of a number) is searched."""
    try:
        case_no = normalise_case_number(no.replace(" ", ""))
    except BadCaseNumber:
        return RedirectResponse(f"/search?{urlencode({'q': no.strip()})}", status_code=303)
    case = services_of(request).visible_case(user, case_no)
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
    case = services.visible_case(user, case_no)
    action = post.text("action")
    spec = ACTIONS.get(action)
    label = spec.label if spec is not None else action
    try:
        version = post.number("expected_version", "版本")
        if spec is None or not spec.takeable:
            raise BadInput(f"未知操作 {action!r}")
        for param in spec.params:
            chosen = post.text(param.name)
            if param.kind == "assignee" and chosen:
                users = accounts_of(request).users()
                staff = queries.named_for(services, users, case, action, user.username)
                if chosen not in {u.username for u in staff}:
                    raise BadInput(
                        f"{chosen} 不是本机构的在岗人员"
                        if action == "supervise"
                        else f"{chosen} 不是本机构能办理此办件下一步的在岗人员"
                    )
        params = _params(post, spec)
        result = services.cases.act(
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
            f"「{EVENT_LABELS.get(latest.action, latest.action)}」。"
            "下面是最新状态，请核对后再操作。"
        )
        return case_page(request, user, case.case_no, status=409, error=message)
    except JingbanError as exc:
        fields = _refilled(post, spec)
        fields["action"] = action
        return case_page(
            request,
            user,
            case.case_no,
            status=status_of(exc),
            error=f"「{label}」未执行: {exc.message}",
            form=fields,
        )
    if result.query_code is not None:
        # The reprinted receipt shows the new code once (the cookie lives on that page only).
        return to_receipt(
            request, case.case_no, result.query_code, f"{case.case_no}: 已{label}，原查询码已作废"
        )
    target = safe_next(post.text("next"), f"/cases/{case.case_no}")
    return see_other(target, f"{case.case_no}: 已{label}")


def _refilled(post: Posted, spec: ActionDef | None) -> dict[str, str]:
    """What a refused form shows again of what was typed: free text with any full identity
    or account number masked (`masked_numbers`), an account only as its last 4 digits
    (``<name>_masked``, beside an empty field), never an identity number."""
    fields: dict[str, str] = {}
    for p in spec.params if spec is not None else ():
        typed = post.text(p.name)
        if p.kind == "account":
            digits = "".join(c for c in typed if c.isdigit())
            fields[p.name] = ""
            fields[f"{p.name}_masked"] = mask_account(digits) if len(digits) >= 4 else ""
        elif p.kind not in _LIST_KINDS and p.kind not in _NEVER_SHOWN_AGAIN:
            fields[p.name] = masked_numbers(typed)
    return fields


@router.get("/cases/{case_no}/receipt")
def receipt(request: Request, user: UserDep, case_no: str) -> Response:
    """The printable receipt: case number, the query code (only right after registering) and
    how the applicant follows the case."""
    services = services_of(request)
    case = services.visible_case(user, case_no)
    code = None
    stored = unquote(request.cookies.get(RECEIPT_COOKIE, ""))
    if stored.startswith(case.case_no + ":"):
        code = stored.split(":", 1)[1]
    history = services.cases.history(case.case_no)
    notices = printable(case, services.engine.item_of(case), history)
    context = {
        "case": case,
        "summary": case_summary(case),
        "code": code,
        "notices": notices,
        "office_label": office_name(case.region, case.office),
        "link": public_link(request, case.case_no),
    }
    return render(request, "receipt.html", context, active="register")

"""工作台 (the work queue) and 新建办件 (registering an application at the counter)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from jingban.console import listing, queries
from jingban.console.routes_batch import CONSOLE_BATCH, batchable
from jingban.console.views import LEVEL_NAMES, LEVEL_ORDER, LEVEL_TITLES, queue_row
from jingban.console.web import (
    ConsoleRoute,
    PostDep,
    UserDep,
    now_of,
    render,
    require_role,
    services_of,
    to_receipt,
)
from jingban.engine import ActionParams
from jingban.engine.identity import ID_TYPES, UNIT_ID_TYPE, mask_identity
from jingban.engine.params import missing_required, resolve_materials
from jingban.engine.parties import PARTY_FIELDS, party_values
from jingban.errors import BadInput, JingbanError
from jingban.services import Services
from jingban.storage.accounts import User
from jingban.storage.case_search import CaseFilter
from jingban.storage.search_text import typed
from jingban.workflows import STATE_LABELS, Item
from jingban.workflows.actions import ACTIONS
from jingban.workflows.applicants import APPLICANT_KINDS
from jingban.workflows.channels import case_channels
from jingban.workflows.office_info import office_info
from jingban.workflows.vocabulary import CHANNEL_LABELS, CHANNEL_SCOPES

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Text = Annotated[str | None, Query(max_length=100)]
DECISIONS = {"accept": "受理", "supplement": "一次性告知", "refuse": "不予受理"}


def queue_filters(user: User, scope: str | None, *fields: str | None) -> dict[str, str]:
    """The work queue's form as given (``fields``: state, item, level, assignee, received
    from and to, search text): its scope is 我的待办 unless ``all`` is asked (a supervisor's
    default)."""
    if scope not in ("mine", "all"):
        scope = "all" if user.role == "supervisor" else "mine"
    names = ("state", "item", "level", "assignee", "received_from", "received_to", "q")
    return {"scope": scope, **{n: v or "" for n, v in zip(names, fields, strict=True)}}


def queue_filter(
    services: Services, user: User, filters: dict[str, str]
) -> tuple[CaseFilter, CaseFilter]:
    """The work queue's scope (the user's open cases, or the ones waiting for them) and that
    scope narrowed by the queue's ``filters`` (the form's fields). Raises `BadInput`."""
    base = queries.visible(
        user,
        open_only=True,
        waiting=queries.mine(services, user) if filters["scope"] == "mine" else None,
    )
    state = filters["state"]
    narrowed = typed(filters["q"]).narrow(
        dataclasses.replace(
            base,
            states=(state,) if state else (),
            item=filters["item"] or None,
            card=filters["level"] or None,
            assignee=filters["assignee"] or None,
            received_from=listing.day(filters["received_from"], "收件日期自"),
            received_to=listing.day(filters["received_to"], "收件日期至"),
        )
    )
    return base, narrowed


@router.get("/work")
def work_queue(
    request: Request,
    user: UserDep,
    scope: Text = None,
    state: Text = None,
    item: Text = None,
    level: Text = None,
    assignee: Text = None,
    received_from: Text = None,
    received_to: Text = None,
    q: Text = None,
    page: Text = None,
    page_size: Text = None,
    sort: Text = None,
) -> Response:
    """The user's open cases, most urgent first, one page at a time with the total, filtered
    by state, item, card colour, assignee, received dates and search text (name, identity
    number, case number); the chips count every case of the scope, in SQL."""
    require_role(user, "clerk", "reviewer", "payer", "supervisor")
    services, now = services_of(request), now_of(request)
    filters = queue_filters(
        user, scope, state, item, level, assignee, received_from, received_to, q
    )
    scope = filters["scope"]
    try:
        chosen = listing.page_of({"page": page, "page_size": page_size, "sort": sort})
        base, narrowed = queue_filter(services, user, filters)
        found = services.cases.search(narrowed, chosen, now=now)
        counts = services.cases.counts(dataclasses.replace(narrowed, card=None), now=now)
        scope_counts = services.cases.counts(base, now=now)
        error = None
    except BadInput as exc:
        chosen = listing.page_of({})
        found, counts, scope_counts, error = None, None, None, exc.message
    names = listing.item_names(services)
    rows = (
        []
        if found is None
        else [queue_row(c, services.calendar(c.region, c.office), now) for c in found.cases]
    )
    for row, case in zip(rows, found.cases if found else [], strict=True):
        row["batch"] = batchable(services, case, user.role)
        row["version"] = case.version
    by_item = scope_counts.by_item if scope_counts else {}
    by_state = scope_counts.by_state if scope_counts else {}
    context = {
        "rows": rows,
        "total": found.total if found else 0,
        "counts": counts.by_card if counts else dict.fromkeys(LEVEL_ORDER, 0),
        "scope": scope,
        "filters": filters,
        "filtered": any(v for k, v in filters.items() if k != "scope"),
        "paging": listing.pager("/work", filters, chosen, found.total if found else 0),
        "items": sorted(((k, names.get(k, k)) for k in by_item), key=lambda i: i[1]),
        "states": [(s, STATE_LABELS[s]) for s in STATE_LABELS if s in by_state],
        "levels": [(lvl, LEVEL_NAMES[lvl], LEVEL_TITLES[lvl]) for lvl in LEVEL_ORDER],
        "level_names": LEVEL_NAMES,
        "level_titles": LEVEL_TITLES,
        "batch_actions": [
            (a, ACTIONS[a].label) for a in CONSOLE_BATCH if any(a in r["batch"] for r in rows)
        ],
    }
    status = 200 if error is None else 400
    return render(request, "work.html", context, active="work", status=status, error=error)


@router.get("/search")
def search(
    request: Request,
    user: UserDep,
    q: Text = None,
    page: Text = None,
    page_size: Text = None,
    sort: Text = None,
) -> Response:
    """Cases found by typed text — part of the applicant's name, a whole identity number,
    part of a case number — among every case the user may see (ended ones too), newest
    first, one page at a time; names and numbers masked as in the queue."""
    require_role(user, "clerk", "reviewer", "payer", "supervisor")
    services, now = services_of(request), now_of(request)
    text = (q or "").strip()
    filters = {"q": text}
    chosen = listing.page_of({"page": page, "page_size": page_size, "sort": sort}, "-registered")
    found, error = None, None
    if text:
        try:
            found = services.cases.search(
                typed(text).narrow(queries.visible(user)), chosen, now=now
            )
        except BadInput as exc:
            error = exc.message
    rows = (
        []
        if found is None
        else [queue_row(c, services.calendar(c.region, c.office), now) for c in found.cases]
    )
    context = {
        "query": mask_identity(text) if typed(text).id_number else text,
        "refill": "" if typed(text).id_number else text,
        "rows": rows,
        "total": found.total if found else 0,
        "paging": listing.pager("/search", filters, chosen, found.total if found else 0),
        "level_names": LEVEL_NAMES,
        "level_titles": LEVEL_TITLES,
    }
    status = 200 if error is None else 400
    return render(request, "search.html", context, active="work", status=status, error=error)


def _region(user: User, wanted: str | None) -> str:
    return user.region or wanted or "sichuan"


def _form_context(
    request: Request, user: User, item: Item, applicant_type: str | None, values: dict[str, Any]
) -> dict[str, Any]:
    kind = applicant_type or item.default_applicant_type
    channels = case_channels(item)
    terms = item.terms(values.get("channel") or channels[0], kind)
    acting = bool(values.get("agent_name") or values.get("agent_id"))
    required = item.required_materials(kind, agent=acting)
    conditional = item.conditional_materials(kind, agent=acting)
    listed = {m.name for m in (*required, *conditional)}
    optional = [
        m
        for m in item.materials
        if m.name not in listed and m.applicant_type in (None, kind) and not m.required
    ]
    return {
        "item": item,
        "terms": terms,
        "applicant_type": kind,
        "required": required,
        "conditional": conditional,
        "optional": optional,
        "id_types": [(k, t.label) for k, t in ID_TYPES.items() if k != UNIT_ID_TYPE],
        "applicant_kinds": APPLICANT_KINDS,
        "channels": channels,
        "channel_labels": CHANNEL_LABELS,
        "channel_scopes": {c: CHANNEL_SCOPES[s] for c, s in item.channel_scopes.items()},
        "shown_contacts": office_info(item.region, user.office, item),
        "values": values,
        "checked": set(values.get("materials", [])),
        "flagged": set(values.get("needed", [])),
    }


@router.get("/register")
def register_page(
    request: Request,
    user: UserDep,
    q: Text = None,
    item: Text = None,
    applicant_type: Text = None,
    region: Text = None,
) -> Response:
    """Choose the item (search by name), then the applicant and the materials checklist."""
    require_role(user, "clerk", "supervisor")
    services = services_of(request)
    key = _region(user, region)
    catalog = services.catalog.region(key)
    if not item:
        words = (q or "").strip()
        found = [
            i for i in catalog.items if not words or words in i.name or words in (i.group or "")
        ]
        context = {"query": words, "found": found, "region": catalog}
        return render(request, "register_pick.html", context, active="register")
    chosen = services.catalog.item(key, item)
    context = _form_context(request, user, chosen, applicant_type, {})
    context["region"] = catalog
    return render(request, "register.html", context, active="register")


@router.post("/register")
def register(request: Request, post: PostDep) -> Response:
    """Register the application and take the counter's decision: accept, the one-time notice
    of everything missing, or refusal with a reason. Nothing is stored when the decision
    cannot be taken (materials missing for acceptance, no reason for refusal)."""
    user = post.user
    require_role(user, "clerk", "supervisor")
    services, now = services_of(request), now_of(request)
    key = _region(user, post.text("region"))
    chosen = services.catalog.item(key, post.text("item"))
    kind = post.text("applicant_type") or chosen.default_applicant_type
    values: dict[str, Any] = {
        "applicant_name": post.text("applicant_name"),
        "applicant_id": post.text("applicant_id"),
        "id_type": post.text("id_type") or "resident_id",
        "channel": post.text("channel") or case_channels(chosen)[0],
        "cross_province": post.text("cross_province") == "1",
        "materials": post.values("materials"),
        "needed": post.values("needed"),
        "reason": post.text("reason"),
        **party_values(post.text),
        "phone": post.text("phone"),
        "sms_optout": post.text("sms_optout") == "1",
    }
    decision = post.text("decision") or "accept"
    try:
        if decision not in DECISIONS:
            raise BadInput(f"未知的受理决定 {decision!r}")
        checked = resolve_materials(chosen, tuple(values["materials"]), kind)
        flagged = resolve_materials(chosen, tuple(values["needed"]), kind)
        acting = bool(values["agent_name"] or values["agent_id"])
        missing = missing_required(chosen, checked, kind, agent=acting)
        missing += [m for m in flagged if m not in checked and m not in missing]
        if decision == "accept" and missing:
            raise BadInput(
                "材料不齐，不能受理。缺少: " + "；".join(missing) + "。请出具一次性告知书。"
            )
        if decision == "supplement" and not missing:
            raise BadInput("材料已齐，无需一次性告知，请直接受理")
        if decision == "refuse" and not values["reason"]:
            raise BadInput("不予受理必须填写理由")
        opened = services.cases.open(
            now=now,
            region=key,
            item=chosen.key,
            applicant_name=values["applicant_name"],
            applicant_id=values["applicant_id"],
            applicant_id_type=values["id_type"],
            applicant_type=kind,
            channel=values["channel"],
            materials=checked,
            actor=user.username,
            role=user.role,
            office=user.office,
            **{k: values[k] for k in PARTY_FIELDS},
            cross_province=values["cross_province"],
            phone=values["phone"] or None,
            sms_optout=values["sms_optout"],
        )
    except JingbanError as exc:
        context = _form_context(request, user, chosen, kind, values)
        context["region"] = services.catalog.region(key)
        return render(
            request, "register.html", context, status=400, active="register", error=exc.message
        )
    case_no = opened.case.case_no
    action, params = {
        "accept": ("accept", ActionParams(reason=values["reason"] or None)),
        "supplement": (
            "request_supplement",
            ActionParams(missing=tuple(missing), reason=values["reason"] or None),
        ),
        "refuse": ("not_accept", ActionParams(reason=values["reason"])),
    }[decision]
    try:
        services.cases.act(
            case_no, action, actor=user.username, role=user.role, now=now, params=params
        )
        message = f"已登记 {case_no} 并{DECISIONS[decision]}"
    except JingbanError as exc:
        message = f"已登记 {case_no}，但「{DECISIONS[decision]}」未完成: {exc.message}"
    return to_receipt(request, case_no, opened.query_code, message)

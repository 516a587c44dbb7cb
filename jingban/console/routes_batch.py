"""批量审核 / 批量办结 from the work queue: the cases ticked are acted on one by one (each its
own transaction and audit record, `jingban.batch.act_each`), and the page that follows lists
each case's result — done, or refused and why. Actions that need a value per case (拨付: the
amount, account and voucher) are batched through the API instead."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from jingban.batch import Item as BatchItem
from jingban.batch import act_each
from jingban.console.web import (
    ConsoleRoute,
    PostDep,
    now_of,
    render,
    require_role,
    services_of,
)
from jingban.engine import ActionParams, Case
from jingban.errors import BadInput
from jingban.services import Services
from jingban.workflows.actions import ACTIONS

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
CONSOLE_BATCH = ("approve", "complete")
"""The batch actions the work queue offers: those with no value to give per case."""


def batchable(services: Services, case: Case, role: str) -> list[str]:
    """The batch actions ``role`` may take on ``case`` now, from the queue."""
    offered = services.engine.available_actions(case, role)
    return [a for a in CONSOLE_BATCH if a in offered]


def _items(values: list[str]) -> list[BatchItem]:
    """The ticked boxes, each ``CASE_NO:VERSION``, as batch items."""
    items = []
    for raw in values:
        number, _, version = raw.partition(":")
        if not number or not version.isdigit():
            raise BadInput(f"无法识别的办件选择: {raw[:40]!r}")
        items.append(BatchItem(number, int(version), ActionParams()))
    return items


@router.post("/work/batch")
def batch(request: Request, post: PostDep) -> Response:
    """Take the chosen action on every case ticked and show each one's result."""
    require_role(post.user, "reviewer", "payer", "clerk", "supervisor")
    action = post.text("action")
    if action not in CONSOLE_BATCH:
        raise BadInput("工作台只能批量审核通过或批量办结；批量拨付请用接口 (每件须填写金额)")
    outcomes = act_each(
        services_of(request), post.user, action, _items(post.values("cases")), now=now_of(request)
    )
    context: dict[str, Any] = {
        "action_label": ACTIONS[action].label,
        "results": [o.as_dict() for o in outcomes],
        "done": sum(o.done for o in outcomes),
    }
    return render(request, "batch_result.html", context, active="work")

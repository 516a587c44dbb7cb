"""批量审核 / 批量拨付: one action taken on several cases in one go, each case still its own
transaction and audit record, with one result per case (done, or refused and why).

A case that is refused (not visible to the person, changed meanwhile, not in a state the
action allows, a payment refused) does not stop the others; every refusal is the typed error
the single action gives, with its HTTP status and exit code, and the stored case unchanged.
The front ends (API, console, CLI) share `act_each`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from jingban.engine import ActionParams
from jingban.errors import BadInput, JingbanError, http_status
from jingban.services import Services
from jingban.storage.accounts import User
from jingban.workflows import STATE_LABELS
from jingban.workflows.actions import ACTIONS

MAX_CASES = 200
"""The most cases one batch may name."""
BATCH_ACTIONS = ("approve", "pay", "complete")
"""The actions taken in batches: 审核通过, 拨付, 办结."""


@dataclass(frozen=True, slots=True)
class Item:
    """One case of a batch: its number, the version the person saw (optional) and the
    action's parameters for it (a payment's amount, account and voucher)."""

    case_no: str
    expected_version: int | None = None
    params: ActionParams = field(default_factory=ActionParams)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One case's result: done (with the state it reached) or refused (the error)."""

    case_no: str
    done: bool
    state: str | None = None
    code: str | None = None
    message: str | None = None
    status: int | None = None
    exit_code: int | None = None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"case_no": self.case_no, "done": self.done}
        if self.done:
            found.update(state=self.state, state_label=STATE_LABELS.get(self.state or "", ""))
        else:
            found["error"] = {"code": self.code, "message": self.message, "status": self.status}
        return found


def act_each(
    services: Services, user: User, action: str, items: Sequence[Item], *, now: dt.datetime
) -> list[Outcome]:
    """Take ``action`` on each case of ``items`` as ``user``, one transaction each, in the
    order given. Raises `BadInput` for an action not taken in batches, no case, too many
    cases or a case named twice; otherwise returns one `Outcome` per case."""
    if action not in BATCH_ACTIONS:
        shown = "、".join(f"{a} ({ACTIONS[a].label})" for a in BATCH_ACTIONS)
        raise BadInput(f"批量操作只支持: {shown}")
    if not items:
        raise BadInput("请选择至少一件办件")
    if len(items) > MAX_CASES:
        raise BadInput(f"一次最多批量处理 {MAX_CASES} 件，本次 {len(items)} 件")
    numbers = [i.case_no.strip().upper().replace("-", "") for i in items]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    if twice:
        raise BadInput(f"同一办件不能在一批中出现两次: {'、'.join(twice)}")
    outcomes = []
    for item in items:
        try:
            case = services.visible_case(user, item.case_no)
            result = services.cases.act(
                case.case_no,
                action,
                actor=user.username,
                role=user.role,
                now=now,
                params=item.params,
                expected_version=item.expected_version,
            )
        except JingbanError as exc:
            status, code = http_status(exc)
            outcomes.append(
                Outcome(item.case_no, False, None, code, exc.message, status, exc.exit_code)
            )
        else:
            outcomes.append(Outcome(result.case.case_no, True, result.case.state))
    return outcomes

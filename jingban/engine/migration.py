"""Moving an open case to another definition of its item (迁移事项定义版本).

A case keeps the definition it started under; a supervisor may move it, with a reason, to a
newer one. The case keeps its state, materials and history; its dues are recomputed under
the new definition's limits. What the engine checks is here; `Engine.migrate` builds the
audit event, and the stores write it like any other action.
"""

from __future__ import annotations

from jingban.calendar import WorkCalendar
from jingban.engine import deadlines, roles
from jingban.engine.model import Case
from jingban.errors import BadInput, NotAllowed
from jingban.workflows import STATE_LABELS, Item, compile_item
from jingban.workflows.actions import ACTIONS

#: The action the audit trail records for a migration (declared in the action table).
MIGRATE = "migrate"
MIGRATE_LABEL = ACTIONS[MIGRATE].label


def check_request(case: Case, role: str, reason: str | None, to_version: str) -> str:
    """The trimmed reason, after checking who asks and what for. Raises `BadInput` (unknown
    role, no reason, the case's own version) or `NotAllowed` (`WrongRole` unless
    supervisor; a case that has ended)."""
    roles.check_role(role)
    if not roles.may(role, MIGRATE):
        raise roles.WrongRole(f"{roles.ROLE_LABELS[role]}无权「{MIGRATE_LABEL}」(仅科长/主管)")
    text = (reason or "").strip()
    if not text:
        raise BadInput("迁移事项版本须说明理由 (--reason)")
    if len(text) > 500:
        raise BadInput("迁移理由最多 500 字")
    if case.is_terminal:
        label = STATE_LABELS.get(case.state, case.state)
        raise NotAllowed(f"办件 {case.case_no} 已{label}，不能迁移事项版本")
    if to_version == case.item_version:
        raise BadInput(f"办件 {case.case_no} 已按版本 {to_version} 办理，无需迁移")
    return text


def migrated(
    case: Case,
    target: Item,
    to_version: str,
    cal: WorkCalendar,
    warn_days: deadlines.WarnDays,
) -> tuple[Case, dict[str, object]]:
    """A copy of ``case`` under ``target`` (at ``to_version``) with its dues recomputed, and
    the audit payload (from/to version, the dues that moved). Raises `NotAllowed` when the
    new definition cannot carry the case: its applicant type, a unit as applicant, or its
    current state is not in it."""
    types = {a.key for a in target.applicant_types}
    if case.applicant_type is not None and case.applicant_type not in types:
        raise NotAllowed(
            f"新版本的「{target.name}」没有申请人类型 {case.applicant_type!r}，不能迁移"
        )
    if case.applicant_kind == "unit" and "unit" not in target.applicant_kinds:
        raise NotAllowed(f"新版本的「{target.name}」不受理单位申请，不能迁移")
    terms = target.terms(case.channel, case.applicant_type)
    if case.state not in compile_item(target, terms.stages).states:
        label = STATE_LABELS.get(case.state, case.state)
        raise NotAllowed(f"新版本的办理环节中没有「{label}」，办件 {case.case_no} 不能迁移")
    new = case.copy()
    new.item_version = to_version
    new.item_name = target.name
    changes = deadlines.recompute(new, target, terms, cal, warn_days)
    new.version = case.version + 1
    payload: dict[str, object] = {
        "from_version": case.item_version,
        "to_version": to_version,
        "dues": {kind: [old, after] for kind, (old, after) in changes.items()},
    }
    if new.provisional != case.provisional:
        payload["provisional"] = [case.provisional, new.provisional]
    return new, payload

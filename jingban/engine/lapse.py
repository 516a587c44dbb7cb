"""逾期未补正，视为撤回: the system's own action on a case whose supplement deadline passed
unanswered, where the region's rule says so (`SupplementRule.on_lapse` = ``withdraw``).

Pure: `lapse` decides from the case and ``now`` and returns the result to store, or raises;
the follow-up run (`jingban.scheduler.followups`) stores it with the case's optimistic lock,
so two runs that race produce one withdrawal (the second finds the case changed or ended).
"""

from __future__ import annotations

import datetime as dt

from jingban.engine.audit import AuditEvent
from jingban.engine.engine import Engine, Result
from jingban.engine.model import Case
from jingban.errors import NotAllowed

SYSTEM = "system"
"""The actor and role of an action the system takes by itself."""
LAPSE = "lapse"
OUTCOME = "lapsed"


def lapse(engine: Engine, case: Case, now: dt.datetime) -> Result:
    """Withdraw ``case`` (outcome ``lapsed``) because its supplement deadline passed. Raises
    `NotAllowed` when the case is not waiting for a supplement, its deadline has not passed,
    or its region's rule is not to withdraw; ``case`` is unchanged."""
    if case.state != "supplement_requested" or case.supplement_due is None:
        raise NotAllowed(f"办件 {case.case_no} 不在待补正状态，不能按逾期未补正撤回")
    if now < case.supplement_due:
        raise NotAllowed(f"办件 {case.case_no} 的补正期限尚未届满")
    rule = engine.catalog.region(case.region).supplements
    if rule.on_lapse != "withdraw":
        raise NotAllowed(f"办件 {case.case_no} 所在地区规定逾期未补正由人工处理，不自动撤回")
    plan = engine._plan(case)
    new = case.copy()
    plan.compiled.fire(new, LAPSE)
    new.outcome = OUTCOME
    new.version = case.version + 1
    event = AuditEvent(
        case_no=case.case_no,
        action=LAPSE,
        actor=SYSTEM,
        role=SYSTEM,
        at=now,
        recorded_at=now,
        from_state=case.state,
        to_state=new.state,
        reason="逾期未补正，视为撤回申请",
        payload={"supplement_due": case.supplement_due, "missing": list(case.missing)},
    )
    return Result(new, event)

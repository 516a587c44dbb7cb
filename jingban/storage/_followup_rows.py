"""The records a case keeps beyond its clock, as its ``cases.data`` JSON keeps them: the
supplement deadline, deferred materials (容缺), undertakings (告知承诺), supervision orders
(督办单), ratings and rectifications (好差评), a suspension awaiting approval, the re-check
(复核), the takers of incompatible actions and the 稽核 checks. Written by `dump`, read back
by `load`; absent keys (data written before these existed) read as none."""

from __future__ import annotations

from typing import Any

from jingban.engine.audit_checks import checks_data, checks_from
from jingban.engine.feedback import NO_FEEDBACK, feedback_data, feedback_from
from jingban.engine.followups import Deferred, Undertaking, followup_data
from jingban.engine.model import Case, Recheck
from jingban.engine.supervision import Supervision, supervision_data
from jingban.engine.suspension_approval import pending_data, pending_from
from jingban.storage.timecodec import from_json_time


def dump(case: Case, data: dict[str, Any]) -> None:
    """Add the case's records to ``data`` (only those it has, so other cases keep their
    stored bytes)."""
    if case.supplement_due is not None:
        data["supplement_due"] = case.supplement_due
    records = followup_data(case.deferred, case.undertakings)
    for key, rows in records.items():
        if rows:
            data[key] = rows
    if case.supervisions:
        data["supervisions"] = supervision_data(case.supervisions)
    if case.feedback is not NO_FEEDBACK:
        data["feedback"] = feedback_data(case.feedback)
    if case.pending_suspension is not None:
        data["pending_suspension"] = pending_data(case.pending_suspension)
    if case.takers:
        data["takers"] = [list(pair) for pair in case.takers]
    if case.recheck is not None:
        r = case.recheck
        data["recheck"] = {"by": r.by, "at": r.at, "amount_fen": r.amount_fen}
    if case.audit_checks:
        data["audit_checks"] = checks_data(case.audit_checks)


def load(data: dict[str, Any], values: dict[str, Any]) -> None:
    """Set the case fields (``values``, as `Case` takes them) from decoded ``data``."""
    due = data.get("supplement_due")
    if due is not None:
        values["supplement_due"] = from_json_time(due)
    deferred = data.get("deferred")
    if deferred:
        values["deferred"] = tuple(
            Deferred(d["name"], _time(d["due_at"]), from_json_time(d.get("arrived_at")))
            for d in deferred
        )
    undertakings = data.get("undertakings")
    if undertakings:
        values["undertakings"] = tuple(
            Undertaking(
                u["proof"],
                _time(u["due_at"]),
                u.get("outcome"),
                from_json_time(u.get("checked_at")),
                u.get("checked_by"),
            )
            for u in undertakings
        )
    orders = data.get("supervisions")
    if orders:
        values["supervisions"] = tuple(
            Supervision(
                o["no"],
                o["to"],
                o["reason"],
                o["issued_by"],
                _time(o["issued_at"]),
                _time(o["due_at"]),
                o.get("reply"),
                from_json_time(o.get("replied_at")),
            )
            for o in orders
        )
    feedback = data.get("feedback")
    if feedback:
        values["feedback"] = feedback_from(feedback, _time)
    pending = data.get("pending_suspension")
    if pending:
        values["pending_suspension"] = pending_from(pending, _time)
    takers = data.get("takers")
    if takers:
        values["takers"] = tuple((str(a), str(who)) for a, who in takers)
    recheck = data.get("recheck")
    if recheck:
        values["recheck"] = Recheck(recheck["by"], _time(recheck["at"]), int(recheck["amount_fen"]))
    checks = data.get("audit_checks")
    if checks:
        values["audit_checks"] = checks_from(checks, _time)


def _time(value: str) -> Any:
    found = from_json_time(value)
    if found is None:
        raise ValueError("a follow-up record without its due time")
    return found

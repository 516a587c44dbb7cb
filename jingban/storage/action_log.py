"""The log line of each case action: written by the case store once the action's transaction
has committed (or its refused attempt has been recorded), on the ``jingban.actions`` logger.

The line names the case number, the action, the states before and after, the staff actor
and role; never the applicant's name, identity number, account or query code. The request
id is added by the handler's formatter (`jingban.logs`), so the line of an action taken
through the API carries the id of the request that took it.
"""

from __future__ import annotations

import logging

from jingban.engine import AuditEvent

__all__ = ["action_log", "log_action"]

action_log = logging.getLogger("jingban.actions")


def log_action(event: AuditEvent) -> None:
    """Log ``event`` (stored, or a refused attempt) as one line."""
    fields: dict[str, object] = {
        "case_no": event.case_no,
        "action": event.action,
        "refused": event.refused,
        "actor_role": event.role,
    }
    if not event.refused:
        fields["seq"] = event.seq
    action_log.info(
        "%s %s %s: %s -> %s by %s (%s)",
        "refused" if event.refused else "action",
        event.case_no,
        event.action,
        event.from_state or "-",
        event.to_state or "-",
        event.actor,
        event.role,
        extra=fields,
    )

"""An applicant message as the timeline shows it, from its row and its delivery's: read by
`jingban.storage.applicant_messages` and by the bare reader of `jingban.storage.case_reader`
(no SQLAlchemy), so both say the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from jingban.calendar import BEIJING
from jingban.storage.timecodec import aware
from jingban.workflows.actions import EVENT_LABELS

#: Messages no action carries (`ApplicantMessageStore.tell`), as the timeline names them.
TOLD_LABELS = {"supplement_remind": "补正期限提醒"}

#: A row's own status while its delivery decides (pending, sent, failed, cancelled).
QUEUED = "queued"
#: The delivery route id of applicant messages (no route: the gateway of the settings).
SMS_ROUTE_ID = 0
#: A case's messages with their deliveries, in driver SQL (``?``: the case number).
MESSAGES_SQL = (
    "SELECT m.at, m.action, m.status, m.note, m.text, d.status AS sent_status, "
    "d.last_error, d.sent_at FROM applicant_messages m LEFT JOIN alert_deliveries d "
    f"ON d.dedup_key = m.delivery_key AND d.route_id = {SMS_ROUTE_ID} "
    "WHERE m.case_no = ? ORDER BY m.seq, m.id"
)
MESSAGE_COLUMNS = ("at", "action", "status", "note", "text", "sent_status", "last_error", "sent_at")


def _shown_time(value: dt.datetime | str | None) -> str | None:
    return None if value is None else aware(value).astimezone(BEIJING).isoformat()


def message_dict(r: Mapping[str, Any]) -> dict[str, Any]:
    """One message: ``at`` (ISO, Beijing time), ``kind`` (the action key), ``label``,
    ``status`` (pending, sent, failed, cancelled, opted_out, not_sent), ``note`` (why it
    did not go, or the gateway's last error), ``text`` and ``sent_at``."""
    status, note = r["status"], r["note"]
    if status == QUEUED:
        status = r["sent_status"] or "pending"
        if r["last_error"]:
            note = r["last_error"]
    return {
        "at": _shown_time(r["at"]),
        "kind": r["action"],
        "label": EVENT_LABELS.get(r["action"], TOLD_LABELS.get(r["action"], r["action"])),
        "status": status,
        "note": note,
        "text": r["text"],
        "sent_at": _shown_time(r["sent_at"]),
    }

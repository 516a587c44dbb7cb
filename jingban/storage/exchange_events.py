"""Which actions the provincial platform is told about, and the event each one writes.

`EVENT_KINDS` is the one table from an action key to the event kind the platform receives
(受理, 不予受理, 补正告知 …). An action that ends the case in ``completed`` is 办结 whatever
its key (``complete``, or ``deny`` on a chain whose 审核 decides), carrying its outcome. 容缺受理
(``accept_deferred``) is a 受理 to the platform, and a supplement that lapsed (``lapse``,
逾期未补正视为撤回, taken by the system) a 撤回; an action the table does not name
(``reassign``, ``prereview``, ``recalculate`` …) writes none.

`ExchangeEffect` is the action effect (`jingban.storage.action_effects`) that writes one
``exchange_events`` row per such action, in the action's own unit: so the platform is told
of an action exactly when it is stored. The row's ``payload`` keeps the event in the
documented JSON format (docs/exchange.md), version `PAYLOAD_FORMAT`, in a compact stored form
(`STORED_FORMAT`: only what the row's columns and the vocabulary do not give, short keys, no
nulls, times as seconds since the epoch), which `sent_payload` turns back into that event
key for key; what the platform needs from the office's own code data (实施编码,
统一社会信用代码, 办件编号) is added when it is sent (`jingban.scheduler.exchange_push`), so a
code corrected later reaches every event not yet sent. Identities are masked: the full
number never enters the payload.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from jingban.calendar import BEIJING
from jingban.engine import Case, mask_identity, mask_name
from jingban.storage.action_effects import EffectRow, Written
from jingban.storage.timecodec import aware
from jingban.workflows.model import Item
from jingban.workflows.vocabulary import STATES

#: The version of the stored and sent payload (its ``format`` field).
PAYLOAD_FORMAT = "jingban.exchange/1"


@dataclass(frozen=True, slots=True)
class EventKind:
    """An event kind: its ASCII ``key`` (sent) and the platform's name for it (``label``)."""

    key: str
    label: str


RECEIVE = EventKind("receive", "申请")
COMPLETE = EventKind("complete", "办结")

#: Action key → the event kind it writes (an action that ends in ``completed`` writes
#: `COMPLETE` instead). ``deliver`` (送达) has no action yet: it maps when it exists.
EVENT_KINDS: Mapping[str, EventKind] = MappingProxyType(
    {
        "open": RECEIVE,
        "accept": EventKind("accept", "受理"),
        "accept_deferred": EventKind("accept", "受理"),
        "not_accept": EventKind("not_accept", "不予受理"),
        "request_supplement": EventKind("supplement_notice", "补正告知"),
        "supplement": EventKind("supplement_accept", "补正受理"),
        "suspend": EventKind("special_procedure", "特别程序申请"),
        "resume": EventKind("special_procedure_result", "特别程序结果"),
        "extend": EventKind("extend", "延期"),
        "complete": COMPLETE,
        "deny": COMPLETE,
        "deliver": EventKind("deliver", "送达"),
        "withdraw": EventKind("withdraw", "撤回"),
        "lapse": EventKind("withdraw", "撤回"),
    }
)

#: Every kind an event may have, key → label (for the CLI, reconcile and docs).
KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {k.key: k.label for k in (*EVENT_KINDS.values(), COMPLETE)}
)

_OUTCOME_LABELS = {"approved": "准予", "denied": "不予批准"}
_STATE_LABELS = {s.key: s.label for s in STATES}


def event_kind(action: str, to_state: str | None) -> EventKind | None:
    """The kind of event ``action`` (ending in ``to_state``) writes; None for none."""
    if to_state == "completed" and action != "open":
        return COMPLETE
    return EVENT_KINDS.get(action)


def event_key(case_no: str, seq: int) -> str:
    """The idempotency key of the event of the action at ``seq`` in ``case_no``'s chain: the
    same however often it is sent, and different for every event."""
    return f"jingban-{case_no}-{seq}"


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(BEIJING).isoformat(timespec="seconds")


def _masked_id(number: str) -> str:
    return number if "*" in number or not number else mask_identity(number)


class ExchangeEffect:
    """The action effect that writes the platform's events. ``item_of`` gives the item
    definition a case was decided under (its 基本编码 and limits); it must not fail for a
    case the engine has just decided."""

    def __init__(self, item_of: Callable[[Case], Item]) -> None:
        self.item_of = item_of

    def __call__(self, written: Written) -> list[EffectRow]:
        event = written.event
        kind = event_kind(event.action, event.to_state)
        if kind is None or event.refused:
            return []
        case = written.case
        payload = self.payload(written, kind)
        at = event.at
        return [
            EffectRow(
                "exchange_events",
                {
                    "case_no": case.case_no,
                    "seq": event.seq,
                    "kind": kind.key,
                    "action": event.action,
                    "region": case.region,
                    "office": case.office,
                    "at": at,
                    "created_at": event.recorded_at,
                    "payload": stored_payload(payload),
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": event.recorded_at,
                },
            )
        ]

    def payload(self, written: Written, kind: EventKind) -> dict[str, object]:
        """The event as documented in docs/exchange.md (without the send-time codes)."""
        case, event = written.case, written.event
        item = self.item_of(case)
        terms = item.terms(case.channel, case.applicant_type)
        data = event.payload
        return {
            "format": PAYLOAD_FORMAT,
            "event_id": event_key(case.case_no, event.seq),
            "seq": event.seq,
            "kind": kind.key,
            "kind_label": kind.label,
            "action": event.action,
            "at": _time(event.at),
            "recorded_at": _time(event.recorded_at),
            "actor": event.actor,
            "case_no": case.case_no,
            "region": case.region,
            "office": case.office,
            "item_key": case.item_key,
            "item_name": case.item_name,
            "item_version": case.item_version,
            "basic_code": item.code,
            "main_item_code": item.group_code,
            "channel": case.channel,
            "applicant": {
                "type": case.applicant_type,
                "id_type": case.applicant_id_type,
                "id_masked": _masked_id(case.applicant_id),
                "name_masked": mask_name(case.applicant_name),
            },
            "received_at": _time(case.received_at),
            "accepted_at": _time(case.accepted_at),
            "promised_limit": str(terms.promised),
            "statutory_limit": str(terms.statutory),
            "promised_due": _time(case.promised_due),
            "statutory_due": _time(case.statutory_due),
            "state": case.state,
            "state_label": _STATE_LABELS.get(case.state, case.state),
            "completed_at": _time(case.completed_at),
            "outcome": case.outcome if kind is COMPLETE else None,
            "outcome_label": _OUTCOME_LABELS.get(case.outcome or "") if kind is COMPLETE else None,
            "reason": event.reason,
            "notice_no": data.get("notice_no"),
            "extension_days": data.get("days") if event.action == "extend" else None,
            "procedure": data.get("procedure") if event.action == "suspend" else None,
        }


#: The version of the compact stored form (its ``"v"``).
STORED_FORMAT = 2

# Payload key → stored key: what only the payload holds.
_SHORT = {
    "actor": "a",
    "item_key": "i",
    "item_name": "n",
    "item_version": "iv",
    "basic_code": "bc",
    "main_item_code": "mc",
    "channel": "ch",
    "applicant": "ap",
    "received_at": "ra",
    "accepted_at": "aa",
    "promised_limit": "pl",
    "statutory_limit": "sl",
    "promised_due": "pd",
    "statutory_due": "sd",
    "state": "s",
    "completed_at": "ca",
    "outcome": "o",
    "reason": "r",
    "notice_no": "nn",
    "extension_days": "ed",
    "procedure": "p",
}
_APPLICANT = {"type": "t", "id_type": "it", "id_masked": "im", "name_masked": "nm"}
# Times the event gives in Beijing time to the second: stored as seconds since the epoch.
_TIMES = frozenset({"received_at", "accepted_at", "promised_due", "statutory_due", "completed_at"})
# Payload keys the row's columns and the vocabulary give.
_DERIVED = frozenset(
    {
        "format",
        "event_id",
        "seq",
        "kind",
        "kind_label",
        "action",
        "at",
        "recorded_at",
        "case_no",
        "region",
        "office",
        "state_label",
        "outcome_label",
    }
)
_LONG = {short: key for key, short in _SHORT.items()}
_LONG_APPLICANT = {short: key for key, short in _APPLICANT.items()}


def stored_payload(payload: Mapping[str, Any]) -> str:
    """``payload`` (a documented event) in its compact stored form. Raises ValueError for a
    key this form does not know, so no field is ever dropped unnoticed."""
    unknown = set(payload) - _DERIVED - set(_SHORT)
    if unknown:
        raise ValueError(f"exchange payload keys without a stored form: {sorted(unknown)}")
    body: dict[str, Any] = {"v": STORED_FORMAT}
    for key, short in _SHORT.items():
        value = payload.get(key)
        if key == "applicant" and value is not None:
            extra = set(value) - set(_APPLICANT)
            if extra:
                raise ValueError(f"applicant keys without a stored form: {sorted(extra)}")
            value = {_APPLICANT[k]: v for k, v in value.items() if v is not None}
        elif key in _TIMES and value is not None:
            value = int(dt.datetime.fromisoformat(value).timestamp())
        if value is not None:
            body[short] = value
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def sent_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """The documented event of a stored row (its ``payload``, ``case_no``, ``seq``, ``kind``,
    ``action``, ``region``, ``office``, ``at`` and ``created_at``; times as the driver
    returns them). Raises ValueError for a stored form of a newer release."""
    body = json.loads(row["payload"])
    if "format" in body:  # stored whole, before the compact form
        return dict(body)
    if body.get("v") != STORED_FORMAT:
        raise ValueError(f"exchange payload form {body.get('v')!r} unknown")
    kind, case_no, seq = row["kind"], row["case_no"], row["seq"]
    values = {key: body.get(short) for short, key in _LONG.items()}
    for key in _TIMES:
        if values[key] is not None:
            values[key] = _time(dt.datetime.fromtimestamp(values[key], dt.UTC))
    applicant = body.get("ap")
    if applicant is not None:
        values["applicant"] = {key: applicant.get(short) for short, key in _LONG_APPLICANT.items()}
    outcome = values["outcome"]
    state = values["state"]
    document = {
        "format": PAYLOAD_FORMAT,
        "event_id": event_key(case_no, seq),
        "seq": seq,
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "action": row["action"],
        "at": _time(aware(row["at"])),
        "recorded_at": _time(aware(row["created_at"])),
        "case_no": case_no,
        "region": row["region"],
        "office": row["office"],
        **values,
        "state_label": None if state is None else _STATE_LABELS.get(state, state),
        "outcome_label": _OUTCOME_LABELS.get(outcome or "") if kind == "complete" else None,
    }
    return dict(sorted(document.items()))  # in the order a whole stored payload reads

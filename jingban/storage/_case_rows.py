"""Conversion between the engine's `Case`/`AuditEvent` and table rows.

The JSON of ``cases.data`` names its format (``"v"``); data in an older format is brought up
to `CASE_DATA_FORMAT` on load by small named upgrade functions, one per step, and written in
the current format the next time the case changes. Format 1 (no ``"v"``) is the data written
before formats were numbered; format 2 is the same fields, numbered; format 3 leaves out
every field at its default (none, false, zero, empty: read back as that default) and the
stage starts the case's columns already date (received, accepted, completed), so nothing is
stored twice.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import MISSING, fields, replace
from typing import Any

from jingban.engine import AuditEvent, Case, Payment
from jingban.engine.audit import COMPACT_FORMATS, GENESIS, canonical_json, compact_json
from jingban.engine.model import AGING_STATES, STAMP_FIELDS, shared_materials
from jingban.engine.parties import Agent
from jingban.errors import BadInput, NotFound
from jingban.storage import _followup_rows
from jingban.storage.timecodec import from_json_time

# Case fields kept in the JSON ``data`` column rather than in a column of their own.
DATA_FIELDS = (
    "item_name",
    "materials",
    "missing",
    "clock_start_at",
    "supplement_requested_at",
    "suspended_at",
    "suspended_from",
    "pauses",
    "extension_days",
    "extensions",
    "accepted_by",
    "approved_by",
    "paid_by",
    "payment",
    "backdated",
    "applicant_kind",
    "credit_code",
    "agent",
    "phone",
    "sms_optout",
)
# The defaults of those fields: a field at its default is not written (format 3).
_DATA_DEFAULTS = tuple(
    (f.name, f.default)
    for f in fields(Case)
    if f.name in DATA_FIELDS and f.default is not MISSING and f.name != "item_name"
)
COLUMN_FIELDS = (
    "case_no",
    "region",
    "office",
    "item_key",
    "item_version",
    "channel",
    "applicant_type",
    "applicant_name",
    "applicant_id",
    "applicant_id_type",
    "state",
    "outcome",
    "version",
    "assignee",
    "received_at",
    "accepted_at",
    "completed_at",
    "accept_due",
    "promised_due",
    "statutory_due",
    "stage_due",
    "stage_due_key",
    "provisional",
    "promised_warn_at",
    "statutory_warn_at",
    "delivery_due",
)
_AGING = frozenset(AGING_STATES)
_TIME_FIELDS = ("clock_start_at", "supplement_requested_at", "suspended_at")
# Stage stamps kept in ``data`` (as its "stage_started" object, with every stamp the case
# has); the others are dated by columns (`STAMP_FIELDS`).
_DATA_STAMPS = tuple(
    (stamp, name) for stamp, name in STAMP_FIELDS.items() if name not in COLUMN_FIELDS
)


class CaseNotFound(NotFound):
    """No case with that number."""


#: The format `case_values` writes into ``cases.data``.
CASE_DATA_FORMAT = 3


def upgrade_case_data_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 → 2: the same fields; the format is now named."""
    data["v"] = 2
    return data


def upgrade_case_data_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Format 2 → 3: data that names every field is format-3 data whose fields are all
    written (the stage starts it repeats from columns are not read)."""
    data["v"] = 3
    return data


# Format → the function that upgrades data of that format by one step.
_CASE_DATA_UPGRADES = {1: upgrade_case_data_v1_to_v2, 2: upgrade_case_data_v2_to_v3}


def upgrade_case_data(data: dict[str, Any]) -> dict[str, Any]:
    """``cases.data`` (decoded) in the current format, upgraded step by step from whatever
    format it was written in; raises `BadInput` for a format this code does not know (data
    written by a newer release)."""
    found = data.get("v", 1)
    while found != CASE_DATA_FORMAT:
        step = _CASE_DATA_UPGRADES.get(found)
        if step is None:
            raise BadInput(
                f"办件数据格式 {found!r} 无法识别 (本程序支持 {CASE_DATA_FORMAT})，请升级 jingban"
            )
        data = step(data)
        found = data["v"]
    return data


def case_values(case: Case) -> dict[str, Any]:
    """Column values of ``case`` (without id, query_hash, audit_seq, audit_head), with
    ``running``, which the case's state decides."""
    values = {name: getattr(case, name) for name in COLUMN_FIELDS}
    values["running"] = case.state in _AGING
    data: dict[str, Any] = {"v": CASE_DATA_FORMAT}
    data.update({name: getattr(case, name) for name in DATA_FIELDS})
    stamps = {stamp: getattr(case, name) for stamp, name in _DATA_STAMPS}
    data["stage_started"] = {stamp: at for stamp, at in stamps.items() if at is not None}
    data["materials"], data["missing"] = list(case.materials), list(case.missing)
    if case.payment is not None:
        data["payment"] = {
            "amount_fen": case.payment.amount_fen,
            "account_masked": case.payment.account_masked,
            "voucher": case.payment.voucher,
        }
    if case.agent is not None:
        data["agent"] = case.agent.masked().as_data()
    for name, default in _DATA_DEFAULTS:
        value = data[name]
        if value == default or (value == [] and default == ()):
            del data[name]
    if not data["stage_started"]:
        del data["stage_started"]
    _followup_rows.dump(case, data)
    values["data"] = compact_json(data)
    return values


def case_from_row(row: Any) -> Case:
    """The engine's `Case` from a SQLAlchemy row of the cases table."""
    return case_from_mapping(row._mapping)


# Strings of few distinct values (catalog keys and names, states, staff names), interned by
# a compact load; and the instants that often coincide.
_SHARED_STRINGS = (
    "region",
    "office",
    "item_key",
    "item_name",
    "item_version",
    "channel",
    "applicant_type",
    "applicant_id_type",
    "state",
    "outcome",
    "assignee",
    "stage_due_key",
    "suspended_from",
    "accepted_by",
    "approved_by",
    "paid_by",
)
_SHARED_TIMES = (
    *(name for _, name in _DATA_STAMPS),
    "received_at",
    "accepted_at",
    "completed_at",
    "clock_start_at",
    "supplement_requested_at",
    "suspended_at",
    "accept_due",
    "promised_due",
    "statutory_due",
    "stage_due",
    "promised_warn_at",
    "statutory_warn_at",
    "delivery_due",
)


def case_from_mapping(mapping: Any, *, compact: bool = True) -> Case:
    """The engine's `Case` from a mapping of column name → value (times already aware).

    ``compact`` (for cases that stay in memory: lists, pages) interns the low-cardinality
    strings, so the cases share one copy of each, and makes equal instants (a receipt that
    is also the clock's start, an acceptance that starts a stage) one object. The action
    path, which drops the case at once, skips it."""
    values = {name: mapping[name] for name in COLUMN_FIELDS}
    data = upgrade_case_data(json.loads(mapping["data"]))
    for name in _TIME_FIELDS:
        data[name] = from_json_time(data.get(name))
    stamps = data.get("stage_started") or {}
    for stamp, name in _DATA_STAMPS:
        data[name] = from_json_time(stamps.get(stamp))
    data["pauses"] = tuple((from_json_time(at), days) for at, days in data.get("pauses", ()))
    data["materials"] = tuple(data.get("materials", ()))
    data["missing"] = tuple(data.get("missing", ()))
    payment = data.get("payment")
    data["payment"] = Payment(**payment) if payment else None
    agent = data.get("agent")
    data["agent"] = Agent.from_data(agent) if agent else None
    values.update({name: data[name] for name in DATA_FIELDS if name in data})
    values.update({name: data[name] for _, name in _DATA_STAMPS})
    _followup_rows.load(data, values)
    if compact:
        _compact(values)
    return Case(**values)


def _compact(values: dict[str, Any]) -> None:
    for name in _SHARED_STRINGS:
        value = values.get(name)
        if type(value) is str:
            values[name] = sys.intern(value)
    times: dict[dt.datetime, dt.datetime] = {}
    for name in _SHARED_TIMES:
        value = values.get(name)
        if value is not None:
            values[name] = times.setdefault(value, value)
    values["pauses"] = tuple((times.setdefault(at, at), days) for at, days in values["pauses"])
    values["materials"] = shared_materials(values["materials"])
    values["missing"] = tuple(sys.intern(m) for m in values["missing"])


def event_values(event: AuditEvent) -> dict[str, Any]:
    """Column values of an audit event (already chained). A record of a compact format
    (`COMPACT_FORMATS`) stores its hash as 32 bytes (``digest``), no predecessor's hash (the
    chain's order gives it: `linked`) and no ``recorded_at`` when that equals ``at``."""
    compact = event.format in COMPACT_FORMATS
    return {
        "case_no": event.case_no,
        "seq": event.seq,
        "at": event.at,
        "recorded_at": None if compact and event.recorded_at == event.at else event.recorded_at,
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "payload": canonical_json(event.payload),
        "refused": event.refused,
        "backdated": event.backdated,
        "prev_hash": None if compact else event.prev_hash,
        "hash": None if compact else event.hash,
        "format": event.format,
        "digest": bytes.fromhex(event.hash) if compact else None,
    }


def event_from_row(row: Any) -> AuditEvent:
    """An audit event as stored; its payload is the JSON form the hash was computed over.
    A compact record comes without its predecessor's hash: read chains through `linked`."""
    return event_from_mapping(row._mapping)


def event_from_mapping(m: Any) -> AuditEvent:
    """An audit event from a mapping of column name → value (times already aware); a
    compact record's ``prev_hash`` is empty until `linked` supplies it."""
    digest = m.get("digest")
    return AuditEvent(
        case_no=m["case_no"],
        action=m["action"],
        actor=m["actor"],
        role=m["role"],
        at=m["at"],
        recorded_at=m["at"] if m["recorded_at"] is None else m["recorded_at"],
        from_state=m["from_state"],
        to_state=m["to_state"],
        reason=m["reason"],
        payload=json.loads(m["payload"]),
        refused=bool(m["refused"]),
        backdated=bool(m["backdated"]),
        seq=m["seq"],
        prev_hash=m["prev_hash"] or "",
        hash=m["hash"] if digest is None else bytes(digest).hex(),
        format=m["format"],
    )


def linked(events: Iterable[AuditEvent]) -> Iterator[AuditEvent]:
    """A case's chain records (in sequence order) with the predecessor's hash of each compact
    record supplied: the hash of the record read before it (`GENESIS` for the first). A
    record that is missing or out of place still breaks the chain (`verify_chain` checks the
    sequence numbers, and each hash covers the predecessor's hash it was written after)."""
    prev = GENESIS
    for event in events:
        if event.format in COMPACT_FORMATS and not event.prev_hash:
            event = replace(event, prev_hash=prev)
        prev = event.hash
        yield event


def refusal_values(event: AuditEvent, refusal_no: int = 0) -> dict[str, Any]:
    """Column values of a refused attempt kept outside the chain (already placed after the
    chain record it was decided against: ``seq`` and ``prev_hash`` name that record)."""
    values = event_values(event)
    del values["refused"], values["digest"]  # every row of audit_refusals is one, in full
    values["after_seq"] = values.pop("seq")
    values["after_hash"] = values.pop("prev_hash")
    values["refusal_no"] = refusal_no
    return values


def refusal_from_row(row: Any) -> AuditEvent:
    """A refused attempt as stored in ``audit_refusals``, with its number."""
    return refusal_from_mapping(row._mapping)


def refusal_from_mapping(m: Any) -> AuditEvent:
    """A refused attempt from a mapping of ``audit_refusals`` column → value (times aware)."""
    chained = {**m, "refused": True, "seq": m["after_seq"], "prev_hash": m["after_hash"]}
    return replace(event_from_mapping(chained), refusal_no=m["refusal_no"])

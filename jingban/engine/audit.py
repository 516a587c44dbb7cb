"""The audit trail: immutable, hash-chained records of every action and refused attempt.

Each record's ``hash`` is SHA-256 over a canonical encoding (sorted-key JSON, UTC times) of
its fields and the previous record's hash, so changing, removing or reordering any record
breaks the chain from that point on. The chain is per case; the case row keeps the hash of
its latest record, so a truncated chain is caught too.

Formats. Each record carries the format it was written in (``format``, stored beside the
record), and the hash input is defined per format, so records written in an older format
keep verifying: format 1 (records written before formats were numbered) hashes the fields
below; format 2 hashes the same fields and the format number itself, so a record cannot be
passed off as another format; format 3 is a refused attempt kept outside the chain (see
below), hashed like format 2 with its own number; format 4 hashes like format 2 with its own
number, and is what the store writes compactly (`COMPACT_FORMATS`: the hash as bytes, the
predecessor's hash not stored but taken from the record before it in the chain, which the
hash still covers; see `jingban.storage._case_rows`). Payloads are stored and hashed verbatim
and never rewritten.

Refused attempts. Since migration 0012 a refused attempt is not a link of the case's chain:
it is a record of its own (format 3) whose ``seq`` and ``prev_hash`` name the chain record
the attempt was decided against (that record's position and hash), so refusals never move
the case's head and never make a real action conflict. Its hash covers those two fields, so
it cannot be moved to another place in the case's story. Refusals recorded before 0012 stay
in the chain where they were written (formats 1 and 2, ``refused`` true).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
#: The format new records are written in; `AUDIT_FORMATS` lists every format that verifies.
AUDIT_FORMAT = 4
AUDIT_FORMATS = (1, 2, 4)
#: Formats whose records the store keeps compactly (no predecessor's hash stored).
COMPACT_FORMATS = frozenset({4})
#: The format of a refused attempt recorded outside the chain.
REFUSAL_FORMAT = 3
_KNOWN_FORMATS = (*AUDIT_FORMATS, REFUSAL_FORMAT)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One action on one case (or one refused attempt), as it will be stored."""

    case_no: str
    action: str
    actor: str
    role: str
    at: dt.datetime
    recorded_at: dt.datetime
    from_state: str | None
    to_state: str | None
    reason: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    refused: bool = False
    backdated: bool = False
    seq: int = 0
    prev_hash: str = GENESIS
    hash: str = ""
    format: int = AUDIT_FORMAT
    #: A refused attempt's number among its case's refusals kept outside the chain (1, 2, …,
    #: given when it is stored; not hashed); 0 for the records of the chain.
    refusal_no: int = 0

    @property
    def outside_chain(self) -> bool:
        """Whether this is a refused attempt kept outside the case's chain (format 3)."""
        return self.format == REFUSAL_FORMAT

    def chained(self, seq: int, prev_hash: str) -> AuditEvent:
        """This event placed at ``seq`` after a record hashed ``prev_hash``, with its hash."""
        placed = AuditEvent(
            self.case_no,
            self.action,
            self.actor,
            self.role,
            self.at,
            self.recorded_at,
            self.from_state,
            self.to_state,
            self.reason,
            self.payload,
            self.refused,
            self.backdated,
            seq,
            prev_hash,
            "",
            self.format,
        )
        object.__setattr__(placed, "hash", event_hash(placed))
        return placed


_TIME_TEXT: dict[dt.datetime, str] = {}  # memo: an action's record repeats its dues


def stay_event(
    case: Any,
    action: str,
    *,
    actor: str,
    role: str,
    at: dt.datetime,
    reason: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """The record of an action that leaves ``case`` (a `Case`) in its state, taken at
    ``at`` and recorded then: the system's and the applicant's own (a rating, an appeal, a
    sample drawn) and a migration."""
    return AuditEvent(
        case_no=case.case_no,
        action=action,
        actor=actor,
        role=role,
        at=at,
        recorded_at=at,
        from_state=case.state,
        to_state=case.state,
        reason=reason,
        payload=dict(payload or {}),
    )


def _time_text(value: dt.datetime) -> str:
    text = _TIME_TEXT.get(value)
    if text is None:
        if value.tzinfo is None:
            raise ValueError("audit times must be aware")
        utc = value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC)
        text = utc.isoformat(timespec="microseconds")[:26] + "Z"
        if len(_TIME_TEXT) >= 4096:
            _TIME_TEXT.clear()
        _TIME_TEXT[value] = text
    return text


def _json_default(value: object) -> object:
    """What the JSON encoder cannot write itself: times (aware, as UTC with microseconds and
    ``Z``), dates (ISO), and mappings other than dict."""
    if isinstance(value, dt.datetime):
        return _time_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot encode {type(value).__name__} in an audit record")


# The canonical encoding: sorted keys, no whitespace, UTF-8 text as is. One pass of the C
# encoder; only times, dates and non-dict mappings go through `_json_default`.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
)
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default)


def canonical_json(value: object) -> str:
    """``value`` as canonical JSON text (sorted keys, UTC times), as hashed and stored."""
    return _CANONICAL.encode(value)


def compact_json(value: object) -> str:
    """``value`` as JSON text in the same value encoding as `canonical_json`, keys in their
    own order (for stored data that is not hashed)."""
    return _COMPACT.encode(value)


def canonical(event: AuditEvent) -> bytes:
    """The canonical bytes hashed for ``event`` (everything but ``hash`` itself, as its
    ``format`` defines them); raises ValueError for a format this code does not know."""
    body = {
        "case_no": event.case_no,
        "seq": event.seq,
        "action": event.action,
        "actor": event.actor,
        "role": event.role,
        "at": event.at,
        "recorded_at": event.recorded_at,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "payload": event.payload,
        "refused": event.refused,
        "backdated": event.backdated,
        "prev_hash": event.prev_hash,
    }
    if event.format != 1:
        if event.format not in _KNOWN_FORMATS:
            raise ValueError(f"unknown audit record format {event.format!r}")
        body["format"] = event.format
    return _CANONICAL.encode(body).encode("utf-8")


def event_hash(event: AuditEvent) -> str:
    """SHA-256 (hex) of the canonical encoding of ``event``."""
    return hashlib.sha256(canonical(event)).hexdigest()


def encode_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A payload as JSON-ready data (times as UTC strings), as the hash sees it."""
    return json.loads(_COMPACT.encode(payload))


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first bad record of a case's chain (or another finding of a verification) and
    what is wrong with it. ``kind``: ``chain`` (a record of the chain, at ``seq``),
    ``case`` (the case row disagrees with its replayed chain), ``refusal`` (a refused
    attempt kept outside the chain), ``orphan`` (records of a case that has no case row),
    ``checkpoint`` (a keyed checkpoint does not match)."""

    case_no: str
    seq: int
    problem: str
    kind: str = "chain"


def verify_chain(
    events: Iterable[AuditEvent], head: str | None = None, case_no: str = ""
) -> ChainBreak | None:
    """Check one case's records in sequence order; None when the chain is intact.

    ``head`` is the latest hash the case row remembers; a chain that stops short of it has
    lost records.
    """
    prev = GENESIS
    expected_seq = 1
    last: AuditEvent | None = None
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(event.case_no, event.seq, f"序号不连续 (应为 {expected_seq})")
        if event.prev_hash != prev:
            return ChainBreak(event.case_no, event.seq, "前一条记录的哈希不符 (记录被删除或改动)")
        if event.format == REFUSAL_FORMAT:
            return ChainBreak(event.case_no, event.seq, "链外的拒绝记录出现在审计链中")
        if event.format not in AUDIT_FORMATS:
            return ChainBreak(event.case_no, event.seq, f"记录格式 {event.format!r} 无法识别")
        if event_hash(event) != event.hash:
            return ChainBreak(event.case_no, event.seq, "记录内容与哈希不符 (记录被改动)")
        prev, expected_seq, last = event.hash, expected_seq + 1, event
    if head is not None and head != prev:
        seq = last.seq if last else 0
        return ChainBreak(
            last.case_no if last else case_no,
            seq + 1,
            "办件记录的最新哈希与审计链末尾不符 (记录缺失)",
        )
    return None

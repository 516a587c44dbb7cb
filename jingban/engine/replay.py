"""What a case's audit trail says the case is: its chain replayed, and the refused attempts
kept beside it checked.

The case row is a cache of its chain (`jingban.engine.audit`): replaying the chain's records
in order gives the state (the last record's ``to_state``), the version (1 at opening, one more
per stored action), every due (each record's ``dues`` payload says which moved, old → new)
and the head (the last record's hash and position). `differences` names every way a case row
disagrees with that, so a row changed behind the application's back is caught even when no
audit record was touched. Refused attempts (before migration 0012 in the chain, after it
outside, `audit.REFUSAL_FORMAT`) change nothing and are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from jingban.engine.audit import (
    GENESIS,
    REFUSAL_FORMAT,
    AuditEvent,
    ChainBreak,
    event_hash,
)
from jingban.engine.levels import DUE_KIND_LABELS, DUE_KINDS
from jingban.engine.model import Case
from jingban.workflows import STATE_LABELS


@dataclass(frozen=True, slots=True)
class Replayed:
    """A case as its chain tells it."""

    state: str | None = None
    version: int = 0
    seq: int = 0
    head: str = GENESIS
    dues: Mapping[str, dt.datetime | None] = field(default_factory=dict)


def _instant(value: object) -> dt.datetime | None:
    """A due as a payload holds it: an aware time, or its canonical text (UTC, ``Z``)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    raise ValueError(f"not a due instant: {value!r}")


def replay(events: Iterable[AuditEvent]) -> Replayed:
    """Fold a case's chain records (in sequence order) into what they say the case is.
    Raises ValueError for a ``dues`` payload that does not hold instants."""
    state: str | None = None
    version = seq = 0
    head = GENESIS
    dues: dict[str, dt.datetime | None] = dict.fromkeys(DUE_KINDS)
    for event in events:
        seq, head = event.seq, event.hash
        if event.refused:
            continue
        state = event.to_state
        version = 1 if event.action == "open" else version + 1
        moved = event.payload.get("dues") or {}
        for kind, change in moved.items():
            dues[kind] = _instant(change[1])
    return Replayed(state, version, seq, head, dues)


def _label(state: str | None) -> str:
    return "无" if state is None else STATE_LABELS.get(state, state)


def _time(value: dt.datetime | None) -> str:
    return "无" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def differences(case: Case, audit_seq: int, replayed: Replayed) -> list[str]:
    """Every way the stored ``case`` (and its row's ``audit_seq``) disagrees with its chain
    replayed, in Chinese; empty when they agree."""
    found = []
    if case.state != replayed.state:
        found.append(
            f"办件状态为「{_label(case.state)}」，审计链重放为「{_label(replayed.state)}」"
        )
    if case.version != replayed.version:
        found.append(f"办件版本为 {case.version}，审计链重放为 {replayed.version}")
    for kind, value in case.dues().items():
        expected = replayed.dues.get(kind)
        if value != expected:
            label = DUE_KIND_LABELS.get(kind, kind)
            found.append(f"{label}为 {_time(value)}，审计链重放为 {_time(expected)}")
    if audit_seq != replayed.seq:
        found.append(f"办件记录的审计序号为 {audit_seq}，审计链共 {replayed.seq} 条")
    return found


def verify_refusals(
    refusals: Sequence[AuditEvent],
    chain: Mapping[int, str] | None,
    counted: int,
    case_no: str,
) -> ChainBreak | None:
    """Check a case's refused attempts kept outside its chain (in number order) against the
    chain's hashes by position (``chain``) and the number of refusals the database counted
    (``counted``); None when they are intact. Each must be a refusal in format 3, hash to its
    stored hash, follow the previous one's number without a gap, and name a record of the
    chain by its position and hash (not checked when ``chain`` is None: a broken chain is
    reported by itself)."""
    expected = 1
    for event in refusals:

        def broken(problem: str, e: AuditEvent = event) -> ChainBreak:
            return ChainBreak(case_no, e.seq, f"第 {e.refusal_no} 条拒绝记录{problem}", "refusal")

        if event.refusal_no != expected:
            return broken(f"编号不连续 (应为 {expected}，记录被删除)")
        if event.format != REFUSAL_FORMAT or not event.refused:
            return broken("格式不符 (记录被改动)")
        if event_hash(event) != event.hash:
            return broken("内容与哈希不符 (记录被改动)")
        if chain is not None and chain.get(event.seq) != event.prev_hash:
            return broken(f"所依据的第 {event.seq} 条链记录不存在或已改动")
        expected += 1
    if expected - 1 != counted:
        return ChainBreak(
            case_no,
            0,
            f"拒绝记录共 {expected - 1} 条，数据库计数为 {counted} 条 (记录缺失)",
            "refusal",
        )
    return None


def in_order(chain: list[AuditEvent], refusals: list[AuditEvent]) -> list[AuditEvent]:
    """A case's records in the order they happened: each refused attempt kept outside the
    chain right after the chain record it was decided against (by number among several)."""
    if not refusals:
        return chain
    after: dict[int, list[AuditEvent]] = {}
    for refusal in sorted(refusals, key=lambda e: e.refusal_no):
        after.setdefault(refusal.seq, []).append(refusal)
    merged: list[AuditEvent] = []
    for event in chain:
        merged.append(event)
        merged.extend(after.pop(event.seq, ()))
    for seq in sorted(after):  # a refusal naming no record of the chain (verify names it)
        merged.extend(after[seq])
    return merged

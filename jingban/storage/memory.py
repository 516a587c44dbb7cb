"""An in-memory case store with the same contract as `jingban.storage.CaseStore`.

It serves the engine's tests and the contract suite that runs every scenario against memory,
SQLite and PostgreSQL alike: numbering, optimistic versions, refused attempts recorded, the
hash chain. Not for production (nothing survives the process).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
from dataclasses import dataclass, replace
from typing import Any

from jingban.calendar import BEIJING
from jingban.engine import migration
from jingban.engine.audit import GENESIS, AuditEvent, ChainBreak, verify_chain
from jingban.engine.case_number import (
    format_case_number,
    hash_query_code,
    new_query_code,
    normalise_case_number,
)
from jingban.engine.engine import Engine, Result
from jingban.engine.identity import mask_identity
from jingban.engine.model import Case
from jingban.engine.params import ActionParams, checked_instant
from jingban.engine.phone import mask_mobile, normalise_mobile
from jingban.engine.replay import differences, in_order, replay, verify_refusals
from jingban.errors import Conflict, NotAllowed, NotFound
from jingban.storage._notice_numbers import numbered, series_of
from jingban.storage.case_store import REISSUE, Acted
from jingban.storage.keys import id_number_hash
from jingban.workflows import Item


@dataclass(frozen=True, slots=True)
class MemoryOpened:
    case: Case
    query_code: str
    event: AuditEvent


class MemoryCaseStore:
    """Cases and their audit trails in dictionaries, guarded by one lock."""

    def __init__(self, engine: Engine) -> None:
        # Item definitions by (region, key, version), with when the first case opened
        # under each: what the database's item_definitions table holds.
        self._definitions: dict[tuple[str, str, str], tuple[Item, dt.datetime]] = {}
        self.engine = (
            engine if engine.definitions is not None else engine.with_definitions(self._definition)
        )
        self._cases: dict[str, Case] = {}
        self._events: dict[str, list[AuditEvent]] = {}
        # Refused attempts, kept outside the chains as the database's audit_refusals.
        self._refusals: dict[str, list[AuditEvent]] = {}
        self._query_hashes: dict[str, str] = {}
        # The keyed hash of each case's identity number; a case holds the masked number.
        self._id_hashes: dict[str, str] = {}
        self._id_key = secrets.token_bytes(32)
        self._counters: dict[tuple[str, dt.date], int] = {}
        self._notice_counters: dict[tuple[str, str, str, int], int] = {}
        self._lock = threading.Lock()

    def open(
        self,
        *,
        now: dt.datetime,
        region: str,
        received_at: dt.datetime | None = None,
        **fields: Any,
    ) -> MemoryOpened:
        received = checked_instant(received_at or now, "received_at")
        phone = fields.pop("phone", None)  # kept masked, as `CaseStore.open` does
        phone = normalise_mobile(phone) if phone is not None and phone.strip() else None
        sms_optout = bool(fields.pop("sms_optout", False))
        code = new_query_code(secrets.randbelow)
        with self._lock:
            self.engine.catalog.item(region, str(fields.get("item", "")))
            day = received.astimezone(BEIJING).date()
            seq = self._counters.get((region, day), 0) + 1
            case_no = format_case_number(region, day, seq)
            result = self.engine.open_case(
                case_no=case_no, region=region, received_at=received, now=now, **fields
            )
            self._counters[(region, day)] = seq
            self._record_definition(result.case, now)
            event = result.event.chained(1, GENESIS)
            shown = result.case.copy()
            shown.applicant_id = mask_identity(result.case.applicant_id)
            shown.agent = None if shown.agent is None else shown.agent.masked()
            shown.phone = None if phone is None else mask_mobile(phone)
            shown.sms_optout = sms_optout
            self._id_hashes[case_no] = id_number_hash(result.case.applicant_id, self._id_key)
            self._cases[case_no] = shown
            self._events[case_no] = [event]
            self._query_hashes[case_no] = hash_query_code(code)
        return MemoryOpened(shown.copy(), code, event)

    def _definition(self, region: str, key: str, version: str) -> Item | None:
        found = self._definitions.get((region, key, version))
        return None if found is None else found[0]

    def _record_definition(self, case: Case, now: dt.datetime) -> None:
        item = self.engine.item_of(case)
        if case.item_version == self.engine.item_version(item):
            self._definitions.setdefault((item.region, item.key, case.item_version), (item, now))

    def get(self, case_no: str) -> Case:
        canonical = normalise_case_number(case_no)
        try:
            return self._cases[canonical].copy()
        except KeyError:
            raise NotFound(f"没有编号为 {canonical} 的办件") from None

    def get_with_query_hash(self, case_no: str) -> tuple[Case, str]:
        case = self.get(case_no)
        return case, self._query_hashes[case.case_no]

    def history(self, case_no: str) -> list[AuditEvent]:
        number = normalise_case_number(case_no)
        return in_order(list(self._events.get(number, [])), self._refusals.get(number, []))

    def _refuse(self, placed: AuditEvent) -> None:
        """Keep a refused attempt (placed after its chain record) with the next number."""
        kept = self._refusals.setdefault(placed.case_no, [])
        kept.append(replace(placed, refusal_no=len(kept) + 1))

    def act(
        self,
        case_no: str,
        action: str,
        *,
        actor: str,
        role: str,
        now: dt.datetime,
        params: ActionParams | None = None,
        expected_version: int | None = None,
    ) -> Acted:
        """As `CaseStore.act`, reissuing the query code on `REISSUE` too."""
        code = new_query_code(secrets.randbelow) if action == REISSUE else None
        with self._lock:
            case = self.get(case_no)
            if expected_version is not None and expected_version != case.version:
                raise Conflict(f"办件 {case.case_no} 已被他人更新，请刷新后重试")
            events = self._events[case.case_no]
            if action == REISSUE and params is not None and params.id_number:
                typed = id_number_hash(params.id_number, self._id_key)
                matches = hmac.compare_digest(typed, self._id_hashes[case.case_no])
                params = replace(params, identity_matches=matches)
            try:
                result = self.engine.act(
                    case, action, actor=actor, role=role, now=now, params=params
                )
            except NotAllowed as exc:
                refusal = self.engine.refusal(
                    case, action, actor=actor, role=role, now=now, error=exc
                )
                self._refuse(refusal.chained(len(events), events[-1].hash))
                raise
            event = result.event
            series = series_of(case, event)
            if series is not None:  # numbered like the database's notice_counters
                seq = self._notice_counters.get(series.key, 0) + 1
                self._notice_counters[series.key] = seq
                event = numbered(event, series.number(seq))
            events.append(event.chained(len(events) + 1, events[-1].hash))
            self._cases[case.case_no] = result.case
            if code is not None:
                self._query_hashes[case.case_no] = hash_query_code(code)
            return Acted(result.case.copy(), events[-1], code)

    def migrate(
        self,
        case_no: str,
        to_version: str | None = None,
        *,
        actor: str,
        role: str,
        now: dt.datetime,
        reason: str,
    ) -> Result:
        """Like `CaseStore.migrate`: one open case to another definition, audited."""
        with self._lock:
            case = self.get(case_no)
            current = self.engine.current_version(case.region, case.item_key)
            target = to_version or current
            events = self._events[case.case_no]
            try:
                migration.check_request(case, role, reason, target)
                seen = self._definitions.get((case.region, case.item_key, target))
                own = self._definitions.get((case.region, case.item_key, case.item_version))
                older = seen is not None and own is not None and seen[1] <= own[1]
                if target not in (current, case.item_version) and older:
                    raise NotAllowed(
                        f"版本 {target} 早于办件 {case.case_no} 当前的版本 "
                        f"{case.item_version}，只能迁移到更新的版本"
                    )
                result = self.engine.migrate(
                    case, target, actor=actor, role=role, now=now, reason=reason
                )
            except NotAllowed as exc:
                refusal = self.engine.refusal(
                    case, migration.MIGRATE, actor=actor, role=role, now=now, error=exc
                )
                self._refuse(refusal.chained(len(events), events[-1].hash))
                raise
            self._record_definition(result.case, now)
            event = result.event
            series = series_of(case, event)
            if series is not None:  # numbered like the database's notice_counters
                seq = self._notice_counters.get(series.key, 0) + 1
                self._notice_counters[series.key] = seq
                event = numbered(event, series.number(seq))
            events.append(event.chained(len(events) + 1, events[-1].hash))
            self._cases[case.case_no] = result.case
            return Result(result.case.copy(), events[-1])

    def migrate_open(
        self,
        *,
        region: str,
        item: str,
        to_version: str | None = None,
        actor: str,
        role: str,
        now: dt.datetime,
        reason: str,
    ) -> list[Result]:
        """Like `CaseStore.migrate_open`."""
        found = self.engine.catalog.item(region, item)
        target = to_version or self.engine.current_version(region, found.key)
        numbers = [
            c.case_no
            for c in self._cases.values()
            if c.region == found.region
            and c.item_key == found.key
            and c.item_version != target
            and not c.is_terminal
        ]
        return [
            self.migrate(n, target, actor=actor, role=role, now=now, reason=reason) for n in numbers
        ]

    def verify(self, case_no: str | None = None) -> tuple[int, list[ChainBreak]]:
        """Like `CaseStore.verify`: chains, cases against their chains, refusals."""
        numbers = [normalise_case_number(case_no)] if case_no else list(self._events)
        breaks: list[ChainBreak] = []
        checked = 0
        for number in numbers:
            events = self._events.get(number, [])
            refusals = self._refusals.get(number, [])
            checked += len(events) + len(refusals)
            found = verify_chain(events, events[-1].hash if events else None, number)
            if found:
                breaks.append(found)
            elif number in self._cases:
                problems = differences(self._cases[number], len(events), replay(events))
                if problems:
                    breaks.append(ChainBreak(number, len(events), "；".join(problems), "case"))
            chain = None if found else {e.seq: e.hash for e in events}
            refused = verify_refusals(refusals, chain, len(refusals), number)
            if refused:
                breaks.append(refused)
        return checked, breaks

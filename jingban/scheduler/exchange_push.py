"""Pushing case events to the provincial platform: leased, in order per case, exactly once.

A worker (the scheduler's leader every ``exchange_seconds``, or ``jingban exchange push``
beside it) claims the first unsent event of each case with a lease
(`jingban.storage.exchange_store.ExchangeStore.claim`), renews the lease, marks the attempt
begun, POSTs it in the configured format (`jingban.scheduler.exchange_adapters`) and records
the outcome — each write only while it still holds the lease, so two workers never both send
an event, and a case's next event is claimed only once the platform took the one before it.

Every POST carries the event's ``Idempotency-Key`` (the same on every attempt: a resend after
a worker died mid-send is recognisably the same event), ``X-Jingban-Event`` (case, place in
the case, attempt), and with a secret ``X-Jingban-Timestamp`` and ``X-Jingban-Signature``:
``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under the secret.

Timeouts, refused connections, 408, 429 and 5xx answers are retried with backoff (1, 2, 4 …
minutes, at most 60); any other refusal parks the event as ``failed`` (and with it the later
events of its case, which wait) until ``jingban exchange retry``. So does an event whose
office has no credit code configured (the platform could not join it). Nothing here runs in
an action's transaction: a platform that is down never slows the counter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from jingban.scheduler._http import HttpFailure, send
from jingban.scheduler.delivery import SEND_TIMEOUTS_PER_LEASE, worker_name
from jingban.scheduler.exchange_adapters import Adapter, Rejected, adapter_named
from jingban.scheduler.notify import backoff
from jingban.settings import settings
from jingban.storage.exchange_codes import OfficeCodes
from jingban.storage.exchange_store import ClaimedEvent, ExchangeStore

log = logging.getLogger("jingban.scheduler")


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how events are sent."""

    url: str
    adapter: Adapter
    secret: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> Target | None:
        """The configured target; None when no URL is set. Raises ValueError (Chinese) for
        an unknown adapter."""
        config = settings()
        if not config.exchange_url:
            return None
        return cls(
            config.exchange_url,
            adapter_named(config.exchange_adapter),
            config.exchange_secret,
            config.exchange_timeout_seconds,
        )


@dataclass(frozen=True, slots=True)
class PushReport:
    sent: int
    failed: int  # failed and to be retried
    parked: int = 0  # refused for good until retried by hand
    lost: int = 0  # taken over by another worker meanwhile: nothing recorded by this one


class SendError(Exception):
    """One attempt failed; ``retryable`` when trying later may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``X-Jingban-Signature`` of ``body`` sent at ``timestamp`` (Unix seconds, text)."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def post(target: Target, event: ClaimedEvent, codes: OfficeCodes, at: dt.datetime) -> None:
    """POST ``event`` once; return when the platform accepted it, raise `SendError` else."""
    body = target.adapter.body(event, codes)
    headers = {
        "Content-Type": target.adapter.content_type,
        "Idempotency-Key": event.event_key,
        "X-Jingban-Event": f"{event.case_no}; seq={event.seq}; attempt={event.attempt}",
    }
    if target.secret:
        stamp = str(int(at.timestamp()))
        headers["X-Jingban-Timestamp"] = stamp
        headers["X-Jingban-Signature"] = signature(target.secret, stamp, body)
    where = f"平台 {urllib.parse.urlsplit(target.url).hostname or '?'}"
    request = urllib.request.Request(target.url, data=body, headers=headers, method="POST")
    try:
        status, raw = send(request, target.timeout, where)
    except HttpFailure as exc:
        raise SendError(exc.message, retryable=exc.retryable) from exc
    try:
        target.adapter.accepted(status, raw)
    except Rejected as exc:
        raise SendError(f"{where} {exc}", retryable=exc.retryable) from exc


def push_due(
    store: ExchangeStore,
    codes_of: Callable[[ClaimedEvent], OfficeCodes],
    target: Target,
    now: dt.datetime,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    owner: str | None = None,
    lease: dt.timedelta | None = None,
    batch: int = 20,
) -> PushReport:
    """Send every event due at ``now`` that no other worker holds, each case's in order,
    claiming ``batch`` at a time. ``codes_of`` gives an event's office codes; ``clock``
    (default: ``now``) dates lease renewals and sends; ``lease`` defaults to the setting
    ``exchange_lease_seconds``; ``owner`` to a fresh worker name."""
    owner = owner or worker_name()
    lease = settings().exchange_lease if lease is None else lease
    clock = clock or (lambda: now)
    counts: Counter[str] = Counter()
    seen: set[int] = set()
    while True:
        claimed = [e for e in store.claim(owner, now, lease=lease, limit=batch) if e.id not in seen]
        if not claimed:
            break
        for event in claimed:
            seen.add(event.id)
            outcome = _push(store, codes_of, target, event, now, owner, lease, clock)
            if outcome == "lost":
                log.warning("exchange event %s was taken over by another worker", event.event_key)
            counts[outcome] += 1
    return PushReport(counts["sent"], counts["failed"], counts["parked"], counts["lost"])


def _push(
    store: ExchangeStore,
    codes_of: Callable[[ClaimedEvent], OfficeCodes],
    target: Target,
    event: ClaimedEvent,
    now: dt.datetime,
    owner: str,
    lease: dt.timedelta,
    clock: Callable[[], dt.datetime],
) -> str:
    codes = codes_of(event)
    missing = codes.missing()
    if missing:
        error = f"未配置{'、'.join(missing)} (exchange.toml)，平台无法对应办件"
        return _held(store.mark_failed(event.id, owner, error, None), "parked")
    send_lease = max(lease, dt.timedelta(seconds=target.timeout * SEND_TIMEOUTS_PER_LEASE))
    if not store.begin(event, owner, until=clock() + send_lease):
        return "lost"
    try:
        post(target, event, codes, clock())
    except SendError as exc:
        if exc.retryable:
            retry_at = now + backoff(event.attempts + 1)
            return _held(store.mark_failed(event.id, owner, str(exc), retry_at), "failed")
        return _held(store.mark_failed(event.id, owner, str(exc), None), "parked")
    return _held(store.mark_sent(event.id, owner, clock()), "sent")


def _held(recorded: bool, outcome: str) -> str:
    return outcome if recorded else "lost"

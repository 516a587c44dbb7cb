"""The outbox of events for the provincial platform (0021_exchange_outbox), on the same
`METADATA` as `jingban.storage.models`.

One row per action of a kind the platform is told about (`jingban.storage.exchange_events`),
written in the action's own unit. ``(case_no, seq)`` is the event's place in the case, from
which its idempotency key is made (`jingban.storage.exchange_events.event_key`; stored as a
column of its own until 0029_exchange_key) (``seq`` is the action's audit sequence number, so
events of one case sort in the order the office took the actions). The claim columns
(``lease_owner``, ``lease_until``, ``sending_attempt``) work as those of the alert deliveries
(`jingban.storage._delivery_claims`).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from jingban.storage.models import METADATA
from jingban.storage.types import UTCDateTime

EXCHANGE_EVENTS = Table(
    "exchange_events",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("case_no", String(24), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("action", String(40), nullable=False),
    Column("region", String(32), nullable=False),
    Column("office", String(100), nullable=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("lease_owner", String(100), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("sending_attempt", Integer, nullable=True),
    UniqueConstraint("case_no", "seq", name="uq_exchange_case_seq"),
    Index("ix_exchange_events_status", "status", "next_attempt_at"),
    Index("ix_exchange_events_at", "at"),
)

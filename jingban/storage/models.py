"""SQLAlchemy 2.x typed models. Times are stored in UTC."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jingban.storage.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class CalendarNoticeRow(Base):
    """An imported holiday notice (national or regional), kept verbatim as validated TOML."""

    __tablename__ = "calendar_notices"
    __table_args__ = (UniqueConstraint("scope", "year", name="uq_calendar_notice_scope_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(100))
    source_url: Mapped[str] = mapped_column(String(500))
    content: Mapped[str] = mapped_column(Text)
    installed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    installed_by: Mapped[str] = mapped_column(String(100))


class ClosureRow(Base):
    """A day an administrator closed a region's offices."""

    __tablename__ = "calendar_closures"
    __table_args__ = (UniqueConstraint("region", "day", name="uq_calendar_closure_region_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(32))
    day: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))


class CaseRow(Base):
    """A case (办件): the latest state, cached from its audit trail, with indexed due dates."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(24), unique=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    office: Mapped[str | None] = mapped_column(String(100), index=True)
    item_key: Mapped[str] = mapped_column(String(64), index=True)
    item_version: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    applicant_type: Mapped[str | None] = mapped_column(String(32))
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_id: Mapped[str] = mapped_column(String(32))
    applicant_id_type: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(32), index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    assignee: Mapped[str | None] = mapped_column(String(100), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    accept_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    promised_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    statutory_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    stage_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    stage_due_key: Mapped[str | None] = mapped_column(String(64))
    # Due and warning instants: indexed by partial indexes over open cases (0003_alerts).
    promised_warn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    statutory_warn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    provisional: Mapped[bool] = mapped_column(Boolean)
    query_hash: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int] = mapped_column(Integer)
    audit_head: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)
    # True exactly in `AGING_STATES`: the predicate of the partial indexes over dues and
    # warning instants (0006_running_flag), so an action that keeps a case ageing and its
    # dues does not rewrite them.
    running: Mapped[bool] = mapped_column(Boolean, server_default=false())


class AuditRow(Base):
    """One audit record; the database refuses UPDATE and DELETE on this table."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("case_no", "seq", name="uq_audit_case_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(24))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    refused: Mapped[bool] = mapped_column(Boolean)
    backdated: Mapped[bool] = mapped_column(Boolean)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The record's format, which defines its hash input (0007_item_definitions): rows
    # written before it are format 1.
    format: Mapped[int] = mapped_column(Integer, server_default="1")


class CaseCounterRow(Base):
    """The last case sequence number given out per region and day of receipt."""

    __tablename__ = "case_counters"

    region: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class AlertRow(Base):
    """A warning or red card raised once per (case, level, due kind, due instant)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("case_id", "level", "due_kind", "due_at", name="uq_alert_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    case_no: Mapped[str] = mapped_column(String(24))
    region: Mapped[str] = mapped_column(String(32))
    office: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(8))
    due_kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    scan_id: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(32))


class RouteRow(Base):
    """Where a region's (or an office's) alerts go: a supervisor's e-mail or a group robot."""

    __tablename__ = "alert_routes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    office: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))
    options: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean)


class DeliveryRow(Base):
    """One message to one route: pending until sent, retried with backoff."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("dedup_key", "route_id", name="uq_delivery_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(120))
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)
    route_id: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    subject: Mapped[str] = mapped_column(String(300))
    markdown: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


class ScanQueueRow(Base):
    """A case written since the last deadline scan (one row per write; 0005_scan_queue)."""

    __tablename__ = "scan_queue"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer)


class ScanRow(Base):
    """The ledger of deadline scans: one row per scheduled slot, whoever ran it."""

    __tablename__ = "scan_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot: Mapped[str] = mapped_column(String(40), unique=True)
    as_of: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    node: Mapped[str] = mapped_column(String(100))
    new_alerts: Mapped[int] = mapped_column(Integer)
    closed_alerts: Mapped[int] = mapped_column(Integer)
    # Run with pending-case bookkeeping, so a later scan may start from it.
    tracked: Mapped[bool] = mapped_column(Boolean, server_default=false())


class UserRow(Base):
    """A staff account; the password is stored only as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(32))
    office: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TokenRow(Base):
    """A bearer token (stored hashed) and when it expires."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class FailureRow(Base):
    """A failed login or public query, for rate limiting (by key: user name or case number)."""

    __tablename__ = "auth_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class RatingRow(Base):
    """The applicant's one 好差评 rating of a completed case."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(24), unique=True)
    region: Mapped[str] = mapped_column(String(32))
    item_key: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ItemDefinitionRow(Base):
    """An item definition some case was opened under, as canonical JSON, by version."""

    __tablename__ = "item_definitions"
    __table_args__ = (
        UniqueConstraint("region", "item_key", "version", name="uq_item_definition_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(32))
    item_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    definition: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

"""The outbox of events for the provincial platform.

``exchange_events``: one row per action the platform is told about (受理, 不予受理, 补正告知,
补正受理, 特别程序, 延期, 办结, 撤回 …), written in the action's own transaction; its
idempotency key (``event_key``), its place in the case (``case_no``, ``seq``), the event as
sent (``payload``, JSON) and the columns a leased push worker needs (``status``,
``attempts``, ``next_attempt_at``, ``lease_owner``, ``lease_until``, ``sending_attempt``).
Actions taken before this revision have no events: the outbox starts empty.

Revision ID: 0021_exchange_outbox
Revises: 0020_delivery
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_exchange_outbox"
down_revision = "0020_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_key", sa.String(80), nullable=False, unique=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("office", sa.String(100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sending_attempt", sa.Integer, nullable=True),
        sa.UniqueConstraint("case_no", "seq", name="uq_exchange_case_seq"),
    )
    op.create_index("ix_exchange_events_status", "exchange_events", ["status", "next_attempt_at"])
    op.create_index("ix_exchange_events_at", "exchange_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_exchange_events_at", "exchange_events")
    op.drop_index("ix_exchange_events_status", "exchange_events")
    op.drop_table("exchange_events")

"""Platform events without a stored idempotency key: ``exchange_events.event_key`` is
dropped, with its unique index.

The key is ``jingban-<case number>-<seq>`` (`jingban.storage.exchange_events.event_key`),
made from two columns the row keeps, whose pair is already unique (``uq_exchange_case_seq``),
so the stored copy and its index held nothing the row did not; the store makes the key when
it reads an event. The downgrade writes it back from those columns.

Revision ID: 0029_exchange_key
Revises: 0028_compact_audit
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_exchange_key"
down_revision = "0028_compact_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exchange_events") as batch:
        batch.drop_column("event_key")


def downgrade() -> None:
    with op.batch_alter_table("exchange_events") as batch:
        batch.add_column(sa.Column("event_key", sa.String(80), nullable=True))
    text = "'jingban-' || case_no || '-' || CAST(seq AS VARCHAR(12))"
    op.execute(f"UPDATE exchange_events SET event_key = {text}")
    with op.batch_alter_table("exchange_events") as batch:
        batch.alter_column("event_key", existing_type=sa.String(80), nullable=False)
        batch.create_unique_constraint("exchange_events_event_key_key", ["event_key"])

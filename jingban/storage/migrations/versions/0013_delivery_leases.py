"""Deliveries claimed with a lease, keyed for the channel, rendered when sent.

``alert_deliveries`` gains:

- ``kind``: what the row is about, so its text can be rendered when it is sent rather than
  when it was queued — ``alert`` (its ``alert_id`` names the alert, whose case gives the
  current dues), ``digest`` (its route and ``dedup_key`` name the region and office) or
  ``text`` (a fixed message, sent as stored). Existing rows are classified from their
  ``alert_id`` and ``dedup_key``.
- ``token``: a random key of the delivery, the base of the idempotency key a channel is
  sent (webhook ``Idempotency-Key``, e-mail ``Message-ID``). Existing rows get one each.
- ``lease_owner`` and ``lease_until``: the worker that claimed the row and until when; a
  worker marks a row only while it holds it, and an expired lease is taken over.
- ``sending_attempt``: the attempt a worker began and whose outcome is not recorded yet;
  a worker that takes the row over resends that attempt, same text and same key.

Revision ID: 0013_delivery_leases
Revises: 0010_accounts_password
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_delivery_leases"
down_revision = "0012_audit_refusals"
branch_labels = None
depends_on = None

_RANDOM_TOKEN = {
    "sqlite": "lower(hex(randomblob(16)))",
    "postgresql": "md5(random()::text || clock_timestamp()::text || id::text)",
}


def upgrade() -> None:
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.add_column(sa.Column("kind", sa.String(16)))
        batch.add_column(sa.Column("token", sa.String(32)))
        batch.add_column(sa.Column("lease_owner", sa.String(100)))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("sending_attempt", sa.Integer))
    dialect = op.get_bind().dialect.name
    op.execute(
        "UPDATE alert_deliveries SET kind = CASE"
        " WHEN alert_id IS NOT NULL THEN 'alert'"
        " WHEN dedup_key LIKE 'digest:%' THEN 'digest'"
        " ELSE 'text' END,"
        f" token = {_RANDOM_TOKEN[dialect]}"
    )
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.alter_column("kind", existing_type=sa.String(16), nullable=False)
        batch.alter_column("token", existing_type=sa.String(32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.drop_column("sending_attempt")
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
        batch.drop_column("token")
        batch.drop_column("kind")

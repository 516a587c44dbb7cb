"""The queue of cases written since the last scan; scans that can serve as the next one's base.

Every write of a case (a registration, an action, a recalculation) appends its id to
``scan_queue`` in the same transaction; the deadline scan re-evaluates exactly those cases
besides the thresholds crossed since its base, then deletes the queue rows it read — a write
that races the scan leaves a row for the next one. A queue rather than a flag on the case:
clearing a flag rewrites the case row and, on PostgreSQL, every index of the table.
``scan_runs.tracked`` marks the scans run with this bookkeeping: scans recorded before it
cannot be a base, so the first scan after the upgrade is a full one.

Revision ID: 0005_scan_queue
Revises: 0004_accounts
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_scan_queue"
down_revision = "0004_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scan_queue",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
    )
    # Plain ADD COLUMN (not batch mode): SQLite alters the table in place.
    op.add_column(
        "scan_runs", sa.Column("tracked", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.create_index("ix_scan_runs_as_of", "scan_runs", ["as_of"])


def downgrade() -> None:
    op.drop_index("ix_scan_runs_as_of", table_name="scan_runs")
    op.drop_column("scan_runs", "tracked")
    op.drop_table("scan_queue")

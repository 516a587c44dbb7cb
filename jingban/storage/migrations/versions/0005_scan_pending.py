"""Cases changed since the last scan; scans that can serve as the next one's base.

Every write of a case (an action, a recalculation, a registration) sets ``scan_pending``;
the scan re-evaluates exactly those cases besides the thresholds crossed since its base, and
clears the flag at the version it read. ``scan_runs.tracked`` marks scans run with this
bookkeeping: scans recorded before it cannot be a base, so the first scan after the upgrade
is a full one.

Revision ID: 0005_scan_pending
Revises: 0004_accounts
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_scan_pending"
down_revision = "0004_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (not batch mode): SQLite then alters the table in place instead of
    # copying it, which would also drop the planner's statistics.
    op.add_column(
        "cases", sa.Column("scan_pending", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column(
        "scan_runs", sa.Column("tracked", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.execute("CREATE INDEX ix_cases_scan_pending ON cases (id) WHERE scan_pending")
    op.create_index("ix_scan_runs_as_of", "scan_runs", ["as_of"])


def downgrade() -> None:
    op.drop_index("ix_scan_runs_as_of", table_name="scan_runs")
    op.drop_index("ix_cases_scan_pending", table_name="cases")
    with op.batch_alter_table("scan_runs") as batch:
        batch.drop_column("tracked")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("scan_pending")

"""Cases remember when their result must have reached the applicant (送达).

``delivery_due`` is set when a case ends with a result to hand over (办结, 审核不通过,
不予受理): a configurable number of working days after the decision. Recording how the
result was delivered (the ``deliver`` action) clears it. While set, and once passed, the
deadline scan raises a card (`jingban.engine.levels.RULES`), through a partial index that
holds only the cases whose result is awaited. Cases that ended before this revision are
taken as delivered: nothing is backfilled.

Revision ID: 0020_delivery
Revises: 0019_attachments
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_delivery"
down_revision = "0019_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (not batch mode): SQLite alters the table in place.
    op.add_column("cases", sa.Column("delivery_due", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "CREATE INDEX ix_cases_delivery_due ON cases (delivery_due) WHERE delivery_due IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_cases_delivery_due", table_name="cases")
    op.drop_column("cases", "delivery_due")

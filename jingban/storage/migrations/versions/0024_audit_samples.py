"""稽核 sampling: ``audit_samples`` (one per region and month, with the seed of its draw) and
``audit_sample_cases`` (the cases drawn). New tables only; nothing existing changes.

Revision ID: 0024_audit_samples
Revises: 0023_feedback
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_audit_samples"
down_revision = "0023_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_samples",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("rate", sa.String(16), nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("population", sa.Integer, nullable=False),
        sa.Column("drawn", sa.Integer, nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("region", "month", name="uq_audit_samples_region_month"),
    )
    op.create_table(
        "audit_sample_cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sample_id", sa.Integer, nullable=False),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.UniqueConstraint("sample_id", "case_no", name="uq_audit_sample_cases"),
    )


def downgrade() -> None:
    op.drop_table("audit_sample_cases")
    op.drop_table("audit_samples")

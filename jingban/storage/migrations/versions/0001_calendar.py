"""Calendar overlays: imported holiday notices and local closures.

Revision ID: 0001_calendar
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_calendar"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("source_url", sa.String(500), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("installed_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("scope", "year", name="uq_calendar_notice_scope_year"),
    )
    op.create_table(
        "calendar_closures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("region", "day", name="uq_calendar_closure_region_day"),
    )


def downgrade() -> None:
    op.drop_table("calendar_closures")
    op.drop_table("calendar_notices")

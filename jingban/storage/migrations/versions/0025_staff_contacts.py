"""Staff contact details: ``staff_contacts`` (e-mail, mobile, WeCom and DingTalk user ids,
one row per account). A new table only; nothing existing changes.

Revision ID: 0025_staff_contacts
Revises: 0024_audit_samples
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_staff_contacts"
down_revision = "0024_audit_samples"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_contacts",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("mobile", sa.String(20), nullable=True),
        sa.Column("wecom_id", sa.String(64), nullable=True),
        sa.Column("dingtalk_id", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff_contacts")

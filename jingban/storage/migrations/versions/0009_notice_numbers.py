"""Notice numbers in the office's 文号 style, numbered without gaps.

``notice_counters`` keeps the last sequence number given out per region, office short name,
notice code (受, 告 …) and Beijing year; an action that prints a notice takes the next one in
its own transaction (``jingban.storage._notice_numbers``) and records the formatted number in
its audit payload (``notice_no``). Notices issued before this revision have no stored number
and keep printing the one they always had (case number and audit sequence).

Revision ID: 0009_notice_numbers
Revises: 0008_case_search
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_notice_numbers"
down_revision = "0008_case_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_counters",
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("office_short", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notice_counters")

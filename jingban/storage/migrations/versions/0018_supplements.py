"""Supplement deadlines that lapse, 容缺受理 and 告知承诺.

``followup_dues``: every due a one-time notice (补正期限), a 容缺 acceptance (each deferred
material) or an undertaking (each 核查) sets, and its closing, one row per action (append-only;
the latest row of a case, kind and name is in force). ``followups``: the reminders, cards and
lapses the follow-up run raised, once each. Both start empty: no stored case has a supplement
deadline before this revision, so cases waiting for a supplement keep waiting without one.

Revision ID: 0018_supplements
Revises: 0017_applicant_messages
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_supplements"
down_revision = "0017_applicant_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followup_dues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.UniqueConstraint("case_no", "kind", "name", "seq", name="uq_followup_dues_key_seq"),
    )
    op.create_index("ix_followup_dues_due_at", "followup_dues", ["due_at"])
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("office", sa.String(100), nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("case_no", "kind", "name", "due_at", name="uq_followups_once"),
    )
    op.create_index("ix_followups_closed_at", "followups", ["closed_at"])


def downgrade() -> None:
    op.drop_table("followups")
    op.drop_table("followup_dues")

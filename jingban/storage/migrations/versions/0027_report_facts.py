"""Report facts: ``report_facts``, one row per case of the figures the office reports count,
and ``report_months``, their sums per month (`jingban.storage.models_reports`), kept
current by an action effect from now on; and an index of ``followup_dues`` by kind, for the
lists of one kind (督办 orders waiting).

Cases stored before this revision have no row until ``jingban report rebuild`` decides
them (on the calendars and item terms only the product knows, not in SQL); the reports say
so while any case lacks one.

Revision ID: 0027_report_facts
Revises: 0026_route_roles
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_report_facts"
down_revision = "0026_route_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_facts",
        sa.Column("case_no", sa.String(24), primary_key=True),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("office", sa.String(100), nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("received_day", sa.Integer, nullable=False),
        sa.Column("accepted_day", sa.Integer, nullable=False),
        sa.Column("ended_day", sa.Integer, nullable=False),
        sa.Column("ended", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("timing", sa.SmallInteger, nullable=False),
        sa.Column("early", sa.SmallInteger, nullable=False),
        sa.Column("used_days", sa.Integer, nullable=False),
        sa.Column("limit_days", sa.Integer, nullable=False),
        sa.Column("acceptor", sa.String(100), nullable=False),
        sa.Column("completer", sa.String(100), nullable=False),
    )
    op.create_index(
        "ix_report_facts_ended",
        "report_facts",
        [
            "ended_day",
            "region",
            "office",
            "item_key",
            "ended",
            "timing",
            "early",
            "used_days",
            "limit_days",
            "completer",
            "received_day",
        ],
    )
    op.create_index(
        "ix_report_facts_received",
        "report_facts",
        ["received_day", "region", "office", "item_key"],
    )
    op.create_index(
        "ix_report_facts_accepted",
        "report_facts",
        ["accepted_day", "region", "office", "item_key", "acceptor"],
    )
    op.create_table(
        "report_months",
        sa.Column("month", sa.Integer, nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("office", sa.String(100), nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("early", sa.Integer, nullable=False),
        sa.Column("used_total", sa.Integer, nullable=False),
        sa.Column("used_counted", sa.Integer, nullable=False),
        sa.Column("ratio_total", sa.Float, nullable=False),
        sa.Column("ratio_counted", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("month", "region", "office", "item_key", "measure"),
    )
    op.create_index("ix_followup_dues_kind", "followup_dues", ["kind", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_followup_dues_kind", table_name="followup_dues")
    op.drop_table("report_months")
    op.drop_table("report_facts")

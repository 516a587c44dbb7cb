"""Ratings per stage (受理, 办结), attributed to the member of staff who handled the stage.

``ratings`` gains ``stage`` (``accept`` or ``complete``; every earlier rating was of the
completed case, so ``complete``), ``office`` and ``staff``, and is unique per case and stage
instead of per case. The table is rebuilt (the unique constraint of 0004 has no name to drop
on SQLite): rows are copied, new ids given.

Revision ID: 0023_feedback
Revises: 0022_archives
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_feedback"
down_revision = "0022_archives"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_COPIED = "case_no, region, item_key, rating, comment, at"


def upgrade() -> None:
    op.create_table(
        "ratings_by_stage",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("office", sa.String(100), nullable=True),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("staff", sa.String(100), nullable=True),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("at", _TS, nullable=False),
        sa.UniqueConstraint("case_no", "stage", name="uq_ratings_case_stage"),
    )
    op.execute(
        f"INSERT INTO ratings_by_stage (stage, office, {_COPIED}) "
        f"SELECT 'complete', (SELECT office FROM cases WHERE cases.case_no = ratings.case_no), "
        f"{_COPIED} FROM ratings ORDER BY id"
    )
    op.drop_table("ratings")
    op.rename_table("ratings_by_stage", "ratings")
    op.create_index("ix_ratings_region_at", "ratings", ["region", "at"])


def downgrade() -> None:
    op.drop_index("ix_ratings_region_at", table_name="ratings")
    op.create_table(
        "ratings_of_cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False, unique=True),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("at", _TS, nullable=False),
    )
    op.execute(
        f"INSERT INTO ratings_of_cases ({_COPIED}) SELECT {_COPIED} FROM ratings "
        "WHERE stage = 'complete' ORDER BY id"
    )
    op.drop_table("ratings")
    op.rename_table("ratings_of_cases", "ratings")

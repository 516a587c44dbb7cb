"""Item definitions kept by version, and the format of each audit record.

``item_definitions`` keeps the canonical JSON of every item definition a case was opened
under (``jingban.workflows.definition``), so an open case is decided under the definition it
started with even after the catalog changes. ``audit_events.format`` names the format each
record was written in; the hash input depends on it. Records already stored are format 1,
which hashes exactly what they were hashed with, so they keep verifying (adding a column
with a default updates no row, so the append-only triggers do not fire).

Revision ID: 0007_item_definitions
Revises: 0006_running_flag
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_item_definitions"
down_revision = "0006_running_flag"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_definitions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("region", "item_key", "version", name="uq_item_definition_version"),
    )
    # Plain ADD COLUMN (not batch mode): SQLite alters the table in place, keeping its rows
    # and triggers.
    op.add_column(
        "audit_events",
        sa.Column("format", sa.Integer, nullable=False, server_default="1"),
    )


def downgrade() -> None:
    op.drop_column("audit_events", "format")
    op.drop_table("item_definitions")

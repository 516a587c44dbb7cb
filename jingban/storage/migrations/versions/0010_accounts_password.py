"""Accounts people manage: a must-change flag, an account event log, closures by office.

``users.must_change_password`` marks an account whose password was set by someone else (an
initial password, an administrator's reset, the demo's published password): it may sign in
only to change it. Existing accounts keep working (false); the demo seeding marks its own.

``account_events`` records every change to an account — created, password changed or reset,
disabled, enabled, display name edited — with who did it and when. Append-only by use: the
store never updates or deletes a row.

``calendar_closures.office`` names the office a closure day applies to; the empty string is
the whole region (not NULL, so that the unique constraint (region, office, day) holds on both
backends: SQL treats NULLs as distinct). Existing closures are the whole region's.

Revision ID: 0010_accounts_password
Revises: 0009_notice_numbers
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_accounts_password"
down_revision = "0009_notice_numbers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False),
    )
    op.create_index("ix_account_events_username", "account_events", ["username", "at"])
    with op.batch_alter_table("calendar_closures") as batch:
        batch.add_column(
            sa.Column("office", sa.String(100), nullable=False, server_default=sa.text("''"))
        )
        batch.drop_constraint("uq_calendar_closure_region_day", type_="unique")
        batch.create_unique_constraint(
            "uq_calendar_closure_region_office_day", ["region", "office", "day"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM calendar_closures WHERE office <> ''")
    with op.batch_alter_table("calendar_closures") as batch:
        batch.drop_constraint("uq_calendar_closure_region_office_day", type_="unique")
        batch.create_unique_constraint("uq_calendar_closure_region_day", ["region", "day"])
        batch.drop_column("office")
    op.drop_index("ix_account_events_username", table_name="account_events")
    op.drop_table("account_events")
    op.drop_column("users", "must_change_password")

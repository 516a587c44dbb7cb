"""The calendar's version and its change log, whose rows are also the recalculation jobs.

``calendar_state`` holds one row: ``version``, raised by one in the same transaction as every
notice import and every closure added or removed. An action reads it with the case row and,
when its process cached calendars of an older version, reloads them before the engine
decides, so no action computes dues from a calendar another process has since changed.

``calendar_changes`` records every such change (what, where, who, when, the reason given for
replacing a shipped official year) and, on the same row, the recalculation it owes the open
cases: ``last_case_id`` is the id of the last case done, ``finished_at`` is set when every
open case in scope is done. A process killed mid-way leaves the row unfinished; the next one
(`jingban calendar recalc`, the scheduler's leader) resumes after ``last_case_id``.

Existing rows: the notices and closures already stored become finished changes of version 1
(their cases were recalculated when they were loaded), so the history starts complete.

Revision ID: 0011_calendar_version
Revises: 0010_accounts_password
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_calendar_version"
down_revision = "0010_accounts_password"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO calendar_state (id, version) VALUES (1, 1)")
    op.create_table(
        "calendar_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("office", sa.String(100), nullable=True),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False, server_default=sa.text("''")),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_case_id", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("recalculated", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute(
        "INSERT INTO calendar_changes (version, kind, region, office, year, detail, actor, at,"
        " finished_at) SELECT 1, 'import', NULL, NULL, year, 'import ' || scope || ' ' ||"
        " number, installed_by, installed_at, installed_at FROM calendar_notices"
    )
    op.execute(
        "INSERT INTO calendar_changes (version, kind, region, office, year, detail, actor, at,"
        " finished_at) SELECT 1, 'close', region, NULLIF(office, ''), NULL, reason,"
        " created_by, created_at, created_at FROM calendar_closures"
    )


def downgrade() -> None:
    op.drop_table("calendar_changes")
    op.drop_table("calendar_state")

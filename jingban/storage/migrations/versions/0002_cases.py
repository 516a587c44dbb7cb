"""Cases, their append-only audit trail, and case-number counters.

Revision ID: 0002_cases
Revises: 0001_calendar
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_cases"
down_revision = "0001_calendar"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]
_PG_TRIGGERS = [
    """CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$""",
    """CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
       FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False, unique=True),
        sa.Column("region", sa.String(32), nullable=False, index=True),
        sa.Column("office", sa.String(100), index=True),
        sa.Column("item_key", sa.String(64), nullable=False, index=True),
        sa.Column("item_version", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("applicant_type", sa.String(32)),
        sa.Column("applicant_name", sa.String(100), nullable=False),
        sa.Column("applicant_id", sa.String(32), nullable=False),
        sa.Column("applicant_id_type", sa.String(40), nullable=False),
        sa.Column("state", sa.String(32), nullable=False, index=True),
        sa.Column("outcome", sa.String(16)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("assignee", sa.String(100), index=True),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("accepted_at", _TS),
        sa.Column("completed_at", _TS, index=True),
        sa.Column("accept_due", _TS, index=True),
        sa.Column("promised_due", _TS, index=True),
        sa.Column("statutory_due", _TS, index=True),
        sa.Column("stage_due", _TS, index=True),
        sa.Column("stage_due_key", sa.String(64)),
        sa.Column("provisional", sa.Boolean, nullable=False),
        sa.Column("query_hash", sa.String(64), nullable=False),
        sa.Column("audit_seq", sa.Integer, nullable=False),
        sa.Column("audit_head", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32)),
        sa.Column("reason", sa.Text),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("refused", sa.Boolean, nullable=False),
        sa.Column("backdated", sa.Boolean, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("case_no", "seq", name="uq_audit_case_seq"),
    )
    op.create_table(
        "case_counters",
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _PG_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    op.drop_table("case_counters")
    op.drop_table("audit_events")
    op.drop_table("cases")

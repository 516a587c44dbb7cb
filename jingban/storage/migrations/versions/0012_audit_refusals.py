"""Refused attempts outside the case's chain; keyed checkpoints of the audit trail.

``audit_refusals`` keeps every refused attempt from now on, numbered per case without gaps
by one upsert of ``audit_refusal_counts``: a refusal no longer moves ``cases.audit_seq`` and
``audit_head``, so a flood of refused attempts can neither make a real action conflict nor be
dropped after retries. Refusals recorded before this revision stay in ``audit_events`` where
they were written (their hashes chain the records after them), so existing rows need no
change; `jingban audit verify` reads both.

``audit_checkpoints`` and ``audit_checkpoint_entries`` hold keyed checkpoints of every
case's chain head (`jingban.storage.checkpoints`). All four tables but the counts are
append-only at the database, like ``audit_events``.

Revision ID: 0012_audit_refusals
Revises: 0010_accounts_password
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_audit_refusals"
down_revision = "0011_calendar_version"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_APPEND_ONLY = ("audit_refusals", "audit_checkpoints", "audit_checkpoint_entries")


def _sqlite_triggers(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
           BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
           BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
    ]


def _pg_triggers(table: str) -> list[str]:
    return [
        f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION '{table} is append-only'; END $$""",
        f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
           FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
           FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()""",
    ]


def upgrade() -> None:
    op.create_table(
        "audit_refusals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("refusal_no", sa.Integer, nullable=False),
        sa.Column("after_seq", sa.Integer, nullable=False),
        sa.Column("after_hash", sa.String(64), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32)),
        sa.Column("reason", sa.Text),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("backdated", sa.Boolean, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("format", sa.Integer, nullable=False),
        sa.UniqueConstraint("case_no", "refusal_no", name="uq_audit_refusal_case_no"),
    )
    op.create_table(
        "audit_refusal_counts",
        sa.Column("case_no", sa.String(24), primary_key=True),
        sa.Column("last_no", sa.Integer, nullable=False),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("made_at", _TS, nullable=False),
        sa.Column("made_by", sa.String(100), nullable=False),
        sa.Column("slot", sa.String(40), unique=True),
        sa.Column("prev_mac", sa.String(64), nullable=False, unique=True),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_checkpoint_entries",
        sa.Column("checkpoint_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("case_no", sa.String(24), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("refusals", sa.Integer, nullable=False),
        sa.Column("refusal_digest", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_audit_checkpoint_entries_case",
        "audit_checkpoint_entries",
        ["case_no", "checkpoint_id"],
    )
    dialect = op.get_bind().dialect.name
    for table in _APPEND_ONLY:
        for statement in _sqlite_triggers(table) if dialect == "sqlite" else _pg_triggers(table):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in _APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    op.drop_index("ix_audit_checkpoint_entries_case", table_name="audit_checkpoint_entries")
    for table in (*reversed(_APPEND_ONLY), "audit_refusal_counts"):
        op.drop_table(table)

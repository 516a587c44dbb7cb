"""Compact audit records: ``audit_events`` gains ``digest`` (the record's SHA-256 as 32
bytes), and ``hash``, ``prev_hash`` and ``recorded_at`` may be NULL.

Records of format 4 (`jingban.engine.audit`) are stored without what can be derived: their
hash as ``digest`` (not 64 hex characters), no ``prev_hash`` (it is the hash of the record
before them in their case's chain, which the readers supply and the hash still covers), and
no ``recorded_at`` when it equals ``at``. Records already stored (formats 1 and 2) are kept
as they are and verify as before.

On SQLite the table is rebuilt (a column's NOT NULL cannot be dropped in place): its rows are
copied by INSERT … SELECT, which no append-only trigger refuses, and the triggers are made
again on the new table. On PostgreSQL the constraints are dropped in place. A downgrade
writes the derived values back into the compact records (their append-only trigger set
aside for that one statement) before the constraints return.

Revision ID: 0028_compact_audit
Revises: 0027_report_facts
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_compact_audit"
down_revision = "0027_report_facts"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_NULLABLE = (("hash", sa.String(64)), ("prev_hash", sa.String(64)), ("recorded_at", _TS))
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def upgrade() -> None:
    if _sqlite():
        with op.batch_alter_table("audit_events", recreate="always") as batch:
            batch.add_column(sa.Column("digest", sa.LargeBinary, nullable=True))
            for name, type_ in _NULLABLE:
                batch.alter_column(name, existing_type=type_, nullable=True)
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
        return
    op.add_column("audit_events", sa.Column("digest", sa.LargeBinary, nullable=True))
    for name, type_ in _NULLABLE:
        op.alter_column("audit_events", name, existing_type=type_, nullable=True)


def _hex(column: str) -> str:
    return f"lower(hex({column}))" if _sqlite() else f"encode({column}, 'hex')"


def downgrade() -> None:
    predecessor = (
        f"(SELECT coalesce(p.hash, {_hex('p.digest')}) FROM audit_events p "
        "WHERE p.case_no = audit_events.case_no AND p.seq = audit_events.seq - 1)"
    )
    expand = (
        f"UPDATE audit_events SET hash = coalesce(hash, {_hex('digest')}), "
        f"prev_hash = coalesce(prev_hash, {predecessor}, '{'0' * 64}'), "
        "recorded_at = coalesce(recorded_at, at) "
        "WHERE hash IS NULL OR prev_hash IS NULL OR recorded_at IS NULL"
    )
    if _sqlite():
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(expand)
        with op.batch_alter_table("audit_events", recreate="always") as batch:
            batch.drop_column("digest")
            for name, type_ in _NULLABLE:
                batch.alter_column(name, existing_type=type_, nullable=False)
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
        return
    op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
    op.execute(expand)
    op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change")
    op.drop_column("audit_events", "digest")
    for name, type_ in _NULLABLE:
        op.alter_column("audit_events", name, existing_type=type_, nullable=False)

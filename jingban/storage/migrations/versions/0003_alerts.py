"""Warning instants on cases; alerts, routes, deliveries and the scan ledger.

Revision ID: 0003_alerts
Revises: 0002_cases
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_alerts"
down_revision = "0002_cases"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)

# Cases whose clock runs: only these age and raise alerts. The scan's queries repeat this
# predicate so both SQLite and PostgreSQL use the partial indexes below, whose size follows
# the open cases, not the history.
AGING_STATES = ("submitted", "prereviewed", "accepted", "transferred", "reviewed", "paid")
AGING = "state IN ({})".format(", ".join(f"'{s}'" for s in AGING_STATES))
_PARTIAL = {
    "ix_cases_open_accept_due": ("accept_due", "state IN ('submitted', 'prereviewed')"),
    "ix_cases_open_promised_due": ("promised_due", AGING),
    "ix_cases_open_promised_warn": ("promised_warn_at", AGING),
    "ix_cases_open_statutory_due": ("statutory_due", AGING),
    "ix_cases_open_statutory_warn": ("statutory_warn_at", AGING),
    "ix_cases_open_stage_due": ("stage_due", AGING),
}
_PLAIN_DUE_INDEXES = ("accept_due", "promised_due", "statutory_due", "stage_due")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("promised_warn_at", _TS))
        batch.add_column(sa.Column("statutory_warn_at", _TS))
    for column in _PLAIN_DUE_INDEXES:
        op.drop_index(f"ix_cases_{column}", table_name="cases")
    for name, (column, where) in _PARTIAL.items():
        op.execute(f"CREATE INDEX {name} ON cases ({column}) WHERE {where}")
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False, index=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("office", sa.String(100)),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("due_kind", sa.String(16), nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("raised_at", _TS, nullable=False),
        sa.Column("scan_id", sa.Integer),
        sa.Column("closed_at", _TS, index=True),
        sa.Column("closed_reason", sa.String(32)),
        sa.UniqueConstraint("case_id", "level", "due_kind", "due_at", name="uq_alert_once"),
    )
    op.create_table(
        "alert_routes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("region", sa.String(32), nullable=False, index=True),
        sa.Column("office", sa.String(100)),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dedup_key", sa.String(120), nullable=False),
        sa.Column("alert_id", sa.Integer, index=True),
        sa.Column("route_id", sa.Integer, nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False, index=True),
        sa.Column("last_error", sa.Text),
        sa.Column("sent_at", _TS),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("markdown", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.UniqueConstraint("dedup_key", "route_id", name="uq_delivery_once"),
    )
    op.create_table(
        "scan_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slot", sa.String(40), nullable=False, unique=True),
        sa.Column("as_of", _TS, nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS),
        sa.Column("node", sa.String(100), nullable=False),
        sa.Column("new_alerts", sa.Integer, nullable=False),
        sa.Column("closed_alerts", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scan_runs")
    op.drop_table("alert_deliveries")
    op.drop_table("alert_routes")
    op.drop_table("alerts")
    for name in _PARTIAL:
        op.drop_index(name, table_name="cases")
    for column in _PLAIN_DUE_INDEXES:
        op.create_index(f"ix_cases_{column}", "cases", [column])
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("statutory_warn_at")
        batch.drop_column("promised_warn_at")

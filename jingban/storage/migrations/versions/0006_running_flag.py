"""Cases whose clock runs are marked by a column, and the scan's partial indexes key on it.

The five partial indexes over the open cases' dues and warning instants (0003_alerts) were
defined by ``state IN (…)``. A case's state changes on every action, and SQLite rewrites an
index whose WHERE clause names a column the UPDATE sets, so each action dirtied five index
pages it did not need to: their keys (the dues) rarely change with the state. ``running``
is true exactly for those states and changes only when a case stops or starts ageing
(completion, a supplement request, a suspension, a resume …), so an action that keeps the
case running and its dues leaves these indexes alone. The acceptance-window index keeps its
``state`` predicate: only cases entering or leaving the window touch it.

Revision ID: 0006_running_flag
Revises: 0005_scan_queue
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_running_flag"
down_revision = "0005_scan_queue"
branch_labels = None
depends_on = None

# The ageing states as of this revision (jingban.engine.model.AGING_STATES).
_AGING = "state IN ('submitted', 'prereviewed', 'accepted', 'transferred', 'reviewed', 'paid')"
_INDEXES = {
    "ix_cases_open_promised_due": "promised_due",
    "ix_cases_open_promised_warn": "promised_warn_at",
    "ix_cases_open_statutory_due": "statutory_due",
    "ix_cases_open_statutory_warn": "statutory_warn_at",
    "ix_cases_open_stage_due": "stage_due",
}


def _recreate(where: str) -> None:
    for name, column in _INDEXES.items():
        op.drop_index(name, table_name="cases")
        op.execute(f"CREATE INDEX {name} ON cases ({column}) WHERE {where}")


def upgrade() -> None:
    # Plain ADD COLUMN (not batch mode): SQLite alters the table in place.
    op.add_column(
        "cases", sa.Column("running", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.execute(f"UPDATE cases SET running = ({_AGING})")
    _recreate("running")


def downgrade() -> None:
    _recreate(_AGING)
    op.drop_column("cases", "running")

"""Cases remember when their result must have reached the applicant (送达).

``delivery_due`` is set when a case ends with a result to hand over (办结, 审核不通过,
不予受理): a configurable number of working days after the decision. Recording how the
result was delivered (the ``deliver`` action) clears it. While set, and once passed, the
deadline scan raises a card (`jingban.engine.levels.RULES`), through a partial index that
holds only the cases whose result is awaited. Every change of it is in the audit record's
``dues`` (``"delivery": [before, after]``), so the upgrade refills it from each case's last
audit row that recorded one: a case that went down and up again keeps the deadline its
audit trail holds. Cases that ended before the column first existed have no such row and
are taken as delivered.

Revision ID: 0020_delivery
Revises: 0019_attachments
Create Date: 2026-12-02
"""

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

from jingban.storage.types import UTCDateTime

revision = "0020_delivery"
down_revision = "0019_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (not batch mode): SQLite alters the table in place.
    op.add_column("cases", sa.Column("delivery_due", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "CREATE INDEX ix_cases_delivery_due ON cases (delivery_due) WHERE delivery_due IS NOT NULL"
    )
    _refill_delivery_due()


def _refill_delivery_due() -> None:
    """Set each case's ``delivery_due`` to what its last audit row with a delivery due left."""
    audit = sa.table("audit_events", sa.column("case_no"), sa.column("seq"), sa.column("payload"))
    cases = sa.table("cases", sa.column("case_no"), sa.column("delivery_due", UTCDateTime()))
    conn = op.get_bind()
    last: dict[str, str | None] = {}
    rows = conn.execute(
        sa.select(audit.c.case_no, audit.c.payload)
        .where(audit.c.payload.like('%"delivery"%'))
        .order_by(audit.c.case_no, audit.c.seq)
    )
    for case_no, payload in rows:
        dues = json.loads(payload).get("dues")
        if isinstance(dues, dict) and isinstance(dues.get("delivery"), list):
            last[case_no] = dues["delivery"][1]
    pending = [
        {"number": case_no, "due": dt.datetime.fromisoformat(due.replace("Z", "+00:00"))}
        for case_no, due in last.items()
        if due is not None
    ]
    if pending:
        conn.execute(
            cases.update()
            .where(cases.c.case_no == sa.bindparam("number"))
            .values(delivery_due=sa.bindparam("due")),
            pending,
        )


def downgrade() -> None:
    op.drop_index("ix_cases_delivery_due", table_name="cases")
    op.drop_column("cases", "delivery_due")

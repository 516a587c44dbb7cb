"""Units and agents apply: the acting person's identity number, encrypted.

``case_agents`` holds, for each case whose applicant is a unit (its 经办人) or a person
acting through an agent (委托代理人), that person's whole identity number encrypted under the
server key (`jingban.storage.idcrypt`) and its keyed hash; the case's own data keeps the
applicant kind, a unit's 统一社会信用代码 and the acting person with the number masked. No
existing row changes: every case before this revision is a person acting alone.

Revision ID: 0016_applicant_kinds
Revises: 0015_id_encryption
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_applicant_kinds"
down_revision = "0015_id_encryption"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_agents",
        sa.Column("case_no", sa.String(24), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("id_type", sa.String(40), nullable=False),
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("id_cipher", sa.String(200), nullable=False),
    )
    op.create_index("ix_case_agents_id_hash", "case_agents", ["id_hash"])


def downgrade() -> None:
    """Drops the acting persons' numbers (the cases keep them masked)."""
    op.drop_index("ix_case_agents_id_hash", table_name="case_agents")
    op.drop_table("case_agents")

"""The applicant is told at every milestone: mobile numbers and milestone messages.

``applicant_phones`` holds each case's mobile number encrypted (AES-GCM under the server
key's ``phone-encryption`` key, `jingban.storage.phonecrypt`); the case's data keeps only
the masked form. ``applicant_messages`` holds one row per milestone message decided for a
case (受理, 一次性告知, 补正, 中止, 恢复, 延期, 审核不通过, 拨付, 办结 …), written with the
action; a message to send is a delivery of kind ``sms`` on ``alert_deliveries`` (no route:
the gateway is configured by ``JINGBAN_SMS_URL``). Cases registered before this revision
have no number and get no message rows; nothing existing is rewritten.

Revision ID: 0017_applicant_messages
Revises: 0016_applicant_kinds
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_applicant_messages"
down_revision = "0016_applicant_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applicant_phones",
        sa.Column("case_no", sa.String(24), primary_key=True),
        sa.Column("cipher", sa.String(200), nullable=False),
    )
    op.create_table(
        "applicant_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("delivery_key", sa.String(120), nullable=True),
        sa.UniqueConstraint("case_no", "seq", "action", name="uq_applicant_messages_once"),
    )


def downgrade() -> None:
    op.execute("DELETE FROM alert_deliveries WHERE kind = 'sms'")
    op.drop_table("applicant_messages")
    op.drop_table("applicant_phones")

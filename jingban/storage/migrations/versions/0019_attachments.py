"""Materials kept as files: ``case_files`` and ``file_views``.

``case_files`` lists each file attached to a case's material (its name, type, size and
SHA-256, who attached it and when, and ``seq``, the place in the case's audit chain of the
``attach`` record that chains its digest); the content is stored on disk under its digest.
``file_views`` records every time staff opened an attached file: who, in which role, which
case's file, when. Both start empty.

Revision ID: 0019_attachments
Revises: 0018_supplements
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_attachments"
down_revision = "0018_supplements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("material", sa.String(500), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(16), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("attached_by", sa.String(100), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("case_no", "seq", name="uq_case_files_case_seq"),
    )
    op.create_index("ix_case_files_sha256", "case_files", ["sha256"])
    op.create_table(
        "file_views",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_id", sa.Integer, nullable=False),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("material", sa.String(500), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("viewer", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_file_views_case", "file_views", ["case_no", "at"])
    op.create_index("ix_file_views_at", "file_views", ["at"])


def downgrade() -> None:
    op.drop_index("ix_file_views_at", table_name="file_views")
    op.drop_index("ix_file_views_case", table_name="file_views")
    op.drop_table("file_views")
    op.drop_index("ix_case_files_sha256", table_name="case_files")
    op.drop_table("case_files")

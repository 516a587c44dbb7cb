"""Archive packages of closed cases, their appraisals and destructions.

``archive_packages``: one row per exported package (the case, its closing day, the retention
term it was exported under with its source, the first day after the term, where it was
written and the SHA-256 of its manifest). ``archive_appraisals``: one 鉴定 opinion per person
per package. ``archive_destructions``: the record a destroyed package leaves. New tables
only; nothing existing changes.

Revision ID: 0022_archives
Revises: 0021_exchange_outbox
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_archives"
down_revision = "0021_exchange_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_packages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("package_id", sa.String(24), nullable=False, unique=True),
        sa.Column("case_no", sa.String(24), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("office", sa.String(100), nullable=True),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("closed_on", sa.Date, nullable=False),
        sa.Column("term", sa.String(16), nullable=False),
        sa.Column("term_years", sa.Integer, nullable=True),
        sa.Column("term_source", sa.Text, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("files", sa.Integer, nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_archive_packages_expires", "archive_packages", ["expires_on"])
    op.create_table(
        "archive_appraisals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "package_id",
            sa.String(24),
            sa.ForeignKey("archive_packages.package_id", name="fk_archive_appraisals_package"),
            nullable=False,
        ),
        sa.Column("appraiser", sa.String(100), nullable=False),
        sa.Column("opinion", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("package_id", "appraiser", name="uq_archive_appraisals_person"),
    )
    op.create_table(
        "archive_destructions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "package_id",
            sa.String(24),
            sa.ForeignKey("archive_packages.package_id", name="fk_archive_destructions_package"),
            nullable=False,
            unique=True,
        ),
        sa.Column("destroyed_by", sa.String(100), nullable=False),
        sa.Column("appraisers", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("files_removed", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("archive_destructions")
    op.drop_table("archive_appraisals")
    op.drop_index("ix_archive_packages_expires", table_name="archive_packages")
    op.drop_table("archive_packages")

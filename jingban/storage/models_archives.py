"""The archive tables (0022_archives), on the same `METADATA` as `jingban.storage.models`.

``archive_packages`` records every package exported (one per closed case) with the term it
was exported under; ``archive_appraisals`` the 鉴定 opinions on a package, one per person;
``archive_destructions`` each destruction of a package's files. All three are append-only
(a destruction is a row of its own, the package row stays; no row changes once its
transaction commits), and none of them touches the audit tables.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from jingban.storage.models import METADATA
from jingban.storage.types import UTCDateTime

#: One exported package of one closed case; ``expires_on`` is the first day after its term
#: (NULL: kept permanently).
ARCHIVE_PACKAGES = Table(
    "archive_packages",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("package_id", String(24), unique=True, nullable=False),
    Column("case_no", String(24), nullable=False),
    Column("region", String(32), nullable=False),
    Column("office", String(100), nullable=True),
    Column("item_key", String(64), nullable=False),
    Column("state", String(32), nullable=False),
    Column("closed_on", Date, nullable=False),
    Column("term", String(16), nullable=False),
    Column("term_years", Integer, nullable=True),
    Column("term_source", Text, nullable=False),
    Column("expires_on", Date, nullable=True),
    Column("path", Text, nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("files", Integer, nullable=False),
    Column("exported_at", UTCDateTime(), nullable=False),
    Column("exported_by", String(100), nullable=False),
    Index("ix_archive_packages_expires", "expires_on"),
)

#: An appraisal (鉴定) of a package by one person: the same person appraises a package once.
ARCHIVE_APPRAISALS = Table(
    "archive_appraisals",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column(
        "package_id",
        String(24),
        ForeignKey("archive_packages.package_id", name="fk_archive_appraisals_package"),
        nullable=False,
    ),
    Column("appraiser", String(100), nullable=False),
    Column("opinion", Text, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    UniqueConstraint("package_id", "appraiser", name="uq_archive_appraisals_person"),
)

#: The destruction of a package's files: who, when, under which appraisals, what was removed.
ARCHIVE_DESTRUCTIONS = Table(
    "archive_destructions",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column(
        "package_id",
        String(24),
        ForeignKey("archive_packages.package_id", name="fk_archive_destructions_package"),
        unique=True,
        nullable=False,
    ),
    Column("destroyed_by", String(100), nullable=False),
    Column("appraisers", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("files_removed", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)

"""Tables of materials kept as files (migration 0019_attachments), on the shared `METADATA`.

``case_files`` lists each file attached to a case's material: the row is written in the
same unit as the audit record (action ``attach``) that chains its digest, and names that
record by its place (``seq``). The content itself lives on disk, content-addressed by its
SHA-256 (`jingban.storage.file_blobs`). ``file_views`` records every time staff opened one.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, UniqueConstraint

from jingban.storage.models import METADATA
from jingban.storage.types import UTCDateTime

#: One file attached to one material of a case.
CASE_FILES = Table(
    "case_files",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("case_no", String(24), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("material", String(500), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("content_type", String(16), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("attached_by", String(100), nullable=False),
    Column("attached_at", UTCDateTime(), nullable=False),
    UniqueConstraint("case_no", "seq", name="uq_case_files_case_seq"),
    Index("ix_case_files_sha256", "sha256"),
)

#: Each time a member of staff opened an attached file.
FILE_VIEWS = Table(
    "file_views",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("file_id", Integer, nullable=False),
    Column("case_no", String(24), nullable=False),
    Column("material", String(500), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("viewer", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_file_views_case", "case_no", "at"),
    Index("ix_file_views_at", "at"),
)

"""The tables of 稽核 sampling (0024_audit_samples), on the `METADATA` of
`jingban.storage.models`.

``audit_samples``: one sample per region and month: the rate asked for, the seed the draw
used (so it can be drawn again and checked), the size of the population drawn from and who
drew it when. ``audit_sample_cases``: the cases drawn. Both are append-only; each case's
finding and rectification are actions of its own audit trail (`jingban.engine.audit_checks`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, UniqueConstraint

from jingban.storage.models import METADATA
from jingban.storage.types import UTCDateTime

AUDIT_SAMPLES = Table(
    "audit_samples",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("region", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    Column("rate", String(16), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("population", Integer, nullable=False),
    Column("drawn", Integer, nullable=False),
    Column("drawn_at", UTCDateTime(), nullable=False),
    Column("drawn_by", String(100), nullable=False),
    UniqueConstraint("region", "month", name="uq_audit_samples_region_month"),
)

AUDIT_SAMPLE_CASES = Table(
    "audit_sample_cases",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("sample_id", Integer, nullable=False),
    Column("case_no", String(24), nullable=False),
    UniqueConstraint("sample_id", "case_no", name="uq_audit_sample_cases"),
)

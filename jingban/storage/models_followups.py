"""Tables of supplement deadlines, 容缺 materials and undertakings (0018_supplements), on the
`METADATA` of `jingban.storage.models`.

``followup_dues`` is append-only: each row is written by the action that set or closed a due
(an action effect, in the action's own unit), keyed by the case, the kind (``supplement``,
``deferred``, ``undertaking``), the material or proof (empty for a supplement) and the
action's place in the case's chain; the row with the highest ``seq`` of a key is in force,
open or closed. ``followups`` records what the follow-up run raised — a reminder, a card, a
lapse — once per (case, kind, name, due).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, UniqueConstraint

from jingban.storage.models import METADATA
from jingban.storage.types import UTCDateTime

FOLLOWUP_DUES = Table(
    "followup_dues",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("case_no", String(24), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(500), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("open", Boolean, nullable=False),
    UniqueConstraint("case_no", "kind", "name", "seq", name="uq_followup_dues_key_seq"),
    Index("ix_followup_dues_due_at", "due_at"),
    # The board's and the reports' lists of one kind (督办 orders waiting) (0027_report_facts).
    Index("ix_followup_dues_kind", "kind", "due_at"),
)

FOLLOWUPS = Table(
    "followups",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("case_no", String(24), nullable=False),
    Column("region", String(32), nullable=False),
    Column("office", String(100), nullable=True),
    Column("kind", String(24), nullable=False),
    Column("name", String(500), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("raised_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    UniqueConstraint("case_no", "kind", "name", "due_at", name="uq_followups_once"),
    Index("ix_followups_closed_at", "closed_at"),
)

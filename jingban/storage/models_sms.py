"""The tables of the applicant's milestone messages (0017_applicant_messages), on the same
`METADATA` as `jingban.storage.models`.

``applicant_phones``: the applicant's mobile number of a case, encrypted like the identity
number (`jingban.storage.phonecrypt`); the case row keeps only the masked form.
``applicant_messages``: one row per milestone message decided for a case, written in the
action's own transaction (`jingban.storage.applicant_messages`), append-only in use; the
delivery queue row it names (``delivery_key``) says whether it was sent.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text, UniqueConstraint

from jingban.storage.models import METADATA
from jingban.storage.types import UTCDateTime

APPLICANT_PHONES = Table(
    "applicant_phones",
    METADATA,
    Column("case_no", String(24), primary_key=True),
    Column("cipher", String(200), nullable=False),
)

APPLICANT_MESSAGES = Table(
    "applicant_messages",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("case_no", String(24), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("action", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("note", String(200), nullable=True),
    Column("text", Text, nullable=False),
    Column("delivery_key", String(120), nullable=True),
    UniqueConstraint("case_no", "seq", "action", name="uq_applicant_messages_once"),
)

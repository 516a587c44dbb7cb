"""The table of who acts for an applicant (migration 0016_applicant_kinds), on the schema's
one `METADATA`.

The case's own data (``cases.data``) holds the applicant's kind, a unit's 统一社会信用代码
and the acting person's name, role, document type and *masked* number, which every view
shows. This table holds what must not be there: that person's whole number, encrypted, and
its keyed hash (`jingban.storage.idcrypt`, as ``cases.applicant_id_cipher`` and
``applicant_id_hash`` do for the applicant), one row per case that has one, written in the
registration's own unit (`jingban.storage.case_agents`).
"""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from jingban.storage.models import METADATA

#: The person acting for a case's applicant: a person's 委托代理人 or a unit's 经办人.
CASE_AGENTS = Table(
    "case_agents",
    METADATA,
    Column("case_no", String(24), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("id_type", String(40), nullable=False),
    # HMAC-SHA256 of the normalised number with the server key (storage.keys).
    Column("id_hash", String(64), index=True, nullable=False),
    # The whole number, AES-GCM under the server key (storage.idcrypt), bound to the case.
    Column("id_cipher", String(200), nullable=False),
)

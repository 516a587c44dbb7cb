"""Staff contact details (0025_staff_contacts), on the `METADATA` of
`jingban.storage.models`: where a personal notice reaches a member of staff — an e-mail
address, a mobile number, a 企业微信 (WeCom) and a 钉钉 (DingTalk) user id. One row per
account, replaced by each change (the account event log keeps who changed it when)."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from jingban.storage.models import METADATA
from jingban.storage.types import UTCDateTime

STAFF_CONTACTS = Table(
    "staff_contacts",
    METADATA,
    Column("username", String(64), primary_key=True),
    Column("email", String(200), nullable=True),
    Column("mobile", String(20), nullable=True),
    Column("wecom_id", String(64), nullable=True),
    Column("dingtalk_id", String(64), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)

"""Request bodies of the HTTP API (responses mirror the CLI's --json output)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TokenIn(_Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: str
    username: str
    role: str


class CaseIn(_Body):
    """`jingban case open`'s options."""

    region: str = Field(max_length=32)
    item: str = Field(min_length=1, max_length=100, description="事项编码或名称")
    applicant_name: str = Field(min_length=1, max_length=100)
    applicant_id: str = Field(min_length=1, max_length=40)
    applicant_id_type: str | None = Field(default=None, max_length=40)
    applicant_type: str | None = Field(default=None, max_length=32)
    channel: str | None = Field(default=None, max_length=16, description="window 或 online")
    received_at: dt.datetime | None = Field(default=None, description="收件时间 (带时区)")
    materials: list[str] = Field(default_factory=list, max_length=100)
    all_materials: bool = False


class ActionIn(_Body):
    """`jingban case act`'s options."""

    reason: str | None = Field(default=None, max_length=2000)
    missing: list[str] = Field(default_factory=list, max_length=100)
    materials: list[str] = Field(default_factory=list, max_length=100)
    amount: str | None = Field(default=None, max_length=32, description="金额，单位元")
    account: str | None = Field(default=None, max_length=40)
    voucher: str | None = Field(default=None, max_length=40)
    days: int | None = Field(default=None, ge=1, le=250)
    procedure: str | None = Field(default=None, max_length=20)
    assignee: str | None = Field(default=None, max_length=64)
    at: dt.datetime | None = Field(default=None, description="补录: 实际发生时间 (带时区)")
    expected_version: int | None = Field(default=None, ge=1)


class RatingIn(_Body):
    case_no: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=40)
    rating: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    comment: str | None = Field(default=None, max_length=500)

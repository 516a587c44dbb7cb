"""Request bodies of the HTTP API (responses mirror the CLI's --json output)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, create_model

from jingban.engine.identity import ID_TYPES
from jingban.workflows.actions import PARAMS, Param, param_help
from jingban.workflows.vocabulary import CASE_CHANNELS


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
    applicant_id_type: str | None = Field(
        default=None, max_length=40, json_schema_extra={"enum": [*ID_TYPES, None]}
    )
    applicant_type: str | None = Field(default=None, max_length=32)
    channel: str | None = Field(
        default=None,
        max_length=16,
        description="window 或 online",
        json_schema_extra={"enum": [*CASE_CHANNELS, None]},
    )
    received_at: dt.datetime | None = Field(default=None, description="收件时间 (带时区)")
    materials: list[str] = Field(default_factory=list, max_length=100)
    all_materials: StrictBool = False


# A plain amount in yuan, as `jingban.engine.params.parse_amount_fen` reads it (the schema
# says what the engine accepts; the engine still checks, for every front end).
AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"


class IdentityIn(_Body):
    """Why a whole identity number is asked for (recorded with the access)."""

    reason: str = Field(min_length=1, max_length=500, description="查看事由 (记录在案)")
    purpose: Literal["check", "export", "notice"] = Field(
        default="check", description="用途: check 核对证件、export 审计导出、notice 出具文书"
    )


# How each parameter kind of the action table is typed and bounded in a request body.
_FIELD_KINDS: dict[str, tuple[Any, dict[str, Any]]] = {
    "reason": (str | None, {"default": None, "max_length": 2000}),
    "materials_received": (list[str], {"default_factory": list, "max_length": 100}),
    "materials_missing": (list[str], {"default_factory": list, "max_length": 100}),
    "materials_supplied": (list[str], {"default_factory": list, "max_length": 100}),
    "amount": (
        StrictStr | None,
        {"default": None, "max_length": 32, "pattern": AMOUNT_PATTERN},
    ),
    "account": (str | None, {"default": None, "max_length": 40}),
    "voucher": (str | None, {"default": None, "max_length": 40}),
    "days": (StrictInt | None, {"default": None, "ge": 1}),
    "procedure": (str | None, {"default": None, "max_length": 20}),
    "assignee": (str | None, {"default": None, "max_length": 64}),
    "id_number": (str | None, {"default": None, "max_length": 40}),
}


def _action_field(param: Param) -> tuple[Any, Any]:
    kind, options = _FIELD_KINDS[param.kind]
    settings: dict[str, Any] = {**options, "description": param_help(param.name)}
    if param.maximum is not None:
        settings["le"] = param.maximum
    return kind, Field(**settings)


def _action_body() -> type[BaseModel]:
    """`jingban case act`'s options as a request body: the parameters of every action in
    the action table, typed by kind, plus ``at`` and ``expected_version``."""
    fields: dict[str, Any] = {param.name: _action_field(param) for param in PARAMS}
    fields["at"] = (
        dt.datetime | None,
        Field(default=None, description="补录: 实际发生时间 (带时区)"),
    )
    fields["expected_version"] = (StrictInt | None, Field(default=None, ge=1))
    doc = "`jingban case act`'s options: the parameters of every action in the action table."
    return create_model("ActionIn", __base__=_Body, __doc__=doc, **fields)


if TYPE_CHECKING:

    class ActionIn(_Body):
        """What type checkers see of the generated body below: a model with these fields."""

        expected_version: int | None

else:
    ActionIn = _action_body()


class ProgressIn(_Body):
    """The public progress query: the case number and the query code from the receipt."""

    case_no: str = Field(min_length=1, max_length=40, description="办件编号")
    code: str = Field(min_length=1, max_length=40, description="查询码")


class RatingIn(_Body):
    case_no: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=40)
    rating: StrictInt = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    comment: str | None = Field(default=None, max_length=500)

"""Request bodies of the HTTP API (responses mirror the CLI's --json output)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    create_model,
)
from pydantic_core import PydanticCustomError

from jingban.calendar import SPAN_FIRST, SPAN_LAST, region_keys
from jingban.engine.identity import ID_TYPES, UNIT_ID_TYPE
from jingban.workflows.actions import PARAMS, Param, param_help
from jingban.workflows.applicants import APPLICANT_KINDS
from jingban.workflows.vocabulary import CASE_CHANNELS

# Text that must say something: the bodies strip surrounding whitespace before checking a
# length, so the schema asks for one character that is not whitespace (an unanchored pattern).
NONBLANK = r"\S"
# A case number as a client sends it: region code, date of receipt, sequence and check
# character, with or without the hyphens, in either case. One that has this shape and is still
# wrong (an unregistered region code, an impossible date, a failing check character) names no
# case: 404, with the reason in the message.
CASE_NO_PATTERN = r"^[A-Za-z]{2}-?[0-9]{8}-?[0-9]{5}-?[0-9A-Za-z]$"
# A whole identity number as a search names it: 17 digits and a check character, or letters
# and digits with at least one letter (passports, permits). One of this shape that no document
# type accepts (a failing check character) finds no case, and the answer says why.
ID_NUMBER_PATTERN = r"^(?:[0-9]{17}[0-9Xx]|[0-9A-Za-z]*[A-Za-z][0-9A-Za-z]*)$"


def region_enum(schema: dict[str, Any]) -> None:
    """JSON Schema hook: the keys of the registered regions, read when the OpenAPI document
    is generated (a data directory's ``regions.toml`` may add regions)."""
    schema["enum"] = list(region_keys())


# The longest limit `GET /api/calendar/due` computes, and the starts it computes from: every
# start the pattern allows, moved by its offset and by the longest limit in any unit (months
# included), stays inside the calendar's span, so a request the schema allows gets a due date.
DUE_MAX_N = 100
DUE_FIRST_YEAR = SPAN_FIRST.year + 1
DUE_LAST_YEAR = SPAN_LAST.year - DUE_MAX_N // 12 - 1


def _date_pattern(first: int, last: int) -> str:
    """A regular expression for the real calendar days of the years ``first``…``last``."""
    years = "|".join(str(y) for y in range(first, last + 1))
    leap = "|".join(str(y) for y in range(first, last + 1) if calendar.isleap(y))
    days = (
        r"(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
        r"|(?:0[13-9]|1[0-2])-(?:29|30)"
        r"|(?:0[13578]|1[02])-31"
    )
    return f"(?:(?:{years})-(?:{days})|(?:{leap})-02-29)"


_TIME = r"[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_OFFSET = r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
DUE_START_PATTERN = f"^{_date_pattern(DUE_FIRST_YEAR, DUE_LAST_YEAR)}(?:{_TIME}{_OFFSET}?)?$"
"""A start for `GET /api/calendar/due`: a day ``YYYY-MM-DD``, or a time on it (``T`` or a space,
seconds and fraction optional) with or without an offset (without: Beijing time)."""


# The documents a person (applicant or agent) may show: every type but a unit's code.
PERSON_ID_TYPES = tuple(k for k in ID_TYPES if k != UNIT_ID_TYPE)


def _one_of(choices: tuple[str, ...]) -> AfterValidator:
    """A validator that refuses a value outside ``choices`` (the schema lists them as ``enum``),
    so a body is checked whole before anything is looked up."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in choices:
            raise PydanticCustomError(
                "not_a_choice",
                "未知的值 {value}；可用: {choices}",
                {"value": repr(value), "choices": "、".join(choices)},
            )
        return value

    return AfterValidator(check)


def _whole_number(value: object) -> object:
    """A JSON number with no fraction (``3.0``) is the integer it names, as JSON Schema's
    ``integer`` says; anything else is left for the strict integer check to refuse."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def whole_number(ge: int | None = None, le: int | None = None) -> Any:
    """An integer in a JSON body, within ``ge``…``le``: no strings, no booleans, no fractions
    (``3.0`` is 3). The bounds sit on the integer itself, where the schema states them."""
    return Annotated[StrictInt, Field(ge=ge, le=le), BeforeValidator(_whole_number)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TokenIn(_Body):
    username: str = Field(min_length=1, max_length=64, pattern=NONBLANK)
    password: str = Field(min_length=1, max_length=200, pattern=NONBLANK)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: str
    username: str
    role: str


class CaseIn(_Body):
    """`jingban case open`'s options."""

    region: str = Field(max_length=32, json_schema_extra=region_enum)
    item: str = Field(min_length=1, max_length=100, pattern=NONBLANK, description="事项编码或名称")
    applicant_name: str = Field(min_length=1, max_length=100, pattern=NONBLANK)
    applicant_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        pattern=NONBLANK,
        description="证件号码 (个人申请必填；单位以 credit_code 标识)",
    )
    applicant_id_type: Annotated[str | None, _one_of(tuple(ID_TYPES))] = Field(
        default=None, max_length=40, json_schema_extra={"enum": [*ID_TYPES, None]}
    )
    applicant_type: str | None = Field(default=None, max_length=32)
    channel: Annotated[str | None, _one_of(CASE_CHANNELS)] = Field(
        default=None,
        max_length=16,
        description="window 或 online",
        json_schema_extra={"enum": [*CASE_CHANNELS, None]},
    )
    received_at: dt.datetime | None = Field(default=None, description="收件时间 (带时区)")
    materials: list[str] = Field(default_factory=list, max_length=100)
    all_materials: StrictBool = False
    # Who applies and who acts for them (`jingban.engine.parties`).
    applicant_kind: Annotated[str | None, _one_of(tuple(APPLICANT_KINDS))] = Field(
        default=None,
        max_length=16,
        description="申请人种类: person (个人，缺省) 或 unit (单位)",
        json_schema_extra={"enum": [*APPLICANT_KINDS, None]},
    )
    credit_code: str | None = Field(
        default=None, max_length=40, description="单位的统一社会信用代码 (GB 32100-2015)"
    )
    agent_name: str | None = Field(
        default=None, max_length=100, description="委托代理人 (单位: 经办人) 姓名"
    )
    agent_id: str | None = Field(
        default=None, max_length=40, description="委托代理人 (单位: 经办人) 证件号码"
    )
    agent_id_type: Annotated[str | None, _one_of(PERSON_ID_TYPES)] = Field(
        default=None, max_length=40, json_schema_extra={"enum": [*PERSON_ID_TYPES, None]}
    )
    cross_province: StrictBool = Field(
        default=False, description="跨省办理 (喀什生育待遇等事项网上办理仅支持跨省办理)"
    )
    # The applicant's milestone messages (docs/applicant-messages.md).
    phone: str | None = Field(
        default=None, max_length=24, description="申请人手机号码 (可选，11 位大陆手机号)"
    )
    sms_optout: StrictBool = Field(default=False, description="申请人不接收办理进度短信")


# A plain amount in yuan, as `jingban.engine.params.parse_amount_fen` reads it (the schema
# says what the engine accepts; the engine still checks, for every front end).
AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"


class IdentityIn(_Body):
    """Why a whole identity number is asked for (recorded with the access)."""

    reason: str = Field(
        min_length=1, max_length=500, pattern=NONBLANK, description="查看事由 (记录在案)"
    )
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
    "days": (whole_number(ge=1) | None, {"default": None}),
    "procedure": (str | None, {"default": None, "max_length": 20}),
    "assignee": (str | None, {"default": None, "max_length": 64}),
    "id_number": (str | None, {"default": None, "max_length": 40}),
    "outcome": (str | None, {"default": None, "max_length": 16}),
    "delivery_method": (str | None, {"default": None, "max_length": 16}),
    "tracking": (str | None, {"default": None, "max_length": 100}),
}


def _action_field(param: Param) -> tuple[Any, Any]:
    kind, options = _FIELD_KINDS[param.kind]
    settings: dict[str, Any] = {**options, "description": param_help(param.name)}
    if param.kind == "days":  # bounds inside the union, where the schema states them
        kind = whole_number(ge=1, le=param.maximum) | None
    elif param.maximum is not None:
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
    fields["expected_version"] = (
        whole_number(ge=1) | None,
        Field(default=None),
    )
    doc = "`jingban case act`'s options: the parameters of every action in the action table."
    return create_model("ActionIn", __base__=_Body, __doc__=doc, **fields)


if TYPE_CHECKING:

    class ActionIn(_Body):
        """What type checkers see of the generated body below: a model with these fields."""

        expected_version: int | None

else:
    ActionIn = _action_body()


if TYPE_CHECKING:

    class BatchCaseIn(ActionIn):
        """What type checkers see of the generated model below."""

        case_no: str

else:
    BatchCaseIn = create_model(
        "BatchCaseIn",
        __base__=ActionIn,
        __doc__="One case of a batch: its number and the action's parameters for it.",
        case_no=(str, Field(min_length=1, max_length=40, pattern=NONBLANK, description="办件编号")),
    )


class BatchIn(_Body):
    """批量审核 / 批量拨付: the cases, each with its own parameters (a payment's amount)."""

    cases: list[BatchCaseIn] = Field(min_length=1, max_length=200, description="办件 (至多 200 件)")


class ProgressIn(_Body):
    """The public progress query: the case number and the query code from the receipt."""

    case_no: str = Field(min_length=1, max_length=40, pattern=NONBLANK, description="办件编号")
    code: str = Field(min_length=1, max_length=40, pattern=NONBLANK, description="查询码")


class RatingIn(_Body):
    case_no: str = Field(min_length=1, max_length=40, pattern=NONBLANK)
    code: str = Field(min_length=1, max_length=40, pattern=NONBLANK)
    rating: Annotated[StrictInt, Field(ge=1, le=5), BeforeValidator(_whole_number)] = Field(
        description="5 非常满意 … 1 非常不满意"
    )
    comment: str | None = Field(default=None, max_length=500)
    stage: Literal["accept", "complete"] = Field(
        default="complete", description="评价的环节: accept 受理, complete 办结 (缺省)"
    )


class AppealIn(_Body):
    """An applicant's appeal (申诉) of a 差评 the office found 不属实."""

    case_no: str = Field(min_length=1, max_length=40, pattern=NONBLANK)
    code: str = Field(min_length=1, max_length=40, pattern=NONBLANK)
    text: str = Field(min_length=1, max_length=500, pattern=NONBLANK, description="申诉理由")

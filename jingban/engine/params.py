"""The parameters an action may carry, and their validation into the forms the engine keeps."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from types import MappingProxyType
from typing import Any

from jingban.calendar import BEIJING
from jingban.engine import delivery
from jingban.engine.free_text import checked_characters, checked_text
from jingban.engine.material_choices import choose_materials, unmet_materials
from jingban.engine.model import Case
from jingban.engine.roles import Colleague
from jingban.errors import BadInput
from jingban.workflows import Item
from jingban.workflows.actions import ACTION_DEFS, ACTIONS, PARAM_KINDS, ActionDef, Param

SUSPEND_PROCEDURES = (
    "公示",
    "评估",
    "现场核查",
    "专家评审",
    "协商谈判",
    "听证",
    "检验",
    "鉴定",
    "检测",
)
_ACCOUNT = re.compile(r"[0-9]{8,30}")
_ACCOUNT_SEPARATORS = re.compile(r"[\s\-]")
# A plain amount: ASCII digits without leading zeros (at most 10, beyond any allowed amount)
# and up to 2 decimals.
_PLAIN_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,9})(?:\.[0-9]{1,2})?", re.ASCII)
_VOUCHER = re.compile(r"[0-9A-Za-z\-_/]{1,40}")
EARLIEST = dt.datetime(2000, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
MAX_AMOUNT_FEN = 10**10  # one hundred million yuan: the bound of the format, above any region's


@dataclass(frozen=True, slots=True)
class ActionParams:
    """What a staff member gives with an action; which fields matter depends on the action."""

    reason: str | None = None
    missing: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    amount: str | None = None
    account: str | None = None
    voucher: str | None = None
    days: int | None = None
    procedure: str | None = None
    assignee: str | None = None
    # The applicant's identity number typed again to reissue the query code: compared, never
    # stored, and left out of the repr so no log line can carry it.
    id_number: str | None = field(default=None, repr=False)
    # 送达: the delivery method and, by post, the carrier and tracking number.
    method: str | None = None
    tracking: str | None = None
    at: dt.datetime | None = None
    # 容缺受理 and 告知承诺: deferred materials, their due in working days, proofs replaced by
    # an undertaking, and a check's outcome (pass/fail).
    deferred: tuple[str, ...] = ()
    due_days: int | None = None
    proofs: tuple[str, ...] = ()
    outcome: str | None = None
    # The account named by ``assignee``, when it is a known one: looked up by the services
    # layer (the engine does no I/O) so the reassignment can be checked.
    assignee_account: Colleague | None = None
    # Whether ``id_number`` is the case's, as the store found by comparing keyed hashes (the
    # case holds only the masked number once stored; the engine has no key).
    identity_matches: bool | None = None

    @classmethod
    def of(cls, values: Mapping[str, object]) -> ActionParams:
        """The parameters among ``values`` (an API body, CLI options, a console form), by
        field name: absent or empty ones are left unset, lists become tuples, other names
        are ignored. The one way every front end builds an action's parameters."""
        found: dict[str, Any] = {}
        for name in _FIELDS:
            value = values.get(name)
            if value is None or value == "" or value == []:
                continue
            found[name] = tuple(value) if isinstance(value, list | tuple) else value
        return cls(**found)


# Set by the services layer, never taken from what a person sends.
_DERIVED = frozenset({"assignee_account", "identity_matches"})
_FIELDS = tuple(f.name for f in dataclass_fields(ActionParams) if f.name not in _DERIVED)


ParamValue = str | int | tuple[str, ...] | None
"""A parameter's value as given (an `ActionParams` field) and once validated: text, a count
(working days, fen), material names; None when not given."""


def _text(value: ParamValue) -> str | None:
    """``value`` when it is text, else None (as if not given)."""
    return value if isinstance(value, str) else None


def _reason(param: Param, action: ActionDef, value: ParamValue) -> ParamValue:
    if param.required:
        return _required_reason(_text(value), action.label)
    if isinstance(value, str):  # an optional note is kept as given, once it may be kept
        if len(value) > 2000:
            raise BadInput("原因过长 (最多 2000 字)")
        checked_text(value, "理由", lines=True)
    return value


def _materials(param: Param, action: ActionDef, value: ParamValue) -> ParamValue:
    # Resolved against the item's list by the handler.
    names = value if isinstance(value, tuple) else tuple(value) if isinstance(value, list) else ()
    if param.required and not names:
        raise BadInput(f"「{action.label}」必须列出{param.label} ({param.name})")
    return names


def _days(param: Param, action: ActionDef, value: ParamValue) -> ParamValue:
    days = value if isinstance(value, int) else None
    if days is None and not param.required:
        return None
    return _required_days(days, action.label, maximum=param.maximum or 250)


def _procedure(param: Param, action: ActionDef, value: ParamValue) -> ParamValue:
    procedure = (_text(value) or "").strip() or None
    if procedure is not None and procedure not in SUSPEND_PROCEDURES:
        raise BadInput(f"未知的特别程序 {procedure!r}；可用: {'、'.join(SUSPEND_PROCEDURES)}")
    return procedure


def _assignee(param: Param, action: ActionDef, value: ParamValue) -> ParamValue:
    assignee = (_text(value) or "").strip()
    if not assignee:
        raise BadInput(f"「{action.label}」必须指定承办人 ({param.name})")
    return checked_characters(assignee, "承办人")


def _id_number(param: Param, action: ActionDef, value: ParamValue) -> ParamValue:
    # Normalised as registration normalises it (`identity.validate_identity`); the handler
    # compares it with the case's number and keeps it nowhere.
    number = re.sub(r"\s", "", _text(value) or "").upper()
    if not number:
        raise BadInput(f"「{action.label}」必须重新输入申请人的完整证件号码 ({param.name})")
    if len(number) > 40:
        raise BadInput(f"证件号码过长 ({param.name})")
    return number


def _outcome(param: Param, action: ActionDef, value: ParamValue) -> ParamValue:
    outcome = (_text(value) or "").strip().lower()
    if outcome not in dict(param.choices):
        listing = "、".join(f"{k} ({v})" for k, v in param.choices)
        raise BadInput(f"「{action.label}」必须给出{param.label} ({param.name})；可用: {listing}")
    return outcome


Validator = Callable[[Param, ActionDef, ParamValue], ParamValue]
VALIDATORS: Mapping[str, Validator] = MappingProxyType(
    {
        "reason": _reason,
        "materials_received": _materials,
        "materials_missing": _materials,
        "materials_supplied": _materials,
        "amount": lambda param, action, value: parse_amount_fen(_text(value), action.label),
        "account": lambda param, action, value: validate_account(_text(value)),
        "voucher": lambda param, action, value: validate_voucher(_text(value)),
        "days": _days,
        "procedure": _procedure,
        "assignee": _assignee,
        "id_number": _id_number,
        "outcome": _outcome,
        "delivery_method": delivery.check_method,
        "tracking": delivery.check_tracking,
    }
)
"""How each parameter kind of the action table (`PARAM_KINDS`) is validated."""
assert set(VALIDATORS) == set(PARAM_KINDS), "every parameter kind has its validator"


def _checks(action: ActionDef) -> tuple[tuple[str, Validator | None, Param], ...]:
    """The action's parameters in the order they are checked: the reason first, then in
    declaration order; each with its validator, None for an optional reason (kept as
    given once `checked_text` passes it: `validated` calls no validator when none is
    given, so most actions validate without a call)."""
    ordered = sorted(action.params, key=lambda param: param.kind != "reason")
    return tuple(
        (param.name, None if _passes(param) else VALIDATORS[param.kind], param) for param in ordered
    )


def _passes(param: Param) -> bool:
    return param.kind == "reason" and not param.required


# Checked on every action: computed once per declared action.
_CHECKS = {action.key: _checks(action) for action in ACTION_DEFS}


class Validated(Mapping[str, ParamValue]):
    """An action's declared parameters once validated (`validated`), by name, with readers
    typed by what each kind's validator returns. A reader raises `KeyError` for a name the
    action does not declare (``text`` answers None), and `TypeError` for a value of another
    kind: both are mistakes in the code, never in the input."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, ParamValue]) -> None:
        self._values = values

    def __getitem__(self, name: str) -> ParamValue:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def text(self, name: str) -> str | None:
        """A text parameter (reason, procedure, assignee …); None when not given or not
        declared."""
        value = self._values.get(name)
        if value is None or isinstance(value, str):
            return value
        raise TypeError(f"parameter {name!r} is not text")

    def given(self, name: str) -> str:
        """A text parameter its validator always fills (account, voucher)."""
        value = self._values[name]
        if isinstance(value, str):
            return value
        raise TypeError(f"parameter {name!r} is not given text")

    def names(self, name: str) -> tuple[str, ...]:
        """A list of material names, as typed (the handler resolves them)."""
        value = self._values[name]
        if isinstance(value, tuple):
            return value
        raise TypeError(f"parameter {name!r} is not a list of names")

    def number(self, name: str) -> int:
        """A whole number its validator always fills (working days, an amount in fen)."""
        value = self._values[name]
        if isinstance(value, int):
            return value
        raise TypeError(f"parameter {name!r} is not a number")


def validated(action: ActionDef, params: ActionParams) -> Validated:
    """The parameters ``action`` declares, each validated by its kind, by name (reason,
    amount in fen, days …); raises `BadInput` naming the first bad one: the reason first,
    then in declaration order. Parameters the action does not declare are ignored."""
    checks = _CHECKS.get(action.key)
    if checks is None or ACTIONS.get(action.key) is not action:
        checks = _checks(action)  # an action not in the table (a test's own)
    values: dict[str, ParamValue] = {}
    for name, check, param in checks:
        value = getattr(params, name)
        if check is None:  # an optional reason: checked only when given
            values[name] = value if value is None else _reason(param, action, value)
        else:
            values[name] = check(param, action, value)
    return Validated(values)


def require_reason(params: ActionParams, label: str) -> str:
    """The stripped reason; raises `BadInput` when it is missing."""
    return _required_reason(params.reason, label)


def _required_reason(value: str | None, label: str) -> str:
    reason = (value or "").strip()
    if not reason:
        raise BadInput(f"「{label}」必须填写原因 (reason)")
    if len(reason) > 2000:
        raise BadInput("原因过长 (最多 2000 字)")
    return checked_text(reason, "理由", lines=True)


def require_days(params: ActionParams, label: str, *, maximum: int = 250) -> int:
    """A positive number of working days; raises `BadInput` otherwise."""
    return _required_days(params.days, label, maximum=maximum)


def _required_days(days: int | None, label: str, *, maximum: int) -> int:
    if days is None or isinstance(days, bool) or not 1 <= int(days) <= maximum:
        raise BadInput(f"「{label}」必须给出 1–{maximum} 之间的工作日数 (days)")
    return int(days)


AMOUNT_HINT = "金额以元为单位，只写阿拉伯数字和至多一个小数点，最多两位小数，如 1234.56"


def parse_amount_fen(text: str | None, label: str = "拨付") -> int:
    """An amount in yuan as integer fen. Only a plain decimal is read: ASCII digits without
    leading zeros, at most one point and 2 decimals, more than 0 and at most
    `MAX_AMOUNT_FEN` (surrounding spaces are dropped). Everything else — exponents (1e10),
    separators (12,34, 1_000), other digits (٣٤, full-width), signs, a unit — is refused
    with `BadInput`, never read as some other number. The region's own bound on a payment
    is checked by the 拨付 handler (`Region.payments`). ``label``: the action asking."""
    if not isinstance(text, str) or not text.strip():
        raise BadInput(f"「{label}」必须填写金额 (amount)：{AMOUNT_HINT}")
    cleaned = text.strip()
    if not _PLAIN_AMOUNT.fullmatch(cleaned):
        shown = cleaned if len(cleaned) <= 32 else cleaned[:32] + "…"
        raise BadInput(f"金额格式不正确: {shown!r}；{AMOUNT_HINT}")
    yuan, _, cents = cleaned.partition(".")
    fen = int(yuan + cents.ljust(2, "0"))
    if fen <= 0:
        raise BadInput(f"金额必须大于 0: {cleaned!r}")
    if fen > MAX_AMOUNT_FEN:
        raise BadInput(f"金额过大，请核对: {cleaned!r}")
    return fen


def yuan_text(fen: int) -> str:
    """An amount in fen as yuan with two decimals (``123456`` → ``1234.56``)."""
    return f"{fen // 100}.{fen % 100:02d}"


def validate_account(text: str | None) -> str:
    """A payee bank account (digits, 8–30, once whitespace and hyphens are dropped); raises
    `BadInput`."""
    if isinstance(text, str):
        account = text.replace(" ", "").replace("-", "")
        if 8 <= len(account) <= 30 and account.isdigit() and account.isascii():
            return account  # the common case: no other separator to drop
    account = _ACCOUNT_SEPARATORS.sub("", text or "")
    if not _ACCOUNT.fullmatch(account):
        raise BadInput("收款账号必须是 8–30 位数字 (account)")
    return account


def validate_voucher(text: str | None) -> str:
    """A voucher number (凭证号); raises `BadInput`."""
    voucher = (text or "").strip()
    if not _VOUCHER.fullmatch(voucher):
        raise BadInput("「拨付」必须填写凭证号 (voucher，字母数字，最多 40 位)")
    return voucher


def resolve_materials(
    item: Item, names: tuple[str, ...] | list[str], applicant_type: str | None
) -> tuple[str, ...]:
    """Canonical material names for what a person typed (exact name, else a unique
    substring of one of the item's materials); a document a material accepts in its place
    (`Material.alternatives`) resolves to itself, so the case records which one was shown.
    Raises `BadInput` naming the unknown ones."""
    if not names:
        return ()
    return choose_materials(item, names, applicant_type)


def missing_required(
    item: Item, checked: tuple[str, ...], applicant_type: str | None, *, agent: bool = False
) -> list[str]:
    """Required materials of the item none of whose choices (the name or an alternative)
    is among ``checked``, in the item's order (with the agent's when ``agent``: someone acts
    for the applicant)."""
    return unmet_materials(item, checked, applicant_type, agent=agent)


def checked_instant(value: dt.datetime, field: str) -> dt.datetime:
    """``value`` in UTC; raises `BadInput` naming ``field`` for a naive time or one outside
    the years the product can count in."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadInput(f"{field}: 时间缺少时区 (如 +08:00)")
    try:
        utc = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise BadInput(f"{field}: 时间 {value.isoformat()} 超出可受理的范围")
    return utc


def step_time(case: Case, at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The instant an action is recorded at: ``now``, or a back-dated ``at`` (paper entered
    late) that is not in the future, not before the receipt and not before the case's last
    recorded step; raises `BadInput`."""
    if at is None:
        return now
    at = checked_instant(at, "at")
    if at > now + dt.timedelta(minutes=5):
        raise BadInput(f"补录时间 {at.isoformat()} 晚于当前时间")
    if at < case.received_at:
        raise BadInput(f"补录时间 {at.isoformat()} 早于收件时间")
    latest = _latest_step(case)
    if at < latest:
        raise BadInput(
            f"补录时间 {at.astimezone(BEIJING):%Y-%m-%d %H:%M} 早于本办件上一步的时间 "
            f"{latest.astimezone(BEIJING):%Y-%m-%d %H:%M}：补录须按办理的先后顺序"
        )
    return at


def _latest_step(case: Case) -> dt.datetime:
    """The latest instant the case records of its own steps (receipt, acceptance, stage
    starts, stops): a back-dated step may not go before it, or the trail would be out of
    order."""
    stamps = list(case.stage_stamps().values())  # receipt, acceptance, completion too
    stamps += [at for at, _ in case.pauses]
    for value in (case.supplement_requested_at, case.suspended_at):
        if value is not None:
            stamps.append(value)
    return max(stamps)

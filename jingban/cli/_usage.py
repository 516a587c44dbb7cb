"""Usage errors (click's, in English) as one Chinese line a clerk can act on.

Promises: every `click.UsageError` becomes a message naming the option or argument and what
it should be, followed by the command to run for help; the exit code stays click's (2).
"""

from __future__ import annotations

import re
from typing import Any

# Typer carries its own copy of click; its usage errors are these classes.
from typer._click import exceptions as click
from typer._click.core import Parameter
from typer.core import TyperOption

_VALUE = re.compile(r"^(['\"].*['\"]) is not")
_EXTRA = re.compile(r"^Got unexpected extra arguments? \((.*)\)")
_NO_COMMAND = re.compile(r"^No such command '(.*?)'\.(?: Did you mean '(.*?)'\?)?")


def usage_message(exc: click.UsageError) -> str:
    """The Chinese line for ``exc``."""
    path = exc.ctx.command_path if exc.ctx is not None else "jingban"
    return f"{_what(exc)} (运行 {path} --help 查看用法)"


def _what(exc: click.UsageError) -> str:
    if isinstance(exc, click.MissingParameter):
        kind = "选项" if isinstance(exc.param, TyperOption) else "参数"
        return f"缺少{kind} {_name(exc.param)}" if exc.param else "缺少必填参数"
    if isinstance(exc, click.BadParameter):
        return f"{_name(exc.param)}: {_expected(exc)}"
    if isinstance(exc, click.NoSuchOption):
        hint = f"，是否想用 {'、'.join(exc.possibilities)}" if exc.possibilities else ""
        return f"没有选项 {exc.option_name}{hint}"
    if isinstance(exc, click.BadOptionUsage):
        if "requires an argument" in exc.message:
            return f"选项 {exc.option_name} 需要一个值"
        return f"选项 {exc.option_name} 用法不正确"
    if isinstance(exc, click.BadArgumentUsage):
        return "参数用法不正确"
    message = exc.message
    if found := _NO_COMMAND.match(message):
        hint = f"，是否想用 {found.group(2)}" if found.group(2) else ""
        return f"没有命令 {found.group(1)}{hint}"
    if found := _EXTRA.match(message):
        return f"多余的参数: {found.group(1)}"
    if message.startswith("Missing command"):
        return "缺少子命令"
    return f"用法不正确: {message}"


def _name(param: Parameter | None) -> str:
    """How the user typed (or should type) ``param``: its option flags, or the argument's
    help text (up to its first comma) and name."""
    if param is None:
        return "参数"
    if isinstance(param, TyperOption):
        return "/".join(param.opts)
    help_text = re.split(r"[，,(（]", getattr(param, "help", None) or "")[0].strip()
    name = (param.name or "").upper()
    return f"{help_text} ({name})" if help_text else name


# Pydantic's error types (Typer checks values with it), as what the value should be.
_EXPECTED = {
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "enum": "取值不在可选范围内",
    "literal_error": "取值不在可选范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


def _expected(exc: click.BadParameter) -> str:
    """What the value should have been, with the value given."""
    cause: Any = exc.__cause__
    errors = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    first = errors[0] if errors else {}
    value = first.get("input")
    given = f"，收到 {value!r}" if isinstance(value, str) else ""
    what = _EXPECTED.get(first.get("type", ""))
    if what is None:
        found = _VALUE.match(exc.message)
        given = given or (f"，收到 {found.group(1)}" if found else "")
        what = "取值无效"
    return what + given

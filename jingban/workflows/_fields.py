"""Typed readers for raw TOML values, each failing with one message naming file, item, field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NoReturn

from jingban.calendar import UNITS
from jingban.workflows.errors import CatalogError
from jingban.workflows.model import FrozenMap, Limit

ASCII_KEY = re.compile(r"^[a-z][a-z0-9_]*$")

_TYPE_NAMES = {
    str: "字符串",
    int: "整数",
    bool: "布尔值",
    float: "小数",
    list: "数组",
    dict: "表",
}


def type_name(value: object) -> str:
    """Chinese name of a TOML value's type, for messages."""
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


class Where:
    """Where a value sits: the file, the item (key or #position) and a field path prefix."""

    __slots__ = ("file", "item", "prefix")

    def __init__(self, file: str, item: str | None = None, prefix: str = "") -> None:
        self.file = file
        self.item = item
        self.prefix = prefix

    def at(self, prefix: str) -> Where:
        """A location for the fields of a nested table (e.g. ``materials[2]``)."""
        return Where(self.file, self.item, f"{self.prefix}{prefix}.")

    def fail(self, name: str, what: str) -> NoReturn:
        """Raise the one ``CatalogError`` for field ``name`` at this location."""
        owner = f"事项 {self.item}" if self.item is not None else "区域表 [region]"
        raise CatalogError(f"{self.file}: {owner}: 字段 {self.prefix}{name}: {what}")

    def check_fields(self, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
        """Reject a field not in ``allowed`` (a typo must not pass silently)."""
        for name in table:
            if name not in allowed:
                self.fail(name, f"未知字段（可用: {', '.join(allowed)}）")


def get(where: Where, table: Mapping[str, Any], name: str, kind: type, required: bool) -> Any:
    """Return ``table[name]`` checked to be of ``kind``; None if absent and not required."""
    if name not in table:
        if required:
            where.fail(name, "缺少必填字段")
        return None
    value = table[name]
    if type(value) is not kind:
        where.fail(name, f"应为{_TYPE_NAMES[kind]}，实际是{type_name(value)}")
    return value


def text(where: Where, table: Mapping[str, Any], name: str, required: bool = False) -> str | None:
    """A non-blank string field."""
    value = get(where, table, name, str, required)
    if value is not None and not value.strip():
        where.fail(name, "不能为空")
    return value


def texts(where: Where, table: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """An optional array of non-blank strings."""
    values = get(where, table, name, list, False) or []
    for index, value in enumerate(values, 1):
        if type(value) is not str or not value.strip():
            where.fail(f"{name}[{index}]", f"应为非空字符串，实际是{type_name(value)}")
    return tuple(values)


def key(where: Where, table: Mapping[str, Any], name: str) -> str:
    """A required ASCII snake_case identifier."""
    value = text(where, table, name, required=True)
    assert value is not None
    if not ASCII_KEY.match(value):
        where.fail(name, f"“{value}”不是 ASCII snake_case 标识符")
    return value


def choice(
    where: Where, table: Mapping[str, Any], name: str, allowed: tuple[str, ...], required: bool
) -> str | None:
    """A string that must be one of ``allowed``."""
    value = text(where, table, name, required)
    if value is not None and value not in allowed:
        where.fail(name, f"“{value}”不是可用值（可用: {', '.join(allowed)}）")
    return value


def str_map(where: Where, table: Mapping[str, Any], name: str) -> Mapping[str, str]:
    """An optional table of string → non-blank string."""
    value = get(where, table, name, dict, False) or {}
    for sub, entry in value.items():
        if type(entry) is not str or not entry.strip():
            where.fail(f"{name}.{sub}", f"应为非空字符串，实际是{type_name(entry)}")
    return FrozenMap(value)


def limit_from(where: Where, table: Mapping[str, Any]) -> Limit:
    """A limit from a table holding ``value`` and ``unit``; instant limits have value 0."""
    unit = choice(where, table, "unit", UNITS, required=True)
    value = get(where, table, "value", int, True)
    if unit == "instant" and value != 0:
        where.fail("value", "即时办结（instant）的时限值应为 0")
    if unit != "instant" and value <= 0:
        where.fail("value", f"时限值应为正整数，实际是 {value}")
    assert unit is not None
    return Limit(value, unit)


def limit(where: Where, table: Mapping[str, Any], name: str, required: bool) -> Limit | None:
    """A ``{ value, unit }`` field."""
    raw = get(where, table, name, dict, required)
    if raw is None:
        return None
    inner = where.at(name)
    inner.check_fields(raw, ("value", "unit"))
    return limit_from(inner, raw)


def check_promise(where: Where, name: str, statutory: Limit, promised: Limit) -> None:
    """Reject a promised limit longer than the statutory one (when comparable)."""
    if promised.unit == statutory.unit and promised.value > statutory.value:
        where.fail(name, f"承诺时限 {promised} 长于法定时限 {statutory}")
    if promised.unit != "instant" and statutory.unit == "instant":
        where.fail(name, f"法定即时办结，承诺时限却是 {promised}")

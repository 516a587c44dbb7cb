"""The product's TOML data files: one schema mechanism for all of them.

Every data file (region catalogs, the region registry, holiday notices, the packaged Xinjiang
and published-notice lists) is described by a pydantic v2 model built on `FileModel`
(``extra="forbid"``, strict types). `validate` checks parsed TOML against such a model and
raises `SchemaProblem` for the first mistake: where it is (a pydantic location such as
``("items", 1, "materials", 0, "required")``) and what is wrong, in Chinese. Each format turns
that into its own typed error with its own wording (file, item, field, line); `line_of` and
`line_of_field` find the line in the source text.

`data_dir` is the one place that reads ``JINGBAN_DATA_DIR``: a directory whose
``regions.toml`` adds or replaces registry entries and whose ``<region>.toml`` files add or
replace region catalogs (docs/catalog.md, "Adding a region").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import ErrorDetails, PydanticCustomError, core_schema

from jingban.settings import settings

#: The environment variable naming an extra data directory (registry entries and catalogs).
DATA_DIR_ENV = "JINGBAN_DATA_DIR"

ASCII_KEY = re.compile(r"^[a-z][a-z0-9_]*$")

M = TypeVar("M", bound=BaseModel)

_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (bool, "布尔值"),
    (str, "字符串"),
    (int, "整数"),
    (float, "小数"),
    (list, "数组"),
    (dict, "表"),
    (dt.datetime, "日期时间"),
    (dt.date, "日期"),
    (dt.time, "时间"),
)
_EXPECTED = {
    "string_type": "字符串",
    "int_type": "整数",
    "int_from_float": "整数",
    "bool_type": "布尔值",
    "float_type": "小数",
    "list_type": "数组",
    "tuple_type": "数组",
    "dict_type": "表",
    "model_type": "表",
    "model_attributes_type": "表",
    "date_type": "日期",
}


def data_dir() -> Path | None:
    """The extra data directory named by ``JINGBAN_DATA_DIR`` (`jingban.settings`), or None
    when it is unset."""
    value = settings().data_dir
    return Path(value) if value else None


class FileModel(BaseModel):
    """Base of every data-file model: unknown fields are errors and types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SchemaProblem(Exception):
    """The first mistake in a data file: its location in the parsed data and what is wrong."""

    def __init__(
        self, loc: tuple[str | int, ...], what: str, value: object = None, kind: str = ""
    ) -> None:
        super().__init__(what)
        self.loc = loc
        self.what = what
        self.value = value
        self.kind = kind  # the pydantic error type (``missing``, ``extra_forbidden`` …)


def fail(what: str) -> PydanticCustomError:
    """An error for a validator to raise: ``what`` is the Chinese message, kept verbatim."""
    return PydanticCustomError("jingban", "{what}", {"what": what})


def type_name(value: object) -> str:
    """Chinese name of a TOML value's type, for messages."""
    for kind, name in _TYPE_NAMES:
        if type(value) is kind:
            return name
    return type(value).__name__


def _not_blank(value: str) -> str:
    if not value.strip():
        raise fail("不能为空")
    return value


def _ascii_key(value: str) -> str:
    if not ASCII_KEY.match(value):
        raise fail(f"“{value}”不是 ASCII snake_case 标识符")
    return value


#: A non-blank string.
Text = Annotated[str, AfterValidator(_not_blank), Field(min_length=1)]
#: An ASCII snake_case identifier.
Key = Annotated[
    str,
    AfterValidator(_not_blank),
    AfterValidator(_ascii_key),
    Field(json_schema_extra={"pattern": ASCII_KEY.pattern}),
]


@dataclasses.dataclass(frozen=True)
class OneOf:
    """``Annotated[str, OneOf(values)]``: a string that must be one of ``values`` (listed as
    an ``enum`` in the JSON Schema)."""

    values: tuple[str, ...]

    def _check(self, value: str) -> str:
        if value not in self.values:
            raise fail(f"“{value}”不是可用值（可用: {', '.join(self.values)}）")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["enum"] = list(self.values)
        return out


def validate(model: type[M], data: object) -> M:
    """``data`` validated as ``model``; raises `SchemaProblem` for the first mistake."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = _first(exc.errors(include_url=False))
        loc = tuple(error["loc"])
        raise SchemaProblem(
            loc, describe(error, model), error.get("input"), error["type"]
        ) from None


def _first(errors: list[ErrorDetails]) -> ErrorDetails:
    """The error to report: the first one, unless an unknown field sits in the same or an
    enclosing table (a misspelt field name explains the "missing" one)."""
    first = errors[0]
    for error in errors:
        parent = tuple(error["loc"])[:-1]
        if error["type"] == "extra_forbidden" and tuple(first["loc"])[: len(parent)] == parent:
            return error
    return first


def describe(error: ErrorDetails, model: type[BaseModel]) -> str:
    """One pydantic error in Chinese, in the wording the data-file messages use."""
    kind = error["type"]
    value = error.get("input")
    if kind == "jingban":
        return str((error.get("ctx") or {}).get("what", error["msg"]))
    if kind == "missing":
        return "缺少必填字段"
    if kind == "extra_forbidden":
        allowed = fields_at(model, tuple(error["loc"])[:-1])
        return f"未知字段（可用: {', '.join(allowed)}）"
    if kind in _EXPECTED:
        return f"应为{_EXPECTED[kind]}，实际是{type_name(value)}"
    if kind in ("string_too_short", "too_short"):
        return "不能为空"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{value!r} 超出允许范围"
    return str(error["msg"])


def fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[str, ...]:
    """The field names (TOML keys) of the model found at ``loc`` inside ``model``."""
    found = _model_at(model, loc)
    if found is None:
        return ()
    return tuple(field.alias or name for name, field in found.model_fields.items())


def _model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    current: object = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = _field(current, str(part))
            if field is None:
                return None
            current = field
        else:
            args = typing.get_args(current)
            current = args[-1] if args else None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _field(model: type[BaseModel], name: str) -> object:
    for field_name, field in model.model_fields.items():
        if name in (field_name, field.alias):
            return field.annotation
    return None


def _unwrap(annotation: object) -> object:
    """``X`` out of ``Annotated[X, ...]`` and ``X | None``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


class _TomlJsonSchema(GenerateJsonSchema):
    """JSON Schema for TOML files: TOML has no null, so an optional field is simply absent."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])


def json_schema(model: type[BaseModel], title: str) -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of a data-file model, for editors checking a file as
    it is typed."""
    generated = model.model_json_schema(schema_generator=_TomlJsonSchema)
    schema = {
        key: _drop_null_defaults(value)
        for key, value in generated.items()
        if key != "title" and not (key == "default" and value is None)
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, **schema}


def _drop_null_defaults(value: object) -> object:
    if isinstance(value, dict):
        return {
            k: _drop_null_defaults(v)
            for k, v in value.items()
            if not (k == "default" and v is None)
        }
    if isinstance(value, list):
        return [_drop_null_defaults(v) for v in value]
    return value


# -- lines -------------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def line_of(text: str, needle: str) -> int | None:
    """The first line (1-based) of ``text`` containing ``needle`` outside a comment."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle and needle in line.split("#", 1)[0]:
            return number
    return None


def line_of_field(text: str, loc: tuple[str | int, ...]) -> int | None:
    """The line (1-based) of ``text`` that defines the value at ``loc``, as far as it can be
    found: the key's own line, else the header of the table holding it, else None.

    Understands ``[table]`` and ``[[array.of.tables]]`` headers and ``key = …`` lines; a value
    inside an inline table or array is reported at the line of its key.
    """
    lines = text.splitlines()
    start, end = 0, len(lines)
    prefix: list[str] = []
    best: int | None = None
    parts = list(loc)
    i = 0
    while i < len(parts):
        part = str(parts[i])
        following = parts[i + 1] if i + 1 < len(parts) else None
        nth = following if isinstance(following, int) else None
        dotted = ".".join([*prefix, part])
        headers = [
            n for n in range(start, end) if (m := _HEADER.match(lines[n])) and m.group(1) == dotted
        ]
        if headers and (nth is None or nth < len(headers)):
            at = headers[nth or 0]
            start, end = at + 1, _block_end(lines, at + 1, end, dotted)
            prefix.append(part)
            best = at + 1
            i += 2 if nth is not None else 1
            continue
        if nth is None and any(
            (m := _HEADER.match(lines[n])) and m.group(1).startswith(dotted + ".")
            for n in range(start, end)
        ):
            prefix.append(part)  # only a prefix of headers such as [regions.kashgar]
            i += 1
            continue
        key = re.compile(rf'^\s*"?{re.escape(part)}"?\s*=')
        for n in range(start, end):
            if _HEADER.match(lines[n]):
                break
            if key.match(lines[n]):
                return n + 1
        return best
    return best


def _block_end(lines: list[str], start: int, end: int, dotted: str) -> int:
    """The index of the first header after ``start`` that is not inside table ``dotted``."""
    for n in range(start, end):
        m = _HEADER.match(lines[n])
        if m and not m.group(1).startswith(dotted + "."):
            return n
    return end


def loc_text(loc: tuple[str | int, ...]) -> str:
    """A location as a field path: ``materials[1].required`` (array positions count from 1)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else part
    return out


def read_toml_text(data: bytes, error: Callable[[str], Exception]) -> tuple[str, dict[str, Any]]:
    """Decode and parse TOML bytes; ``error`` builds the exception for undecodable text or bad
    syntax from a Chinese message."""
    import tomllib

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"文件不是 UTF-8 编码: {exc}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"TOML 语法错误: {exc}") from None


def item_label(data: Mapping[str, object], list_name: str, index: int) -> str:
    """How messages name the ``index``-th entry of ``data[list_name]``: its ``key`` when that
    is a valid identifier, else ``#<position>``."""
    entries = data.get(list_name)
    if isinstance(entries, list) and index < len(entries):
        entry = entries[index]
        key = entry.get("key") if isinstance(entry, dict) else None
        if isinstance(key, str) and ASCII_KEY.match(key):
            return key
    return f"#{index + 1}"

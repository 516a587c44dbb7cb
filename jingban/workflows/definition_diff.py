"""What changed between two definitions of an item, field by field.

Both definitions are compared in their canonical encoding (`jingban.workflows.definition`):
every leaf that differs is one `Change`, named by its path in that encoding
(``materials[2].name``, ``promised.value``) and by a Chinese label a catalog editor reads
(``申请材料 第3项 名称``). An element present on one side only has None on the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jingban.workflows.definition import encode
from jingban.workflows.model import Item

_FIELD_LABELS = {
    "region": "地区",
    "key": "事项代码",
    "seq": "序号",
    "lines": "原文行号",
    "name": "名称",
    "group": "主项",
    "group_code": "主项编码",
    "code": "子项编码",
    "applicants": "服务对象",
    "channels_text": "办理渠道 (原文)",
    "channels": "办理渠道",
    "limit_text": "办理时限 (原文)",
    "stages_text": "办理环节 (原文)",
    "stages": "办理环节",
    "stages_inferred": "环节为推定",
    "clock_start": "起算",
    "statutory": "法定时限",
    "promised": "承诺时限",
    "legal_basis": "设定依据",
    "notes": "备注",
    "extra": "其他",
    "applicant_types": "申请人类型",
    "stage_limits": "分段时限",
    "materials": "申请材料",
    "variants": "变体",
    "format": "定义格式",
    # Fields inside the elements above.
    "value": "数值",
    "unit": "单位",
    "required": "必需",
    "condition": "条件",
    "applicant_type": "申请人类型",
    "label": "名称",
    "starts": "起点",
    "ends": "终点",
    "limit": "时限",
    "text": "原文",
    "when": "适用条件",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One leaf of the definition that differs: its path, its label, old and new value."""

    path: str
    label: str
    old: object
    new: object


def diff(old: Item, new: Item) -> list[Change]:
    """Every difference between ``old`` and ``new``, in the encoding's field order."""
    return list(_walk(encode(old), encode(new), "", ""))


def _label(name: str) -> str:
    return _FIELD_LABELS.get(name, name)


def _join(path: str, label: str, name: str) -> tuple[str, str]:
    return (f"{path}.{name}" if path else name), (
        f"{label} {_label(name)}" if label else _label(name)
    )


def _walk(old: object, new: object, path: str, label: str) -> Iterator[Change]:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for name in dict.fromkeys([*old, *new]):
            sub_path, sub_label = _join(path, label, name)
            yield from _walk(old.get(name), new.get(name), sub_path, sub_label)
        return
    if isinstance(old, list) and isinstance(new, list) and _is_nested(old, new):
        for index in range(max(len(old), len(new))):
            yield from _walk(
                old[index] if index < len(old) else None,
                new[index] if index < len(new) else None,
                f"{path}[{index}]",
                f"{label} 第{index + 1}项",
            )
        return
    yield Change(path, label, old, new)


def _is_nested(old: list[object], new: list[object]) -> bool:
    """Lists of records are compared element by element; lists of texts as a whole."""
    return any(isinstance(v, dict | list) for v in (*old, *new))

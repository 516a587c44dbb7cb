"""The kinds of file a material may be kept as, told by their content, not only their name.

A scan arrives as PDF, JPEG, PNG, TIFF or OFD (GB/T 33190-2016, the national format for
electronic documents). `file_type` names the kind of an upload from its first bytes and
checks that the file name's extension agrees; an operator narrows the accepted kinds with
``JINGBAN_ATTACHMENT_TYPES`` (docs/configuration.md).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from jingban.errors import BadInput


@dataclass(frozen=True, slots=True)
class FileType:
    """One kind of file: its label, the extensions its name may end in, its media type."""

    label: str
    extensions: tuple[str, ...]
    media_type: str


FILE_TYPES: Mapping[str, FileType] = MappingProxyType(
    {
        "pdf": FileType("PDF", (".pdf",), "application/pdf"),
        "jpg": FileType("JPEG 图片", (".jpg", ".jpeg"), "image/jpeg"),
        "png": FileType("PNG 图片", (".png",), "image/png"),
        "tiff": FileType("TIFF 图片", (".tif", ".tiff"), "image/tiff"),
        "ofd": FileType("OFD 版式文件", (".ofd",), "application/ofd"),
    }
)
"""Every kind of file jingban can keep, by key."""


def _is_ofd(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "OFD.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def sniff(data: bytes) -> str | None:
    """The key of the kind ``data`` is, by its content; None when it is none of them."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if data.startswith(b"PK\x03\x04") and _is_ofd(data):
        return "ofd"
    return None


def checked_types(keys: tuple[str, ...], variable: str) -> tuple[str, ...]:
    """``keys`` (the accepted kinds a setting lists) if each is a kind of `FILE_TYPES`;
    raises `BadInput` naming the ``variable`` that set them otherwise."""
    unknown = [k for k in keys if k not in FILE_TYPES]
    if unknown or not keys:
        known = "、".join(FILE_TYPES)
        raise BadInput(
            f"环境变量 {variable} 应为以逗号分隔的文件类型 ({known}): {','.join(keys)!r}"
        )
    return keys


def file_type(file_name: str, data: bytes, allowed: tuple[str, ...]) -> str:
    """The kind of the upload ``data`` named ``file_name``: one of ``allowed``, told by its
    content, with an extension of that kind. Raises `BadInput` (in words a clerk can act on)
    otherwise."""
    accepted = "、".join(FILE_TYPES[k].label for k in allowed)
    kind = sniff(data)
    if kind is None or kind not in allowed:
        what = "无法识别的文件" if kind is None else f"{FILE_TYPES[kind].label}文件"
        raise BadInput(f"文件 {file_name} 是{what}，不能作为材料附上；可用类型: {accepted}")
    extension = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in FILE_TYPES[kind].extensions:
        wanted = "、".join(FILE_TYPES[kind].extensions)
        raise BadInput(
            f"文件 {file_name} 的内容是{FILE_TYPES[kind].label}，"
            f"扩展名应为 {wanted}，请改名后重新上传"
        )
    return kind

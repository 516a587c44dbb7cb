"""Read region files: any file (``load_region``) or the five packaged ones (``load_catalog``)."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from pathlib import Path

from jingban.workflows._schema import REGION_KEYS, region_from
from jingban.workflows.errors import CatalogError
from jingban.workflows.model import Catalog, FrozenMap, Region


def load_region(path: str | Path) -> Region:
    """Load and validate one region file.

    Raises ``CatalogError`` with one message naming the file, the item and the field of the
    first mistake (or the file alone when it is unreadable or not valid TOML).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path.name}: 无法读取区域数据文件: {exc.strerror}") from None
    return _parse(path.name, _read(path.name, data))


def _read(name: str, data: bytes) -> dict:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{name}: 文件不是 UTF-8 编码: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{name}: TOML 语法错误: {exc}") from None


def _parse(name: str, data: dict) -> Region:
    return region_from(name, data)


@functools.cache
def load_catalog() -> Catalog:
    """Load, validate and cache the packaged catalog: all five regions, in a fixed order.

    Raises ``CatalogError`` if a packaged file is invalid or names another region than its
    file name.
    """
    package = resources.files("jingban.workflows") / "data"
    regions: dict[str, Region] = {}
    for key in REGION_KEYS:
        name = f"{key}.toml"
        try:
            data = (package / name).read_bytes()
        except FileNotFoundError:
            raise CatalogError(f"{name}: 缺少区域数据文件") from None
        region = _parse(name, _read(name, data))
        if region.key != key:
            raise CatalogError(f"{name}: 区域表 [region]: 字段 region.key: 应为“{key}”")
        regions[key] = region
    return Catalog(FrozenMap(regions))

"""Read region files: any file (``load_region``) or every registered region (``load_catalog``).

The region registry (``jingban/calendar/data/regions.toml``) lists the regions; the catalog
of region ``key`` is ``<key>.toml``, taken from the directory named by ``JINGBAN_DATA_DIR``
when it holds one, else from the packaged ``jingban/workflows/data/``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from jingban.calendar import region_keys
from jingban.datafile import data_dir, read_toml_text
from jingban.workflows._convert import region_from
from jingban.workflows.errors import CatalogError
from jingban.workflows.model import Catalog, FrozenMap, Region


def load_region(path: str | Path, known: Sequence[str] | None = None) -> Region:
    """Load and validate one region file; ``known`` are the allowed region keys (default:
    the registry's).

    Raises ``CatalogError`` with one message naming the file, the item, the field and the
    line of the first mistake (or the file alone when it is unreadable or not valid TOML).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path.name}: 无法读取区域数据文件: {exc.strerror}") from None
    return _parse(path.name, data, region_keys() if known is None else known)


def _parse(name: str, data: bytes, known: Sequence[str]) -> Region:
    text, parsed = read_toml_text(data, lambda what: CatalogError(f"{name}: {what}"))
    return region_from(name, parsed, known, text)


def catalog_file(key: str) -> tuple[str, bytes]:
    """The name and content of region ``key``'s catalog file (data directory first, then the
    packaged one); raises ``CatalogError`` when neither exists."""
    name = f"{key}.toml"
    extra = data_dir()
    if extra is not None and (extra / name).is_file():
        try:
            return name, (extra / name).read_bytes()
        except OSError as exc:
            raise CatalogError(f"{extra / name}: 无法读取区域数据文件: {exc.strerror}") from None
    try:
        return name, (resources.files("jingban.workflows") / "data" / name).read_bytes()
    except FileNotFoundError:
        raise CatalogError(f"{name}: 缺少区域数据文件（地区 {key} 已登记）") from None


@functools.cache
def load_catalog() -> Catalog:
    """Load, validate and cache the catalog: one file per registered region, in registry order.

    Raises ``CatalogError`` if a file is missing or invalid or names another region than its
    file name.
    """
    keys = region_keys()
    regions: dict[str, Region] = {}
    for key in keys:
        name, data = catalog_file(key)
        region = _parse(name, data, keys)
        if region.key != key:
            raise CatalogError(f"{name}: 区域表 [region]: 字段 region.key: 应为“{key}”")
        regions[key] = region
    return Catalog(FrozenMap(regions))

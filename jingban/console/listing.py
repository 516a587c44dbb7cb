"""What every paged list of the console shares: reading its filters from the query string,
turning typed search text into a filter, and the links of its pages (which keep the
filters).

Filters come from the query string as text; dates are checked here (a bad one is a
`BadInput` in Chinese). The links are built with `urllib.parse.urlencode`, so typed text
never breaks out of its parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from jingban.errors import BadInput
from jingban.services import Services
from jingban.storage.case_search import MAX_PAGE_SIZE, SORTS, Page

PAGE_SIZES = (20, 50, 100, MAX_PAGE_SIZE)


def day(text: str | None, field: str) -> dt.date | None:
    """A date typed as YYYY-MM-DD (blank: none); `BadInput` naming ``field`` otherwise."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):  # well formed: say it does not exist
            raise BadInput(f"{field}: 日期无效，{value} 不是有效日期") from None
        raise BadInput(f"{field}: 日期无效 {value!r}，应为 YYYY-MM-DD (如 2026-11-23)") from None


def number(text: str | None, field: str, default: int, high: int) -> int:
    """A positive whole number typed (blank: ``default``), at most ``high``."""
    value = (text or "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= high:
        raise BadInput(f"{field}: 应为 1–{high} 之间的整数: {value!r}")
    return int(value)


def page_of(params: Mapping[str, str | None], default_sort: str = "due") -> Page:
    """The page the query string asks for (``page``, ``page_size``, ``sort``)."""
    size = number(params.get("page_size"), "每页件数", 50, MAX_PAGE_SIZE)
    sort = (params.get("sort") or default_sort).strip()
    if sort.removeprefix("-") not in SORTS:
        sort = default_sort
    return Page.parse(number(params.get("page"), "页码", 1, 10**6), size, sort)


def item_names(services: Services) -> dict[str, str]:
    """Item key → the item's name (the first region's that has the key)."""
    names: dict[str, str] = {}
    for region in services.catalog.regions.values():
        for item in region.items:
            names.setdefault(item.key, item.name)
    return names


def pager(path: str, filters: Mapping[str, Any], page: Page, total: int) -> dict[str, Any]:
    """The page links of a list: first, previous, a window of numbers, next, last, each
    keeping ``filters`` (empty ones left out) and the order."""
    pages = max(1, -(-total // page.size))
    kept = {k: v for k, v in filters.items() if v not in (None, "", False)}
    if page.sort_text != "due":
        kept["sort"] = page.sort_text
    if page.size != 50:
        kept["page_size"] = page.size

    def href(n: int) -> str:
        return f"{path}?{urlencode({**kept, 'page': n})}"

    low, high = max(1, page.number - 3), min(pages, page.number + 3)
    return {
        "number": page.number,
        "here": href(page.number),
        "pages": pages,
        "total": total,
        "size": page.size,
        "first": href(1) if page.number > 1 else None,
        "prev": href(page.number - 1) if page.number > 1 else None,
        "next": href(page.number + 1) if page.number < pages else None,
        "last": href(pages) if page.number < pages else None,
        "window": [(n, href(n), n == page.number) for n in range(low, high + 1)],
        "sort_links": {
            key: f"{path}?{urlencode({**kept, 'sort': _toggle(page, key)})}" for key in SORTS
        },
        "sort": page.sort,
        "descending": page.descending,
    }


def _toggle(page: Page, key: str) -> str:
    """The order a column's header link asks for: this column, reversed if already so."""
    if page.sort == key and not page.descending:
        return "-" + key
    return key

"""Cases decoded from list rows, remembered by the stored row itself.

A list page decodes every case it shows — the JSON of its data, its times, the strings it
shares with other cases — and an office's staff page through the same open cases all day
(the office load: a sixth of the server's CPU went to decoding). The key is the row as the
driver returned it, every column read: a case whose row changed in any column is another
key, so a remembered case is always the decoding of exactly the row just read, whatever
wrote it. Each call returns a fresh shallow copy (`Case.copy`, what the engine takes before
it changes a case), so no caller sees another's changes. Bounded (least recently used out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from jingban.engine.model import Case
from jingban.storage._case_rows import case_from_mapping
from jingban.storage._fast import read_mapping

CACHE_SIZE = 2048


class DecodedCases:
    """Rows of `case_search.LIST_COLUMNS` → `Case`, remembered (see the module's text)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._found: OrderedDict[tuple[object, ...], Case] = OrderedDict()
        self._lock = threading.Lock()

    def case(self, row: Sequence[object]) -> Case:
        """The case ``row`` stores, as `case_from_mapping` decodes it (a copy of its own)."""
        key = tuple(row)
        try:
            with self._lock:
                found = self._found.get(key)
                if found is not None:
                    self._found.move_to_end(key)
        except TypeError:  # a value the driver gave that cannot be a key: decode it plainly
            return case_from_mapping(read_mapping(row))
        if found is None:
            found = case_from_mapping(read_mapping(row))
            with self._lock:
                self._found[key] = found
                while len(self._found) > self._size:
                    self._found.popitem(last=False)
        return found.copy()

    def __len__(self) -> int:
        return len(self._found)

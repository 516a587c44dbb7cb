"""A region's rules for what a case waits for after the counter: the supplement deadline of
a one-time notice (一次性告知), materials accepted as deferred (容缺受理), and proofs an
applicant's undertaking (个人承诺书, 告知承诺) may stand in for.

Declared per region in the catalog's ``[region.supplements]`` table (docs/catalog.md); the
per-item lists name materials of that item exactly as the catalog does. Not part of an item's
pinned definition: a rule change applies to the actions taken after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

LAPSE_RULES: Mapping[str, str] = MappingProxyType(
    {
        "withdraw": "逾期未补正的，视为撤回申请，系统自动撤回",
        "card": "逾期未补正的，向科长发出督办提示，由人工处理",
    }
)
"""What happens when a supplement deadline passes unanswered, with its wording."""


@dataclass(frozen=True, slots=True)
class SupplementRule:
    """One region's rule. ``deadline_working_days``: the default supplement deadline printed
    on the 一次性告知书; ``on_lapse``: a key of `LAPSE_RULES`; ``deferred_working_days``: the
    default time a 容缺 material is due in after acceptance; ``undertaking_check_days``:
    working days for the 核查 of an undertaking; ``deferrable`` and ``undertakings``: item
    key → material names (as pairs, in file order) that may be deferred, and proofs a
    个人承诺书 may replace."""

    deadline_working_days: int = 30
    on_lapse: str = "card"
    deferred_working_days: int = 10
    undertaking_check_days: int = 20
    deferrable: tuple[tuple[str, tuple[str, ...]], ...] = ()
    undertakings: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def deferrable_for(self, item_key: str) -> tuple[str, ...]:
        """The materials of ``item_key`` that may be accepted as deferred (容缺)."""
        return dict(self.deferrable).get(item_key, ())

    def undertakings_for(self, item_key: str) -> tuple[str, ...]:
        """The proofs of ``item_key`` an applicant's undertaking may replace (告知承诺)."""
        return dict(self.undertakings).get(item_key, ())

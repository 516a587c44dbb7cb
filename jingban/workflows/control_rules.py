"""A region's internal-control rules (内控): which payments a second person re-checks (复核)
before 拨付, and which actions one person may not both take on a case (不相容岗位).

社会保险经办条例 (国务院令第765号) arts. 36–37 require an office to separate incompatible
posts and check its own work; 医疗保障基金使用监督管理条例 (国务院令第735号) art. 10 has the
经办机构 build internal control. Declared per region in the catalog's ``[region.control]``
table (docs/catalog.md). The engine always keeps the baseline of payment items (the acceptor
does not approve, the approver does not pay) and a re-check by someone other than the
approver; the table adds to them. Not part of an item's pinned definition.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecheckRule:
    """A payment of one of ``items`` is re-checked (复核) before 拨付 when it is above
    ``amount_over_fen`` (None: any amount does not by itself) or the case holds one of
    ``materials`` (an applicant condition, such as the death certificate of a 死亡一次性支取);
    ``basis`` says why, as the office's rule words it."""

    items: tuple[str, ...]
    amount_over_fen: int | None = None
    materials: tuple[str, ...] = ()
    basis: str = ""


@dataclass(frozen=True, slots=True)
class ControlRule:
    """One region's rules: its re-check rules and its incompatible pairs of actions."""

    rechecks: tuple[RecheckRule, ...] = ()
    incompatible: tuple[tuple[str, str], ...] = ()

    def rechecks_for(self, item_key: str) -> tuple[RecheckRule, ...]:
        return tuple(r for r in self.rechecks if item_key in r.items)

    @property
    def watched(self) -> frozenset[str]:
        """The actions whose taker a case must remember for the incompatible pairs."""
        return frozenset(a for pair in self.incompatible for a in pair)

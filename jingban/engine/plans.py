"""How the engine finds what it decides a case under: the item definition of the case's
version and, for each item, channel and applicant type, its plan (terms, required materials,
compiled chain), computed once and shared by every such case."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from jingban.engine.model import Case
from jingban.workflows import Catalog, CompiledItem, Item, Terms, compile_item
from jingban.workflows.definition import digest

#: Finds a stored item definition by (region, item key, version); None when none is stored.
Definitions = Callable[[str, str, str], Item | None]
#: The catalog, or what loads it (called once, on first use).
CatalogSource = Catalog | Callable[[], Catalog]


@dataclass(frozen=True, slots=True)
class Plan:
    """What the engine needs for the cases of one item, channel and applicant type, with or
    without someone acting for the applicant (which makes the agent's materials required)."""

    item: Item
    terms: Terms
    # Names of the materials every such case must bring, in the item's order.
    required: tuple[str, ...]
    compiled: CompiledItem


def definition_version(item: Item) -> str:
    """The version of an item's definition: the digest of its canonical encoding
    (`jingban.workflows.definition.digest`). Each case pins the version it started under,
    and the engine finds that definition again by it."""
    return digest(item)


class Plans:
    """The definition and plan lookups of `jingban.engine.Engine` (its base class).

    ``catalog`` may be a function that loads it: it is then called when the current catalog
    is first needed — a case whose pinned definition is stored is decided and shown without
    it (see `known_definition`)."""

    def __init__(self, catalog: CatalogSource, definitions: Definitions | None) -> None:
        self._catalog: Catalog | None = catalog if isinstance(catalog, Catalog) else None
        self._catalog_source: CatalogSource = catalog
        self.definitions: Definitions | None = definitions
        self._plans: dict[tuple[str, str, str, str, str | None, bool], Plan] = {}
        self._versions: dict[tuple[str, str], tuple[Item, str]] = {}

    @property
    def catalog(self) -> Catalog:
        """The current catalog (loaded on first use when given as a function)."""
        if self._catalog is None:
            source = self._catalog_source
            self._catalog = source if isinstance(source, Catalog) else source()
        return self._catalog

    @property
    def catalog_source(self) -> CatalogSource:
        """The catalog if loaded, else what loads it (for an engine built like this one)."""
        return self._catalog if self._catalog is not None else self._catalog_source

    def terms_of(self, case: Case) -> Terms:
        """The terms (limits, chain, clock start) ``case`` is decided under."""
        return self._plan(case).terms

    def _plan(self, case: Case) -> Plan:
        agent = case.agent is not None
        key = (
            case.region,
            case.item_key,
            case.item_version,
            case.channel,
            case.applicant_type,
            agent,
        )
        plan = self._plans.get(key)
        if plan is None:
            item = self.item_for(case.region, case.item_key, case.item_version)
            plan = self._make_plan(item, case.channel, case.applicant_type, agent)
            self._plans[key] = plan
        return plan

    @staticmethod
    def _make_plan(
        item: Item, channel: str, applicant_type: str | None, agent: bool = False
    ) -> Plan:
        terms = item.terms(channel, applicant_type)
        required = tuple(m.name for m in item.required_materials(applicant_type, agent=agent))
        compiled = compile_item(item, terms.stages)
        return Plan(item, terms, required, compiled)

    def item_for(self, region: str, key: str, version: str) -> Item:
        """The definition of item ``key`` of ``region`` at ``version``: the current catalog's
        when the version is its own, else the stored one, else (a version nothing knows,
        as on rows written before definitions were stored) the current catalog's. Raises
        `BadInput` (`UnknownItem`) when the catalog has no such item."""
        return self.known_definition(region, key, version) or self.catalog.item(region, key)

    def known_definition(self, region: str, key: str, version: str) -> Item | None:
        """The definition at ``version`` if the catalog or the store knows it, else None.

        Until the current catalog is loaded, the stored definition of ``version`` is asked
        first (it is the catalog's own when the version is the catalog item's digest), so a
        case pinned to a stored definition does not load the catalog; after, the catalog
        item is compared first, and the store is asked only for another version."""
        if self._catalog is None and version and self.definitions is not None:
            stored = self.definitions(region, key, version)
            if stored is not None:
                return stored
        current = self.catalog.item(region, key)
        if not version or self.item_version(current) == version:
            return current
        if self.definitions is None:
            return None
        return self.definitions(region, current.key, version)

    def item_version(self, item: Item) -> str:
        """`definition_version` of ``item``, computed once per item: its cases share it."""
        key = (item.region, item.key)
        found = self._versions.get(key)
        if found is None or found[0] is not item:
            found = self._versions[key] = (item, sys.intern(definition_version(item)))
        return found[1]

    def current_version(self, region: str, key: str) -> str:
        """The version of the current catalog's definition of item ``key``."""
        return self.item_version(self.catalog.item(region, key))

    def item_of(self, case: Case) -> Item:
        """The definition ``case`` is decided under (see `item_for`)."""
        return self._plan(case).item

    def compiled_of(self, case: Case, item: Item | None = None) -> CompiledItem:
        """The compiled machine of ``case``'s definition and chain."""
        return self._plan(case).compiled

"""The workflow catalog: one validated data file per region, compiled to state machines.

Public API (stable)::

    from jingban.workflows import load_catalog, compile_item
    item = load_catalog().item("kashgar", "inpatient_reimbursement")
    terms = item.terms(channel="online")          # limits, chain, clock start for a case
    compiled = compile_item(item, terms.stages)   # one shared transitions.Machine per chain
    compiled.fire(case, "accept")                 # case: any object with a ``state``
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jingban.lazy import lazy_names

if TYPE_CHECKING:
    from jingban.workflows._schema import catalog_json_schema
    from jingban.workflows.compiler import GUARDS, CompiledItem, compile_item
    from jingban.workflows.errors import (
        CatalogError,
        IllegalTransition,
        UnknownCatalogRegion,
        UnknownItem,
    )
    from jingban.workflows.export import item_detail, item_summary, region_snapshot
    from jingban.workflows.loader import load_catalog, load_region
    from jingban.workflows.model import (
        ApplicantType,
        Catalog,
        FrozenMap,
        Item,
        Limit,
        Material,
        Region,
        StageLimit,
        Terms,
        Variant,
    )
    from jingban.workflows.stages import (
        ACTION_LABELS,
        FINAL_STATES,
        INITIAL_STATE,
        STAGE_NAMES,
        STAGE_STATES,
        STATE_LABELS,
    )
    from jingban.workflows.vocabulary import CHANNELS

#: Each exported name and the module that defines it (imported on first use).
_HOME = {
    "ACTION_LABELS": "stages",
    "ApplicantType": "model",
    "Catalog": "model",
    "catalog_json_schema": "_schema",
    "CatalogError": "errors",
    "CHANNELS": "vocabulary",
    "compile_item": "compiler",
    "CompiledItem": "compiler",
    "FINAL_STATES": "stages",
    "FrozenMap": "model",
    "GUARDS": "compiler",
    "IllegalTransition": "errors",
    "INITIAL_STATE": "stages",
    "Item": "model",
    "item_detail": "export",
    "item_summary": "export",
    "Limit": "model",
    "load_catalog": "loader",
    "load_region": "loader",
    "Material": "model",
    "Region": "model",
    "region_snapshot": "export",
    "STAGE_NAMES": "stages",
    "STAGE_STATES": "stages",
    "StageLimit": "model",
    "STATE_LABELS": "stages",
    "Terms": "model",
    "UnknownCatalogRegion": "errors",
    "UnknownItem": "errors",
    "Variant": "model",
}

__all__ = [
    "ACTION_LABELS",
    "CHANNELS",
    "FINAL_STATES",
    "GUARDS",
    "INITIAL_STATE",
    "STAGE_NAMES",
    "STAGE_STATES",
    "STATE_LABELS",
    "ApplicantType",
    "Catalog",
    "CatalogError",
    "CompiledItem",
    "FrozenMap",
    "IllegalTransition",
    "Item",
    "Limit",
    "Material",
    "Region",
    "StageLimit",
    "Terms",
    "UnknownCatalogRegion",
    "UnknownItem",
    "Variant",
    "catalog_json_schema",
    "compile_item",
    "item_detail",
    "item_summary",
    "load_catalog",
    "load_region",
    "region_snapshot",
]


__getattr__, __dir__ = lazy_names(__name__, _HOME, __all__)

"""Former home of the deadline scan, now `jingban.storage.scan`; these names stay
importable from here until every importer uses the vocabulary's own home."""

from jingban.storage.scan import AGING_STATES, DUE_KIND_LABELS, LEVELS

__all__ = ["AGING_STATES", "DUE_KIND_LABELS", "LEVELS"]

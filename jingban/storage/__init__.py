"""Storage: SQLAlchemy models, migrations, and the stores behind every table (built once by
`jingban.services.Services`, which the front ends use).

The names below are imported from their modules on first use (PEP 562): importing the
package, or one store, does not import every other store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jingban.lazy import lazy_names

if TYPE_CHECKING:
    from jingban.storage.accounts import AccountStore
    from jingban.storage.alerts import AlertStore
    from jingban.storage.calendar_store import CalendarStore, Closure
    from jingban.storage.case_store import CaseNotFound, CaseStore, Opened
    from jingban.storage.database import Database, database_url, make_engine
    from jingban.storage.definition_store import DefinitionStore, SeenVersion
    from jingban.storage.deliveries import Delivery, DeliveryStore
    from jingban.storage.ratings import RatingStore
    from jingban.storage.reports import OnTimeRow, ReportStore
    from jingban.storage.routes import Route, RouteStore
    from jingban.storage.scan import AlertView, ScanResult

#: Each exported name and the module that defines it.
_HOME = {
    "AccountStore": "accounts",
    "AlertStore": "alerts",
    "AlertView": "scan",
    "CalendarStore": "calendar_store",
    "CaseNotFound": "case_store",
    "CaseStore": "case_store",
    "Closure": "calendar_store",
    "Database": "database",
    "DefinitionStore": "definition_store",
    "Delivery": "deliveries",
    "DeliveryStore": "deliveries",
    "OnTimeRow": "reports",
    "Opened": "case_store",
    "RatingStore": "ratings",
    "ReportStore": "reports",
    "Route": "routes",
    "RouteStore": "routes",
    "ScanResult": "scan",
    "SeenVersion": "definition_store",
    "database_url": "database",
    "make_engine": "database",
}

__all__ = [
    "AccountStore",
    "AlertStore",
    "AlertView",
    "CalendarStore",
    "CaseNotFound",
    "CaseStore",
    "Closure",
    "Database",
    "DefinitionStore",
    "Delivery",
    "DeliveryStore",
    "OnTimeRow",
    "Opened",
    "RatingStore",
    "ReportStore",
    "Route",
    "RouteStore",
    "ScanResult",
    "SeenVersion",
    "database_url",
    "make_engine",
]


__getattr__, __dir__ = lazy_names(__name__, _HOME, __all__)

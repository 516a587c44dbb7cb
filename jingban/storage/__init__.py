"""Storage: SQLAlchemy models, migrations, and the stores behind every table (built once by
`jingban.services.Services`, which the front ends use)."""

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

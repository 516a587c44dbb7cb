"""Storage: SQLAlchemy models, migrations, and the stores the CLI and API use."""

from jingban.storage.calendar_store import CalendarStore, Closure
from jingban.storage.case_store import CaseNotFound, CaseStore, Opened
from jingban.storage.database import Database, database_url, make_engine
from jingban.storage.definition_store import DefinitionStore, SeenVersion

__all__ = [
    "CalendarStore",
    "CaseNotFound",
    "CaseStore",
    "Closure",
    "Database",
    "DefinitionStore",
    "Opened",
    "SeenVersion",
    "database_url",
    "make_engine",
]

"""Wiring shared by the CLI, the HTTP API and the scheduler: one database, the calendars
with everything administrators loaded, the engine and the stores."""

from __future__ import annotations

import threading

from jingban.calendar import WorkCalendar
from jingban.engine import Engine
from jingban.storage import CalendarStore, CaseStore, Database
from jingban.workflows import load_catalog


class Services:
    """Everything a front end needs, built once per process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.catalog = load_catalog()
        self.calendar_store = CalendarStore(db)
        self._calendars: dict[str, WorkCalendar] = {}
        self._lock = threading.Lock()
        self.engine = Engine(self.catalog, self.calendar)
        self.cases = CaseStore(db, self.engine)

    def calendar(self, region: str) -> WorkCalendar:
        """The region's calendar with imported notices and closures (cached; call
        `reload_calendars` after changing them)."""
        found = self._calendars.get(region)
        if found is None:
            with self._lock:
                found = self._calendars.get(region)
                if found is None:
                    found = self.calendar_store.calendar(region)
                    self._calendars[region] = found
        return found

    def reload_calendars(self) -> None:
        """Forget cached calendars so the next use reads notices and closures again."""
        with self._lock:
            self._calendars.clear()

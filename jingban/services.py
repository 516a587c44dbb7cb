"""Wiring shared by the CLI, the HTTP API and the scheduler: one database, the calendars
with everything administrators loaded, the engine and the stores."""

from __future__ import annotations

import datetime as dt
import threading
import time

from jingban.calendar import WorkCalendar
from jingban.engine import Engine
from jingban.storage import CalendarStore, CaseStore, Database, DefinitionStore
from jingban.workflows import load_catalog


class Services:
    """Everything a front end needs, built once per process."""

    #: How long a process trusts its cached calendars before re-reading notices and closures
    #: (another process may have imported a notice or added a closure).
    CALENDAR_TTL_SECONDS = 30.0

    def __init__(self, db: Database) -> None:
        self.db = db
        self._loaded_at = time.monotonic()
        self.catalog = load_catalog()
        self.calendar_store = CalendarStore(db)
        self._calendars: dict[str, WorkCalendar] = {}
        self._lock = threading.Lock()
        # Item definitions by version: each case is decided under the one it opened under.
        self.definitions = DefinitionStore(db)
        self.engine = Engine(self.catalog, self.calendar, definitions=self.definitions.item)
        self.cases = CaseStore(db, self.engine, self.definitions)

    def calendar(self, region: str) -> WorkCalendar:
        """The region's calendar with imported notices and closures (cached; call
        `reload_calendars` after changing them)."""
        if time.monotonic() - self._loaded_at > self.CALENDAR_TTL_SECONDS:
            self.reload_calendars()
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
            self._loaded_at = time.monotonic()

    def calendar_changed(
        self, *, now: dt.datetime, reason: str, region: str | None = None
    ) -> list[str]:
        """After a notice import or a closure: reload the calendars, recompute the dues of
        open cases (recorded in their audit trails; provisional cleared where the year is now
        known) and re-evaluate alerts. Returns the case numbers whose dues moved."""
        from jingban.scheduler.scan import scan
        from jingban.scheduler.store import AlertStore

        self.reload_calendars()
        changed = self.cases.recalculate_open(now=now, reason=reason, region=region)
        alerts = AlertStore(self.db, self.calendar)
        scan(
            self.db,
            self.calendar,
            now,
            node="calendar-change",
            deliver=lambda conn, raised: alerts.enqueue_alerts(raised, now=now, conn=conn),
        )
        return changed

"""Wiring shared by the CLI, the HTTP API, the console and the scheduler: one database, the
calendars with everything administrators loaded, the engine, and every store, built once."""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from jingban.calendar import WorkCalendar
from jingban.engine import Case, Engine
from jingban.errors import NotFound
from jingban.settings import settings
from jingban.storage.accounts import AccountStore, User
from jingban.storage.applicant_messages import ApplicantMessageStore
from jingban.storage.calendar_store import CalendarStore
from jingban.storage.case_store import CaseStore
from jingban.storage.database import Database
from jingban.storage.definition_store import DefinitionStore
from jingban.storage.followup_dues import followup_effect
from jingban.storage.ratings import rating_effect
from jingban.storage.report_facts import ReportFactEffect

T = TypeVar("T")

if TYPE_CHECKING:
    from jingban.storage.alerts import AlertStore
    from jingban.storage.archives import ArchiveStore
    from jingban.storage.attachments import AttachmentStore
    from jingban.storage.audit_samples import AuditSampleStore
    from jingban.storage.calendar_changes import Finished
    from jingban.storage.checkpoints import CheckpointStore
    from jingban.storage.deliveries import DeliveryStore
    from jingban.storage.exchange_codes import OfficeCodes
    from jingban.storage.exchange_store import ClaimedEvent, ExchangeStore
    from jingban.storage.followups import FollowupStore
    from jingban.storage.ops_stats import OpsStats
    from jingban.storage.ratings import RatingStore
    from jingban.storage.reports import ReportStore
    from jingban.storage.routes import RouteStore
    from jingban.storage.scan import ScanResult
    from jingban.storage.staff_contacts import ContactStore
    from jingban.workflows import Catalog


def _load_catalog() -> Catalog:
    from jingban.workflows import load_catalog

    return load_catalog()


class Services:
    """Everything a front end needs, built once per process: front ends use these stores
    and build none of their own (the alert, route, delivery, rating and report stores on
    first use, so that a command which needs none of them does not import them; the
    catalog when first needed: a case pinned to a stored definition needs none)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        #: How long this process trusts its cached calendars before re-reading notices and
        #: closures (another process may have imported a notice or added a closure).
        self.calendar_ttl_seconds = settings().calendar_ttl_seconds
        self._loaded_at = time.monotonic()
        #: The calendar version the cached calendars were read at (None: not read yet).
        self._calendar_version: int | None = None
        self.calendar_store = CalendarStore(db)
        self._calendars: dict[tuple[str, str | None], WorkCalendar] = {}
        self._lock = threading.Lock()
        # Item definitions by version: each case is decided under the one it opened under.
        self.definitions = DefinitionStore(db)
        self.engine = Engine(
            _load_catalog,
            self.calendar,
            definitions=self.definitions.item,
            office_calendars=self.calendar,
            delivery_days=settings().delivery_working_days,
        )
        self.cases = CaseStore(db, self.engine, self.definitions)
        self.cases.calendar_sync = self.sync_calendar
        self.cases.add_effect(followup_effect)  # supplement, 容缺, 承诺, 督办 and 差评 dues
        self.cases.add_effect(rating_effect)  # the ``ratings`` row of a rating
        # the case's ``report_facts`` row, at registration, acceptance and its end
        self.cases.add_effect(ReportFactEffect(self.engine.terms_of, self.engine.calendar_of))
        # The applicant is told at every milestone: messages decided in the action's unit.
        self.applicant_messages = ApplicantMessageStore(db)
        self.cases.add_effect(self.applicant_messages.effect)
        self.accounts = AccountStore(db)
        # Case events for the provincial platform, written in each action's own unit.
        from jingban.storage.exchange_events import ExchangeEffect

        self.cases.add_effect(ExchangeEffect(self.engine.item_of))

    @property
    def catalog(self) -> Catalog:
        """The current catalog, loaded (and validated) on first use."""
        return self.engine.catalog

    @cached_property
    def alerts(self) -> AlertStore:
        from jingban.storage.alerts import AlertStore

        return AlertStore(self.db, self.calendar, self.catalog)

    @cached_property
    def routes(self) -> RouteStore:
        from jingban.storage.routes import RouteStore

        return RouteStore(self.db)

    @cached_property
    def deliveries(self) -> DeliveryStore:
        from jingban.storage.deliveries import DeliveryStore
        from jingban.storage.recipients import Recipients

        recipients = Recipients(self.db, lambda: self.catalog)
        return DeliveryStore(self.db, self.calendar, self.routes, self.alerts, recipients)

    @cached_property
    def followups(self) -> FollowupStore:
        from jingban.storage.followups import FollowupStore

        return FollowupStore(self.db, self.cases)

    @cached_property
    def checkpoints(self) -> CheckpointStore:
        from jingban.storage.checkpoints import CheckpointStore

        return CheckpointStore(self.db)

    @cached_property
    def ops(self) -> OpsStats:
        """Aggregate figures for operators (`GET /metrics`)."""
        from jingban.storage.ops_stats import OpsStats

        return OpsStats(self.db)

    @cached_property
    def attachments(self) -> AttachmentStore:
        """Files attached to cases' materials (registers its row effect on `cases`)."""
        from jingban.storage.attachments import AttachmentStore

        return AttachmentStore(self.db, self.cases)

    @cached_property
    def audit_samples(self) -> AuditSampleStore:
        """稽核 samples (`jingban.storage.audit_samples`)."""
        from jingban.storage.audit_samples import AuditSampleStore

        return AuditSampleStore(self.db, self.cases)

    @cached_property
    def contacts(self) -> ContactStore:
        """Staff contact details (`jingban.storage.staff_contacts`)."""
        from jingban.storage.staff_contacts import ContactStore

        return ContactStore(self.db)

    @cached_property
    def ratings(self) -> RatingStore:
        from jingban.storage.ratings import RatingStore

        return RatingStore(self.db, self.cases)

    @cached_property
    def reports(self) -> ReportStore:
        from jingban.storage.reports import ReportStore

        return ReportStore(self.db, self.catalog)

    @cached_property
    def archives(self) -> ArchiveStore:
        """Exported archive packages, their appraisals and destructions."""
        from jingban.storage.archives import ArchiveStore

        return ArchiveStore(self.db)

    @cached_property
    def exchange(self) -> ExchangeStore:
        from jingban.storage.exchange_store import ExchangeStore

        return ExchangeStore(self.db)

    def exchange_codes(self, event: ClaimedEvent) -> OfficeCodes:
        """The office codes an event is sent with (`jingban.storage.exchange_codes`, read
        again on every call so that a corrected file applies to every event not yet sent)."""
        from jingban.storage.exchange_codes import load_codes

        return load_codes(self.catalog).for_case(
            event.region,
            event.office,
            str(event.payload.get("item_key", "")),
            event.payload.get("basic_code") or None,
        )

    def platform_case_no(self, case: Case) -> str | None:
        """The number the provincial platform joins ``case`` on (docs/exchange.md); None
        while its office has no credit code configured or the code data does not load."""
        from jingban.storage.exchange_codes import load_codes
        from jingban.workflows.errors import CatalogError

        try:
            codes = load_codes(self.catalog)
        except CatalogError:
            return None
        found = codes.for_case(case.region, case.office, case.item_key, None)
        return found.platform_case_no(case.case_no)

    async def run(self, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``work(*args, **kwargs)``, a short unit of store work, for an async caller (a
        request handler). On SQLite, when no other thread of this process is writing, it
        runs on the caller's event loop holding the write gate (`jingban.storage.write_gate`):
        the writers of one file go one at a time anyway, WAL readers never wait for them, and
        a local file's short transaction costs less than the hop to a worker thread and back.
        When another thread holds the gate (the scheduler mid-scan, a threaded request), and
        always on PostgreSQL, it runs in a worker thread, so the event loop never waits on a
        writer of its own process. (Another process holding SQLite's lock is still waited
        for where the work runs.)"""
        lock = self.db.write_gate
        if lock is not None and lock.acquire(blocking=False):
            try:
                return work(*args, **kwargs)
            finally:
                lock.release()
        if self.db.engine.dialect.name == "sqlite" and lock is None:  # an in-memory file
            return work(*args, **kwargs)
        import anyio.to_thread

        return await anyio.to_thread.run_sync(functools.partial(work, *args, **kwargs))

    async def signed_in(self, token: str, now: dt.datetime) -> User:
        """`AccountStore.user_for_token` for an async caller (a request's first step), run
        as `run` runs store work: a one-row read."""
        return await self.run(self.accounts.user_for_token, token, now)

    def visible_case(self, user: User, case_no: str) -> Case:
        """The case if ``user``'s region and office may see it; raises `NotFound` otherwise
        (the same answer as for a number that does not exist)."""
        case = self.cases.get(case_no)
        if not user.sees(case.region, case.office):
            raise NotFound(f"没有编号为 {case.case_no} 的办件")
        return case

    def calendar(self, region: str, office: str | None = None) -> WorkCalendar:
        """The region's calendar with imported notices and closures — with ``office``, that
        office's own closure days too: the calendar a case of that office counts on (cached;
        call `reload_calendars` after changing them)."""
        if time.monotonic() - self._loaded_at > self.calendar_ttl_seconds:
            self.reload_calendars()
        key = (region, office or None)
        found = self._calendars.get(key)
        if found is None:
            with self._lock:
                found = self._calendars.get(key)
                if found is None:
                    found = self._calendars[key] = self._build_calendar(region, office or None)
        return found

    def _build_calendar(self, region: str, office: str | None) -> WorkCalendar:
        """A calendar for the cache (the caller holds the lock): an office without closure
        days of its own shares its region's calendar object."""
        base = self._calendars.get((region, None))
        if base is None:
            base = self._calendars[(region, None)] = self.calendar_store.calendar(region)
        if office is None:
            return base
        own = {c.office for c in self.calendar_store.closures(region, office=office)}
        return self.calendar_store.calendar(region, office=office) if office in own else base

    def reload_calendars(self, version: int | None = None) -> None:
        """Forget cached calendars so the next use reads notices and closures again;
        ``version`` is the calendar version just read (read here when None). The version is
        taken before the calendars are rebuilt, so they are never older than it."""
        if version is None:
            version = self.calendar_version()
        with self._lock:
            self._calendars.clear()
            self._calendar_version = version
            self._loaded_at = time.monotonic()

    def calendar_version(self) -> int:
        """The calendar version the database holds now."""
        from jingban.storage.calendar_changes import current_version

        with self.db.engine.connect() as conn:
            return current_version(conn)

    def sync_calendar(self, version: int | None) -> None:
        """Called by every action with the calendar version read in its own transaction:
        when the cached calendars were read at another version (another process imported a
        notice or changed a closure), reload them before the engine decides."""
        if version is not None and version != self._calendar_version:
            self.reload_calendars(version)

    def finish_calendar_changes(self, now: dt.datetime) -> list[Finished]:
        """Finish every recorded calendar change's recalculation of open cases (resuming
        one an interrupted process left), then re-evaluate alerts when any case moved;
        returns what this run finished (`jingban.storage.calendar_changes`)."""
        from jingban.storage.calendar_changes import changes, finish_pending

        if not changes(self.db, pending_only=True):
            return []
        self.reload_calendars()
        done = finish_pending(self.db, self.cases, now=now, batch=settings().calendar_recalc_batch)
        if done:
            self.scan_deadlines(now, node="calendar-change")
        return done

    def scan_deadlines(
        self,
        as_of: dt.datetime,
        *,
        dry_run: bool = False,
        full: bool = False,
        slot: str | None = None,
        node: str = "cli",
        now: dt.datetime | None = None,
        deliver: bool = True,
    ) -> ScanResult:
        """One deadline scan (`jingban.storage.scan.scan`) over this database; with
        ``deliver`` the deliveries of the new alerts are queued in the scan's transaction."""
        from jingban.storage.scan import scan

        queued_at = now or as_of
        return scan(
            self.db,
            self.calendar,
            as_of,
            dry_run=dry_run,
            full=full,
            slot=slot,
            node=node,
            now=now,
            deliver=(
                (
                    lambda conn, raised: self.deliveries.enqueue_alerts(
                        raised, now=queued_at, conn=conn
                    )
                )
                if deliver
                else None
            ),
        )

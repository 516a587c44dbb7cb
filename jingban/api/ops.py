"""What operators and their tools ask of a running server: ``GET /readyz`` (may this worker
take traffic?) and ``GET /metrics`` (Prometheus text format). ``GET /healthz`` (is the process
up?) is the API's own (`jingban.api.app`).

``/readyz`` answers 200 when the database is reachable, its schema is the packaged head and
a scheduler leader holds the lock (`jingban.storage.health`), else 503 with the same body
naming which check failed; neither needs a sign-in, and neither says anything about a case
or a person.

``/metrics`` is for a scraper: with ``JINGBAN_METRICS_TOKEN`` set, only a request carrying
``Authorization: Bearer <token>`` (401 otherwise); without it, only a request from a loopback
address (403 otherwise; behind a reverse proxy the address is the forwarded one of a trusted
proxy, see ``JINGBAN_TRUSTED_PROXIES``). It exposes this process's request metrics
(`jingban.api.observe`) and the scheduler's scan timings when the scheduler runs here, plus
the database's own figures read at each scrape by `StoreCollector`. With
``PROMETHEUS_MULTIPROC_DIR`` set (``jingban serve --workers N`` sets it), the per-process
figures of every worker are summed (prometheus-client's multiprocess mode).

Other features add their own figures with `register_source`: a function of the services
returning metric families, called at each scrape (the outbox of events for the provincial
platform reports its waiting and failed events this way).
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from jingban import __version__
from jingban.api.deps import error_body
from jingban.services import Services
from jingban.settings import settings
from jingban.storage.case_filter import CaseFilter
from jingban.storage.health import leader_present, reachable, schema_current

__all__ = ["StoreCollector", "install_ops", "register_source"]

log = logging.getLogger("jingban.api")

Source = Callable[[Services], Iterable[Metric]]
_SOURCES: list[Source] = []


def register_source(source: Source) -> None:
    """Add ``source`` to what every scrape reports (once; registering it again is a no-op).
    A source that raises is logged and skipped: the rest of the scrape still answers."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def readiness(services: Services) -> dict[str, bool]:
    """Each readiness check by name: ``database``, ``migrations``, ``leader``."""
    db = services.db
    up = reachable(db)
    return {
        "database": up,
        "migrations": up and schema_current(db),
        "leader": up and leader_present(db),
    }


class StoreCollector(Collector):
    """The database's figures, read at each scrape (``clock`` gives now for card colours)."""

    def __init__(
        self, services: Services, clock: Callable[[], dt.datetime], app: FastAPI | None = None
    ) -> None:
        self.services = services
        self.clock = clock
        self.app = app

    def collect(self) -> Iterator[Metric]:
        yield from self._stores()
        for source in list(_SOURCES):
            try:
                yield from source(self.services)
            except Exception:  # one broken source must not blank the scrape
                log.exception("metrics source %s failed", getattr(source, "__name__", source))

    def _stores(self) -> Iterator[Metric]:
        from jingban.calendar import region_keys

        services = self.services
        stats = services.ops
        yield _counter(
            "jingban_actions", "Case actions recorded, by action", "action", stats.actions()
        )
        yield _counter(
            "jingban_refused_actions",
            "Refused attempts recorded (outside the case chains), by action",
            "action",
            stats.refusals(),
        )
        yield _counter(
            "jingban_alerts_raised",
            "Alerts raised by the deadline scan, by level",
            "level",
            stats.alerts(),
        )
        yield _gauge(
            "jingban_open_alerts", "Alerts not closed yet, by level", "level", stats.open_alerts()
        )
        yield _gauge(
            "jingban_deliveries",
            "Alert and digest deliveries, by status",
            "status",
            stats.deliveries(),
        )
        cards = GaugeMetricFamily(
            "jingban_open_cases",
            "Cases not ended, by region and card colour (as the console shows it now)",
            labels=["region", "card"],
        )
        now = self.clock()
        for region in region_keys():
            counts = services.cases.counts(CaseFilter(region=region, open_only=True), now=now)
            for card, n in counts.by_card.items():
                cards.add_metric([region, card], n)
        yield cards
        yield CounterMetricFamily(
            "jingban_scans",
            "Deadline scans recorded (each scheduled slot once)",
            value=stats.scans(),
        )
        last = stats.last_scan()
        if last is not None:
            yield GaugeMetricFamily(
                "jingban_last_scan_timestamp_seconds",
                "When the latest deadline scan finished (Unix time)",
                value=last.finished_at.timestamp(),
            )
            yield GaugeMetricFamily(
                "jingban_last_scan_new_alerts",
                "Alerts the latest deadline scan raised",
                value=last.new_alerts,
            )
        backlog = services.exchange.backlog()
        events = GaugeMetricFamily(
            "jingban_exchange_backlog",
            "Case events for the provincial platform not accepted yet, by status",
            labels=["status"],
        )
        events.add_metric(["pending"], backlog.pending)
        events.add_metric(["failed"], backlog.failed)
        yield events
        age = backlog.oldest_age(now)
        yield GaugeMetricFamily(
            "jingban_exchange_oldest_wait_seconds",
            "How long the oldest platform event not accepted yet has waited (0: none waits)",
            value=0.0 if age is None else age.total_seconds(),
        )
        yield GaugeMetricFamily(
            "jingban_scheduler_leader_present",
            "1 when some process holds the scheduler's leader lock",
            value=1 if leader_present(services.db) else 0,
        )
        scheduler = getattr(self.app.state, "scheduler", None) if self.app is not None else None
        yield GaugeMetricFamily(
            "jingban_scheduler_leading",
            "1 when the scheduler of the process answering leads",
            value=1 if scheduler is not None and getattr(scheduler, "leading", False) else 0,
        )


def _counter(name: str, text: str, label: str, values: dict[str, int]) -> Metric:
    family = CounterMetricFamily(name, text, labels=[label])
    for key, n in sorted(values.items()):
        family.add_metric([key], n)
    return family


def _gauge(name: str, text: str, label: str, values: dict[str, int]) -> Metric:
    family = GaugeMetricFamily(name, text, labels=[label])
    for key, n in sorted(values.items()):
        family.add_metric([key], n)
    return family


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _refusal(request: Request) -> JSONResponse | None:
    """The answer refusing ``request`` the metrics, or None when it may have them."""
    token = settings().metrics_token
    if token:
        sent = request.headers.get("authorization", "")
        scheme, _, value = sent.partition(" ")
        sent_token = value.strip().encode("utf-8", "surrogateescape")
        if scheme.lower() == "bearer" and hmac.compare_digest(sent_token, token.encode()):
            return None
        return JSONResponse(
            error_body(
                "unauthenticated", "需要指标令牌 (Authorization: Bearer JINGBAN_METRICS_TOKEN)"
            ),
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    host = request.client.host if request.client else ""
    if _loopback(host):
        return None
    return JSONResponse(
        error_body("forbidden", "指标只对本机开放；远程采集请设置 JINGBAN_METRICS_TOKEN"),
        status_code=403,
    )


def _registry(collector: StoreCollector) -> CollectorRegistry:
    """This scrape's registry: the process's own metrics (or, in multiprocess mode, every
    worker's summed) and the database's."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Default())
    registry.register(collector)
    return registry


class _Default(Collector):
    """The process's default registry (requests, scan timings, process figures)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def install_ops(app: FastAPI) -> None:
    """Add ``/readyz`` and ``/metrics`` to ``app`` (whose state has services and clock)."""

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> JSONResponse:
        checks = readiness(request.app.state.services)
        ready = all(checks.values())
        body: dict[str, Any] = {"ready": ready, "checks": checks, "version": __version__}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        refused = _refusal(request)
        if refused is not None:
            return refused
        state = request.app.state
        collector = StoreCollector(state.services, state.clock, request.app)
        return Response(generate_latest(_registry(collector)), media_type=CONTENT_TYPE_LATEST)

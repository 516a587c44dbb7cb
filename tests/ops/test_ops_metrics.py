"""`GET /metrics`: Prometheus text that `prometheus_client.parser` reads, with this process's
requests by route template and status and their latency histogram, and the database's
figures (actions and refused attempts by kind, open cases by region and card, alerts raised,
deliveries by status, scans, the leader); loopback only without a token, the token's bearer
only with one; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from ops_support import OPEN, at, make_client
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

from jingban.api.ops import register_source
from jingban.errors import NotAllowed
from jingban.scheduler.runner import SchedulerService
from jingban.services import Services
from jingban.storage import Database


def _families(text: str) -> dict[str, Metric]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def _value(family: Metric, suffix: str = "", **labels: str) -> float:
    """The sum of the samples named ``family.name + suffix`` whose labels include ``labels``."""
    return sum(
        s.value
        for s in family.samples
        if s.name == family.name + suffix and labels.items() <= s.labels.items()
    )


def test_metrics_parse_and_count_what_the_office_did(db_url: str) -> None:
    services = Services(Database(db_url))
    services.routes.add_route(
        region="sichuan", name="经办群", kind="wecom", target="http://127.0.0.1:9/robot"
    )
    numbers = [
        services.cases.open(
            now=at("2026-02-14 09:30"),
            region="sichuan",
            item="inpatient_reimbursement",
            all_materials=True,
            **OPEN,
        ).case.case_no
        for _ in range(3)
    ]
    services.cases.act(
        numbers[0], "accept", actor="clerk-li", role="clerk", now=at("2026-02-14 10:00")
    )
    with pytest.raises(NotAllowed):
        services.cases.act(
            numbers[1],
            "approve",
            actor="reviewer-wang",
            role="reviewer",
            now=at("2026-02-14 10:05"),
        )
    scanning = SchedulerService(services, clock=lambda: at("2026-04-01 10:00"))
    before_scans = _scan_count()
    scanning.scan_once()  # two months on: every accept limit has passed
    try:
        with make_client(services, now=at("2026-04-01 10:00")) as http:
            assert http.get("/healthz").status_code == 200
            assert http.get(f"/api/cases/{numbers[0]}").status_code == 401
            assert http.get(f"/no/such/{OPEN['applicant_id']}").status_code == 404
            answer = http.get("/metrics")
    finally:
        services.db.dispose()
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    assert OPEN["applicant_id"] not in answer.text and "王小红" not in answer.text
    families = _families(answer.text)

    requests = families["jingban_http_requests"]
    assert requests.type == "counter"
    assert _value(requests, "_total", method="GET", route="/healthz", status="200") >= 1
    assert _value(requests, "_total", route="/api/cases/{case_no}", status="401") >= 1
    assert _value(requests, "_total", route="unmatched", status="404") >= 1
    latency = families["jingban_http_request_duration_seconds"]
    assert latency.type == "histogram"
    assert _value(latency, "_count", route="/healthz") >= 1
    assert _value(latency, "_bucket", route="/healthz", le="+Inf") == _value(
        latency, "_count", route="/healthz"
    )

    actions = families["jingban_actions"]
    assert _value(actions, "_total", action="open") == 3
    assert _value(actions, "_total", action="accept") == 1
    assert _value(families["jingban_refused_actions"], "_total", action="approve") == 1
    cards = families["jingban_open_cases"]
    assert _value(cards, region="sichuan") == 3
    assert _value(cards, region="sichuan", card="red") == 2  # never accepted: 5 days long past
    assert _value(cards, region="sichuan", card="green") == 0
    assert _value(cards, region="kashgar") == 0
    raised = _value(families["jingban_alerts_raised"], "_total")
    assert raised >= 3 and _value(families["jingban_open_alerts"]) == raised
    assert _value(families["jingban_deliveries"], status="pending") >= 1
    assert _value(families["jingban_scans"], "_total") == 1
    assert _value(families["jingban_last_scan_new_alerts"]) == raised
    assert _value(families["jingban_scan_duration_seconds"], "_count") == before_scans + 1
    assert _value(families["jingban_scheduler_leader_present"]) == 0
    assert _value(families["jingban_scheduler_leading"]) == 0
    # the platform events: three registrations and one acceptance, none sent (no platform)
    backlog = families["jingban_exchange_backlog"]
    assert (_value(backlog, status="pending"), _value(backlog, status="failed")) == (4, 0)
    assert _value(families["jingban_exchange_oldest_wait_seconds"]) > 0


def _scan_count() -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("jingban_scan_duration_seconds_count") or 0.0


def test_metrics_are_for_loopback_or_the_token(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    services = Services(Database(f"sqlite:///{tmp_path / 'jingban.db'}"))
    try:
        with make_client(services, client=("203.0.113.7", 40000)) as remote:
            refused = remote.get("/metrics")
            assert refused.status_code == 403
            assert "JINGBAN_METRICS_TOKEN" in refused.json()["error"]["message"]
            monkeypatch.setenv("JINGBAN_METRICS_TOKEN", "scrape-secret-7")
            assert remote.get("/metrics").status_code == 401
            wrong = {"Authorization": "Bearer scrape-secret-8"}
            assert remote.get("/metrics", headers=wrong).status_code == 401
            odd = {"Authorization": "Bearer scr\u00e4pe-secret-7".encode("latin-1")}
            assert remote.get("/metrics", headers=odd).status_code == 401  # not a 500
            right = {"Authorization": "Bearer scrape-secret-7"}
            answer = remote.get("/metrics", headers=right)
            assert answer.status_code == 200
            assert "jingban_actions" in _families(answer.text)
        with make_client(services) as local:  # with a token set, loopback needs it too
            assert local.get("/metrics").status_code == 401
    finally:
        services.db.dispose()


def test_another_feature_adds_its_figures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def waiting_events(services: Services) -> Iterable[Metric]:
        yield GaugeMetricFamily("jingban_exchange_events", "Outbox events waiting", value=4)

    def broken(services: Services) -> Iterable[Metric]:
        raise RuntimeError("source down")

    register_source(waiting_events)
    register_source(broken)
    services = Services(Database(f"sqlite:///{tmp_path / 'jingban.db'}"))
    try:
        with make_client(services) as http:
            answer = http.get("/metrics")
    finally:
        services.db.dispose()
        from jingban.api import ops

        ops._SOURCES[:] = [s for s in ops._SOURCES if s not in (waiting_events, broken)]
    assert answer.status_code == 200
    families = _families(answer.text)
    assert _value(families["jingban_exchange_events"]) == 4
    assert "jingban_actions" in families

"""Property-based requests generated from /openapi.json (schemathesis, in-process ASGI):
nothing a client sends produces a 5xx, every status answered is one the operation documents,
and every documented response matches its schema.

Bounded and deterministic: a fixed number of examples per operation (positive and negative
generation, and requests aimed at real case numbers), derandomized, no example database. The
token of a supervisor of every region goes in every request's headers. It runs on SQLite:
the one storage-specific 500 known (NUL characters on PostgreSQL) and the inputs this bounded
run does not reach are pinned one by one in `test_api_no_500`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from api_support import PAYMENT, Api, make_api, use_cheap_hashes
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

EXAMPLES = 25
OPERATIONS = [
    ("POST", "/api/auth/token"),
    ("GET", "/api/me"),
    ("GET", "/api/items"),
    ("GET", "/api/items/{key}"),
    ("GET", "/api/alerts"),
    ("GET", "/api/reports/on-time"),
    ("GET", "/api/reports/summary"),
    ("GET", "/api/reports/items"),
    ("GET", "/api/reports/staff"),
    ("GET", "/api/reports/trend"),
    ("GET", "/api/calendar/due"),
    ("POST", "/api/cases"),
    ("GET", "/api/cases"),
    ("GET", "/api/cases/{case_no}"),
    ("POST", "/api/cases/batch/{action}"),
    ("POST", "/api/cases/{case_no}/actions/{action}"),
    ("POST", "/api/cases/{case_no}/identity"),
    ("POST", "/api/cases/{case_no}/materials/{material}/files"),
    ("GET", "/api/cases/{case_no}/files"),
    ("GET", "/api/cases/{case_no}/files/{file_id}"),
    ("GET", "/api/cases/{case_no}/file-views"),
    ("GET", "/api/public/progress"),
    ("POST", "/api/public/appeal"),
    ("POST", "/api/public/progress"),
    ("POST", "/api/public/rating"),
    # Last: these revoke the token they are sent with (each example gets a fresh one).
    ("POST", "/api/auth/logout"),
    ("DELETE", "/api/auth/token"),
]
REVOKING = {("POST", "/api/auth/logout"), ("DELETE", "/api/auth/token")}
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.response_schema_conformance,
    checks.content_type_conformance,
    checks.positive_data_acceptance,
    checks.negative_data_rejection,
]
# Where a valid request may still be refused as bad input for reasons no static schema can
# state, the acceptance check is left out, with the reason: a time that must not be in the
# future or before the case's last event (``received_at``, ``at``), the parameters one action
# requires (the action is in the path, the body is one schema for all), an applicant type or
# material names of one item, an identity number's check character.
DATA_DEPENDENT = {
    **{
        ("GET", f"/api/reports/{kind}"): "from 不得晚于 to；给了 period 就不能再给 from/to；"
        "期间最长五年"
        for kind in ("summary", "items", "staff", "trend")
    },
    ("POST", "/api/cases"): "received_at 不得晚于现在；applicant_type、materials 取决于事项",
    ("POST", "/api/cases/{case_no}/actions/{action}"): "各操作的必填参数；at 不得早于上一步",
    ("POST", "/api/cases/batch/{action}"): "同一办件不得出现两次；只支持审核、拨付、办结",
    ("POST", "/api/cases/{case_no}/materials/{material}/files"): "文件的类型和大小取决于内容和设置",
}
# A request valid by the schema may still meet a missing case, a lacking role, a conflict or a
# rate limit; one invalid by the schema must be refused as malformed (400 or 422), never served.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "429"]
            },
            "negative_data_rejection": {"expected-statuses": ["400", "401", "422"]},
        }
    }
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, Any, dict[str, str]]]:
    """One app on SQLite with cases in several states, its schema and a supervisor's token."""
    with pytest.MonkeyPatch.context() as mp:
        # fuzz the query, not the address limit
        mp.setenv("JINGBAN_PROGRESS_REQUESTS", str(10**6))
        use_cheap_hashes(mp)
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'jingban.db'}"
        for api in make_api(url):
            cases = [api.open_case(n=i) for i in range(3)]
            api.act("clerk_a", cases[1]["case_no"], "accept")
            api.act("clerk_a", cases[2]["case_no"], "accept")
            api.act("reviewer_a", cases[2]["case_no"], "approve")
            api.act("payer_a", cases[2]["case_no"], "pay", **PAYMENT)
            api.act("payer_a", cases[2]["case_no"], "complete")
            schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app, config=CONFIG)
            headers = api.login("supervisor_all")
            api.known = [(c["case_no"], c["query_code"]) for c in cases]  # type: ignore[attr-defined]
            yield api, schema, headers


def test_the_schema_lists_every_operation(fuzzed: tuple[Api, Any, dict[str, str]]) -> None:
    _, schema, _ = fuzzed
    found = sorted(
        (result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()
    )
    assert found == sorted(OPERATIONS)


def _only_headers_negated(case: Any) -> bool:
    """Whether the case is invalid only in its headers: every request carries the
    supervisor's token in place of the ``Authorization`` the case was generated with, so
    such a request reaches the server valid and must not be expected to be refused."""
    components = getattr(case.meta, "components", None) or {}
    negative = {where for where, info in components.items() if info.mode == GenerationMode.NEGATIVE}
    return negative == {ParameterLocation.HEADER}


def _run(
    operation: Any, headers: Callable[[], dict[str, str]], strategy: Any, skip: list[Any]
) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        response = case.call(headers=headers())
        wanted = [c for c in CHECKS if c not in skip]
        if _only_headers_negated(case):  # the token sent replaces the generated header
            wanted.remove(checks.negative_data_rejection)
        case.validate_response(response, checks=wanted)

    check()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_generated_requests_get_no_5xx_and_match_the_schema(
    fuzzed: tuple[Api, Any, dict[str, str]], method: str, path: str
) -> None:
    api, schema, headers = fuzzed
    operation = schema[path][method]
    strategies = [operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE)]
    known: list[tuple[str, str]] = api.known  # type: ignore[attr-defined]
    skip = [checks.positive_data_acceptance] if (method, path) in DATA_DEPENDENT else []
    if "{case_no}" in path:
        # Also aim at real cases, so generated bodies reach the engine.
        strategies.append(
            st.sampled_from([n for n, _ in known]).flatmap(
                lambda number: operation.as_strategy(path_parameters={"case_no": number})
            )
        )
    if (method, path) in REVOKING:

        def fresh() -> dict[str, str]:
            api.tokens.pop("supervisor_all", None)
            return api.login("supervisor_all")

        _run(operation, fresh, st.one_of(strategies), skip)
        api.tokens["supervisor_all"] = headers["Authorization"].removeprefix("Bearer ")
    else:
        _run(operation, lambda: headers, st.one_of(strategies), skip)

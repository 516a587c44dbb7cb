"""Helpers of the storage tests: instants, an applicant, scenarios to run on any store.

The root ``tests/conftest.py`` provides the fixtures (``store``, ``database``, ``db_url``,
``engine``); instants and identity numbers come from ``tests/support.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from support import at as at
from support import gb11643

from jingban.engine import ActionParams, AuditEvent, Case
from jingban.engine.audit import encode_payload
from jingban.engine.model import case_to_dict
from jingban.engine.present import case_summary, event_dict

APPLICANT_ID = gb11643("51010719750308212")  # 成都市青羊区, born 1975-03-08

OPEN = {
    "applicant_name": "王小红",
    "applicant_id": APPLICANT_ID,
    "actor": "clerk-li",
    "role": "clerk",
}


@dataclass(frozen=True)
class Step:
    """One attempt: ``action`` by ``who`` at ``when``, failing with ``error`` if given."""

    action: str
    who: tuple[str, str]
    when: str
    params: dict[str, Any] = field(default_factory=dict)
    error: type[Exception] | None = None


@dataclass(frozen=True)
class Scenario:
    region: str
    item: str
    received: str
    steps: tuple[Step, ...]
    open_fields: dict[str, Any] = field(default_factory=dict)


def run(scenario: Scenario, store_for: Callable[[], Any]) -> str:
    """Play ``scenario``, asking ``store_for()`` for the store before every step (a fresh one
    reloads the case from the database). Returns the case number."""
    opened = store_for().open(
        now=at(scenario.received),
        region=scenario.region,
        item=scenario.item,
        **{**OPEN, **scenario.open_fields},
    )
    case_no = opened.case.case_no
    for step in scenario.steps:
        store = store_for()
        try:
            store.act(
                case_no,
                step.action,
                actor=step.who[0],
                role=step.who[1],
                now=at(step.when),
                params=ActionParams(**step.params),
            )
        except Exception as exc:
            if step.error is None or not isinstance(exc, step.error):
                raise
        else:
            assert step.error is None, f"{step.action} at {step.when} should fail"
    return case_no


def history_view(events: list[AuditEvent]) -> list[dict[str, Any]]:
    """The audit records as displayed, payloads as the hash sees them, without the time each
    was recorded (nor the hashes, which cover it)."""
    out = []
    for event in events:
        data = event_dict(event)
        data.pop("recorded_at")
        data["payload"] = encode_payload(data["payload"])
        out.append(data)
    return out


# Engine fields that storage does not keep (none today; add here with the reason if ever).
UNSTORED: tuple[str, ...] = ()


def case_view(case: Case) -> dict[str, Any]:
    """Everything the engine keeps of a case."""
    data = encode_payload(case_to_dict(case))
    for name in UNSTORED:
        data.pop(name, None)
    return {"summary": case_summary(case), "fields": data}

"""What a case waits for beyond its own clock: materials accepted as deferred (容缺受理) and
the checks of applicants' undertakings (告知承诺), as records on the case.

Pure data and rules, no I/O. A `Deferred` material is outstanding until it arrives (the
case may not be 办结 or 拨付 before); an `Undertaking` replaced a proof at the counter and
waits for its 核查 until ``outcome`` is set (``passed`` or ``failed``). The supplement
deadline of a one-time notice is the case's ``supplement_due``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from jingban.errors import NotAllowed
from jingban.workflows.actions import ACTIONS

if TYPE_CHECKING:
    from jingban.calendar import WorkCalendar

UNDERTAKING_OUTCOMES: Mapping[str, str] = MappingProxyType(
    dict(ACTIONS["verify_undertaking"].params[0].choices)
)
"""The outcomes a 核查 may give (the ``outcome`` parameter, as declared) and their wording."""
_STORED_OUTCOME = {"pass": "passed", "fail": "failed"}


@dataclass(frozen=True, slots=True)
class Deferred:
    """A material accepted as deferred (容缺): due at ``due_at``; ``arrived_at`` once given."""

    name: str
    due_at: dt.datetime
    arrived_at: dt.datetime | None = None

    @property
    def outstanding(self) -> bool:
        return self.arrived_at is None


@dataclass(frozen=True, slots=True)
class Undertaking:
    """A personal undertaking (个人承诺书) accepted in place of the proof ``proof``; its
    check (核查) is due at ``due_at``; ``outcome`` is ``passed`` or ``failed`` once checked,
    by ``checked_by`` at ``checked_at``."""

    proof: str
    due_at: dt.datetime
    outcome: str | None = None
    checked_at: dt.datetime | None = None
    checked_by: str | None = None

    @property
    def pending(self) -> bool:
        return self.outcome is None


class DeferredOutstanding(NotAllowed):
    """The case may not be completed or paid while deferred materials are outstanding."""


def due_after(cal: WorkCalendar, at: dt.datetime, working_days: int) -> dt.datetime:
    """Office close (UTC) of the ``working_days``-th working day counted from ``at`` as a
    receipt counts (after office close or on a non-working day: from the next working day)."""
    return cal.due(at, working_days, "working_days").at.astimezone(dt.UTC)


def outstanding(deferred: tuple[Deferred, ...]) -> list[str]:
    """Names of the deferred materials not yet arrived, in the order they were deferred."""
    return [d.name for d in deferred if d.outstanding]


def require_no_deferred(deferred: tuple[Deferred, ...], label: str) -> None:
    """Raise `DeferredOutstanding` naming the materials still missing, when any is."""
    missing = outstanding(deferred)
    if missing:
        raise DeferredOutstanding(
            f"容缺受理的材料尚未补齐，不能「{label}」。请先登记收到: " + "；".join(missing)
        )


def checked(undertaking: Undertaking, outcome: str, at: dt.datetime, by: str) -> Undertaking:
    """``undertaking`` with the check's ``outcome`` (``pass``/``fail``) recorded."""
    return Undertaking(undertaking.proof, undertaking.due_at, _STORED_OUTCOME[outcome], at, by)


def followup_data(
    deferred: tuple[Deferred, ...], undertakings: tuple[Undertaking, ...]
) -> dict[str, list[dict[str, Any]]]:
    """The records as plain data (times aware; the storage layer writes them as text)."""
    return {
        "deferred": [
            {"name": d.name, "due_at": d.due_at, "arrived_at": d.arrived_at} for d in deferred
        ],
        "undertakings": [
            {
                "proof": u.proof,
                "due_at": u.due_at,
                "outcome": u.outcome,
                "checked_at": u.checked_at,
                "checked_by": u.checked_by,
            }
            for u in undertakings
        ],
    }

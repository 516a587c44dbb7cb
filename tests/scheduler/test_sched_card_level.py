"""The card colour the console shows is the level the deadline scan records.

Both come from one set of rules (`jingban.engine.levels.RULES`): the scan runs them as SQL,
the console evaluates them in Python. Here every state meets every position of its dues and
warning instants (passed, exactly now, still ahead, absent) on a real database; for each case
the most serious open alert the scan recorded must be the colour `card_level` gives.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sched_support import at, open_case, rows, scan_at, services_on
from sqlalchemy import update

from jingban.engine.levels import LEVEL_ORDER, card_level
from jingban.storage.models import CASES
from jingban.workflows.vocabulary import RUNNING_STATES, STATES

NOW = at("2026-06-10 12:00")
PAST, FUTURE = NOW - dt.timedelta(hours=1), NOW + dt.timedelta(days=3)
POSITIONS = {"past": PAST, "now": NOW, "ahead": FUTURE, "none": None}
PROMISED_AND_STATUTORY = ("promised_warn_at", "promised_due", "statutory_warn_at", "statutory_due")


def _layouts() -> list[dict[str, dt.datetime | None]]:
    """Every position of the promised and statutory dues and warnings (the two rules with an
    upper bound), then the acceptance and stage dues alone in each position."""
    layouts: list[dict[str, dt.datetime | None]] = []
    for chosen in itertools.product(("past", "now", "ahead"), repeat=4):
        layout = {f: POSITIONS[p] for f, p in zip(PROMISED_AND_STATUTORY, chosen, strict=True)}
        layouts.append(layout | {"accept_due": None, "stage_due": None})
    for due in ("accept_due", "stage_due"):
        for position in POSITIONS.values():
            layout = dict.fromkeys(PROMISED_AND_STATUTORY, FUTURE)
            layout |= {"accept_due": FUTURE, "stage_due": None, due: position}
            layouts.append(layout)
    layouts.append(dict.fromkeys((*PROMISED_AND_STATUTORY, "accept_due", "stage_due")))
    return layouts


def test_the_console_colour_is_the_level_the_scan_records(db_url: str) -> None:
    layouts = _layouts()
    with services_on(db_url) as services:
        placed: dict[str, tuple[str, dict[str, dt.datetime | None]]] = {}
        received = at("2026-06-01 10:00")
        for state in STATES:
            for layout in layouts:
                case_no = open_case(services, "sichuan", "outpatient_reimbursement", received)
                placed[case_no] = (state.key, layout)
        cases = CASES
        with services.db.engine.begin() as conn:
            for case_no, (state, layout) in placed.items():
                conn.execute(
                    update(cases)
                    .where(cases.c.case_no == case_no)
                    .values(state=state, running=state in RUNNING_STATES, **layout)
                )
        scan_at(services, NOW)
        recorded: dict[str, str] = {}
        for row in rows(services, "SELECT case_no, level FROM alerts WHERE closed_at IS NULL"):
            seen = recorded.get(row["case_no"], "green")
            if LEVEL_ORDER.index(row["level"]) < LEVEL_ORDER.index(seen):
                recorded[row["case_no"]] = row["level"]
        mismatches = []
        for case_no, (state, layout) in placed.items():
            shown = card_level(services.cases.get(case_no), NOW)
            if shown != recorded.get(case_no, "green"):
                mismatches.append((state, layout, shown, recorded.get(case_no, "green")))
        assert not mismatches, mismatches[:5]
        # The layouts reach every colour, so the comparison is not vacuous.
        assert set(recorded.values()) == {"red", "orange", "yellow"}

"""Report periods: 本月, 本季, 本年 of a day (month ends, leap February, December), the
from/to asked for, and the mistakes refused."""

from __future__ import annotations

import datetime as dt

import pytest

from jingban.errors import BadInput
from jingban.office_reports import Period

D = dt.date


@pytest.mark.parametrize(
    ("name", "today", "start", "end"),
    [
        ("month", D(2028, 2, 10), D(2028, 2, 1), D(2028, 2, 29)),  # a leap February
        ("month", D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31)),
        ("quarter", D(2026, 12, 3), D(2026, 10, 1), D(2026, 12, 31)),
        ("quarter", D(2026, 1, 1), D(2026, 1, 1), D(2026, 3, 31)),
        ("quarter", D(2026, 6, 30), D(2026, 4, 1), D(2026, 6, 30)),
        ("year", D(2026, 7, 15), D(2026, 1, 1), D(2026, 12, 31)),
    ],
)
def test_named_periods(name: str, today: dt.date, start: dt.date, end: dt.date) -> None:
    assert Period.named(name, today) == Period(start, end)


def test_from_and_to_with_a_missing_end() -> None:
    today = D(2026, 12, 3)
    assert Period.chosen(D(2026, 11, 1), None, None, today) == Period(
        D(2026, 11, 1), D(2026, 12, 31)
    )
    assert Period.chosen(None, None, None, today) == Period(D(2026, 12, 1), D(2026, 12, 31))
    assert Period(D(2025, 11, 15), D(2026, 2, 1)).months() == [
        "2025-11", "2025-12", "2026-01", "2026-02",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("start", "end", "name", "says"),
    [
        (D(2026, 11, 30), D(2026, 11, 1), None, "晚于"),
        (D(2026, 11, 1), None, "month", "period"),
        (None, None, "week", "week"),
        (D(2010, 1, 1), D(2026, 1, 1), None, "五年"),
    ],
)
def test_mistakes_are_refused(
    start: dt.date | None, end: dt.date | None, name: str | None, says: str
) -> None:
    with pytest.raises(BadInput, match=says):
        Period.chosen(start, end, name, D(2026, 12, 3))


@pytest.mark.parametrize(
    ("start", "end", "months", "spans"),
    [
        (D(2026, 5, 1), D(2026, 6, 30), (202605, 202606), []),
        (D(2026, 5, 14), D(2026, 6, 30), (202606, 202606), [(D(2026, 5, 14), D(2026, 5, 31))]),
        (D(2026, 5, 1), D(2026, 6, 12), (202605, 202605), [(D(2026, 6, 1), D(2026, 6, 12))]),
        (D(2026, 5, 20), D(2026, 5, 25), None, [(D(2026, 5, 20), D(2026, 5, 25))]),
        (D(2025, 12, 15), D(2026, 2, 28), (202601, 202602), [(D(2025, 12, 15), D(2025, 12, 31))]),
        (D(2028, 2, 1), D(2028, 2, 29), (202802, 202802), []),  # a leap February, whole
        (D(2028, 2, 1), D(2028, 2, 28), None, [(D(2028, 2, 1), D(2028, 2, 28))]),
    ],
)  # fmt: skip
def test_a_period_splits_into_whole_months_and_the_days_around_them(
    start: dt.date, end: dt.date, months: tuple[int, int] | None, spans: list
) -> None:
    from jingban.storage.report_flow import whole_months

    first, last, around = whole_months(start, end)
    assert ((first, last) if first <= last else None) == months
    assert around == spans

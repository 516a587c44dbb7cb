"""Typed errors of the working-day calendar."""

from __future__ import annotations

from jingban.errors import BadInput


class CalendarError(BadInput):
    """A calendar question that cannot be answered as asked."""


class CalendarRangeError(CalendarError):
    """A date outside the span the calendar covers."""


class UnknownRegion(CalendarError):
    """A region key the product does not know."""


class NoticeError(CalendarError):
    """A holiday notice file that does not validate; the message names file and line."""

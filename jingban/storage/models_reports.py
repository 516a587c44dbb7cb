"""The report facts of every case (0027_report_facts), on the `METADATA` of
`jingban.storage.models`.

``report_facts`` holds one row per case: the figures the office reports are counted from
(when it was received, accepted and ended, how it ended, how its completion stood against
its limits, the working days it used and was allowed, who accepted and who completed it).
It is a projection of the audit trail, kept current by an action effect in each action's own
unit (`jingban.storage.report_facts`) and rebuilt from the cases by ``jingban report
rebuild``. Days are Beijing dates as integers YYYYMMDD (0: not yet), so a month is ``day //
100`` and no value is NULL.

``report_months`` is the same facts added up per month, region, office, item and measure
(``received``, ``accepted``, ``completed:1`` … ``completed:4`` by timing, ``not_accepted``,
``withdrawn``): what a period of whole months reads instead of a million rows. The same
effect keeps it equal to the GROUP BY of ``report_facts``, adding to each row what an action
changed (``jingban report rebuild`` recomputes it).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
)

from jingban.storage.models import METADATA

REPORT_FACTS = Table(
    "report_facts",
    METADATA,
    Column("case_no", String(24), primary_key=True),
    Column("region", String(32), nullable=False),
    Column("office", String(100), nullable=False),
    Column("item_key", String(64), nullable=False),
    Column("received_day", Integer, nullable=False),
    Column("accepted_day", Integer, nullable=False),
    Column("ended_day", Integer, nullable=False),
    # The state the case ended in ('' while open) and, for 办结, its outcome.
    Column("ended", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),
    # Of a completion (`TIMINGS`): 1 within the promised limit, 2 within the statutory one,
    # 3 within an extended limit only (延期办结), 4 late; 0 otherwise.
    Column("timing", SmallInteger, nullable=False),
    # 1 when completed at least a working day before its promised due (提前办结).
    Column("early", SmallInteger, nullable=False),
    # Working days the clock ran until completion, and those the promised limit allowed
    # (-1: not known, as before the clock started).
    Column("used_days", Integer, nullable=False),
    Column("limit_days", Integer, nullable=False),
    Column("acceptor", String(100), nullable=False),
    Column("completer", String(100), nullable=False),
    Index(
        "ix_report_facts_ended",
        "ended_day",
        "region",
        "office",
        "item_key",
        "ended",
        "timing",
        "early",
        "used_days",
        "limit_days",
        "completer",
        "received_day",
    ),
    Index("ix_report_facts_received", "received_day", "region", "office", "item_key"),
    Index("ix_report_facts_accepted", "accepted_day", "region", "office", "item_key", "acceptor"),
)

REPORT_MONTHS = Table(
    "report_months",
    METADATA,
    Column("month", Integer, nullable=False),
    Column("region", String(32), nullable=False),
    Column("office", String(100), nullable=False),
    Column("item_key", String(64), nullable=False),
    Column("measure", String(16), nullable=False),
    Column("n", Integer, nullable=False),
    Column("early", Integer, nullable=False),
    Column("used_total", Integer, nullable=False),
    Column("used_counted", Integer, nullable=False),
    Column("ratio_total", Float, nullable=False),
    Column("ratio_counted", Integer, nullable=False),
    PrimaryKeyConstraint("month", "region", "office", "item_key", "measure"),
)

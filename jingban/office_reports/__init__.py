"""The reports offices hand in (办件情况汇总, 分事项, 分人员, 月度趋势): built from the report
figures (`jingban.storage.report_figures`), the 好差评, 督办 and 稽核 figures, for a period
and a scope, as one table each — shown by the CLI, the API and the console, and written as
a workbook (`jingban.xlsx`).

A `Report` is the table (its columns say how each value reads: count, rate, days) and, for
the summary, the sections beside it. Counts of a period are of the cases received, accepted
and ended in it; the backlog (在办, 在办超期, ages) is of the moment the report is made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jingban.calendar import BEIJING, region_profile
from jingban.errors import BadInput
from jingban.office_reports.periods import PERIODS, Period
from jingban.storage.oversight_figures import audit_figures, supervision_figures
from jingban.storage.report_figures import AGE_BUCKETS, Backlog, Flow, ReportFigures, total
from jingban.xlsx import Column, sheet

if TYPE_CHECKING:
    from jingban.services import Services

__all__ = [
    "KINDS",
    "LABELS",
    "PERIODS",
    "SECTION_TITLES",
    "Period",
    "Report",
    "build",
    "place_name",
]

KINDS = {
    "summary": "办件情况汇总表",
    "items": "分事项办件情况表",
    "staff": "工作人员办件情况表",
    "trend": "月度办件趋势表",
}
"""Report kind → its title."""

_FLOW = (
    Column("received", "收件", "int", 8),
    Column("accepted", "受理", "int", 8),
    Column("completed", "办结", "int", 8),
    Column("not_accepted", "不予受理", "int", 9),
    Column("withdrawn", "撤回", "int", 8),
    Column("within_promised", "承诺时限内办结", "int", 10),
    Column("within_statutory", "超承诺未超法定", "int", 10),
    Column("extended", "延期办结", "int", 9),
    Column("late", "超期办结", "int", 9),
    Column("on_time_rate", "按时办结率(法定)", "rate", 11),
    Column("promised_rate", "按时办结率(承诺)", "rate", 11),
    Column("early_rate", "提前办结率", "rate", 10),
    Column("speedup_rate", "提速率", "rate", 9),
    Column("average_days", "平均用时(工作日)", "number", 11),
    Column("late_rate", "超期办结率", "rate", 10),
)
_BACKLOG = (
    Column("open", "在办", "int", 8),
    Column("overdue", "在办超期", "int", 9),
    *(Column(f"age_{n}", f"在办{label}", "int", 10) for n, (_, label) in enumerate(AGE_BUCKETS)),
)


@dataclass(slots=True)
class Report:
    """One report: a table of ``rows`` under ``columns`` (and the ``total`` row), the
    sections beside it (好差评, 督办, 稽核 of the summary), of ``place`` in ``period``."""

    kind: str
    place: str
    period: Period
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None
    as_of: dt.datetime
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: int = 0

    @property
    def title(self) -> str:
        return f"{self.place} {KINDS[self.kind]}"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "as_of": self.as_of.astimezone(BEIJING).isoformat(),
            "columns": [{"key": c.key, "header": c.header, "kind": c.kind} for c in self.columns],
            "rows": self.rows,
            "total": self.total,
            "sections": self.sections,
            "missing_facts": self.missing,
        }

    def workbook(self) -> bytes:
        rows = [*self.rows, *([self.total] if self.total else [])]
        notes = [
            (SECTION_TITLES.get(name, name), [(LABELS.get(k, k), v) for k, v in values.items()])
            for name, values in self.sections.items()
        ]
        return sheet(
            title=self.title,
            columns=self.columns,
            rows=rows,
            start=self.period.start,
            end=self.period.end,
            name=KINDS[self.kind][:31],
            notes=notes,
        )


SECTION_TITLES = {"feedback": "好差评", "supervision": "督办", "audit": "稽核"}
LABELS = {
    "rated": "评价数",
    "bad": "差评数",
    "rectified": "已整改",
    "rectified_in_time": "按期整改",
    "called_back": "已回访",
    "bad_rate": "差评率",
    "rectified_rate": "整改率",
    "in_time_rate": "按期整改率",
    "callback_rate": "回访率",
    "issued": "督办单",
    "replied": "已回复",
    "replied_late": "逾期回复",
    "waiting": "待回复",
    "overdue": "逾期未回复",
    "samples": "抽查批次",
    "drawn": "抽查件数",
    "checked": "已稽核",
    "compliant": "合规",
    "problems": "发现问题",
    "region": "地区",
    "office": "经办机构",
}


def _flow_row(flow: Flow, backlog: Backlog | None = None) -> dict[str, Any]:
    row = flow.as_dict()
    if backlog is not None:
        row["open"], row["overdue"] = backlog.open, backlog.overdue
        for n, (_, label) in enumerate(AGE_BUCKETS):
            row[f"age_{n}"] = backlog.ages[label]
    return row


def _region_name(key: str) -> str:
    try:
        return region_profile(key).name
    except Exception:  # a region the registry no longer lists: its key
        return key


def place_name(region: str | None, office: str | None) -> str:
    if office:
        return office
    return _region_name(region) if region else "全部地区"


def build(
    services: Services,
    kind: str,
    period: Period,
    now: dt.datetime,
    *,
    region: str | None = None,
    office: str | None = None,
) -> Report:
    """The ``kind`` report (`KINDS`) of the scope for ``period``, as it stands at ``now``."""
    if kind not in KINDS:
        raise BadInput(f"报表 {kind!r} 不认识: 可用 {', '.join(KINDS)}")
    figures = ReportFigures(services.db)
    report = {"summary": _summary, "items": _items, "staff": _staff, "trend": _trend}[kind](
        services, figures, period, now, region, office
    )
    report.missing = figures.missing()
    return report


def _summary(
    services: Services,
    figures: ReportFigures,
    period: Period,
    now: dt.datetime,
    region: str | None,
    office: str | None,
) -> Report:
    flows = figures.flow(period.start, period.end, "office", region=region, office=office)
    backlogs = figures.backlog(now, "office", region=region, office=office)
    rows = []
    keys = sorted(set(flows) | set(backlogs))
    regions = sorted({k[0] for k in keys})
    for reg in regions:
        mine = [k for k in keys if k[0] == reg]
        for key in mine:
            row = _flow_row(flows.get(key, Flow()), backlogs.get(key, Backlog()))
            name = _region_name(reg)
            rows.append({"region": reg, "region_name": name, "office": key[1] or "（地区本级）",
                         **row})  # fmt: skip
        if len(regions) > 1:  # figures per region too: its subtotal after its offices
            backlog = Backlog()
            for k in mine:
                backlog.add(backlogs.get(k, Backlog()))
            flow = total(flows.get(k, Flow()) for k in mine)
            rows.append({"region": reg, "region_name": _region_name(reg), "office": "小计",
                         "subtotal": True, **_flow_row(flow, backlog)})  # fmt: skip
    whole = Backlog()
    for b in backlogs.values():
        whole.add(b)
    totals = {"region_name": "合计", "office": "", **_flow_row(total(flows.values()), whole)}
    feedback = services.ratings.figures(
        region=region, office=office, start=period.start, end=period.end
    )
    sections = {
        "feedback": feedback.as_dict(),
        "supervision": supervision_figures(
            services.db, period.start, period.end, now, region=region, office=office
        ).as_dict(),
        "audit": audit_figures(
            services.audit_samples, period.start, period.end, region=region
        ).as_dict(),
    }
    columns = (
        Column("region_name", "地区", width=10),
        Column("office", "经办机构", width=24),
        *_FLOW,
        *_BACKLOG,
    )
    return Report(
        "summary", place_name(region, office), period, columns, rows, totals, now, sections
    )


def _items(
    services: Services,
    figures: ReportFigures,
    period: Period,
    now: dt.datetime,
    region: str | None,
    office: str | None,
) -> Report:
    flows = figures.flow(period.start, period.end, "item", region=region, office=office)
    backlogs = figures.backlog(now, "item", region=region, office=office)
    rows = []
    for key in sorted(set(flows) | set(backlogs)):
        row = _flow_row(flows.get(key, Flow()), backlogs.get(key, Backlog()))
        rows.append(
            {
                "region": key[0],
                "region_name": _region_name(key[0]),
                "item_key": key[1],
                "item_name": _item_name(services, *key),
                **row,
            }
        )
    columns = (
        Column("region_name", "地区", width=10),
        Column("item_name", "事项", width=36),
        *_FLOW,
        *_BACKLOG[:2],
    )
    return Report(
        "items",
        place_name(region, office),
        period,
        columns,
        rows,
        {"region_name": "合计", **_flow_row(total(flows.values()))},
        now,
    )


def _item_name(services: Services, region: str, key: str) -> str:
    try:
        return services.engine.catalog.item(region, key).name
    except BadInput:
        return key


_STAFF = (
    "accepted",
    "completed",
    "within_promised",
    "within_statutory",
    "extended",
    "late",
    "on_time_rate",
    "early_rate",
    "speedup_rate",
    "average_days",
)


def _staff(
    services: Services,
    figures: ReportFigures,
    period: Period,
    now: dt.datetime,
    region: str | None,
    office: str | None,
) -> Report:
    flows = figures.flow(period.start, period.end, "staff", region=region, office=office)
    names = {u.username: u.display_name for u in services.accounts.users()}
    ratings = services.ratings.by_staff(
        region=region, office=office, start=period.start, end=period.end
    )
    rows = []
    for key in sorted(k for k in flows if k[1]):
        rated, bad = ratings.get(key, (0, 0))
        row = {k: v for k, v in flows[key].as_dict().items() if k in _STAFF}
        rows.append(
            {"region": key[0], "region_name": _region_name(key[0]), "staff": key[1],
             "staff_name": names.get(key[1], key[1]), **row, "rated": rated, "bad": bad}
        )  # fmt: skip
    by = {c.key: c for c in _FLOW}
    columns = (
        Column("region_name", "地区", width=10),
        Column("staff_name", "工作人员", width=12),
        Column("staff", "账号", width=14),
        *(by[k] for k in _STAFF),
        Column("rated", "评价数", "int", 8),
        Column("bad", "差评数", "int", 8),
    )
    return Report("staff", place_name(region, office), period, columns, rows, None, now)


_TREND = (
    "received",
    "accepted",
    "completed",
    "late",
    "on_time_rate",
    "promised_rate",
    "early_rate",
    "speedup_rate",
    "average_days",
)


def _trend(
    services: Services,
    figures: ReportFigures,
    period: Period,
    now: dt.datetime,
    region: str | None,
    office: str | None,
) -> Report:
    flows = figures.flow(period.start, period.end, "month", region=region, office=office)
    rows = []
    for month in period.months():
        flow = flows.get((month,), Flow())
        rows.append({"month": month, **{k: v for k, v in flow.as_dict().items() if k in _TREND}})
    by = {c.key: c for c in _FLOW}
    columns = (Column("month", "月份", width=10), *(by[k] for k in _TREND))
    whole = {k: v for k, v in _flow_row(total(flows.values())).items() if k in _TREND}
    return Report(
        "trend", place_name(region, office), period, columns, rows, {"month": "合计", **whole}, now
    )

"""What an applicant is told about the office that handles a case: where, when, whom to call,
whom to complain to, and what it costs.

Each fact comes from the most specific source that gives it: the item's own cell in its
catalog where the guide writes one per item (沙湾: 办理机构及地点, 办事时间, 咨询查询途径,
监督投诉渠道, 收费依据及标准), else the office's entry in the region registry
(``[[regions.<key>.offices]]`` in ``calendar/data/regions.toml``, `jingban.calendar.offices`:
四川's guide leaves 办理地点/时间/电话 "以各经办机构公布的为准", so each office fills in its
own there), else, for the hours only, the opening sessions the region's calendar counts by.
A fact no source gives is None and is not shown.

Pure: the receipt, the notices, the registration form and the public progress page all ask
here (`office_info`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from jingban.calendar import region_profile
from jingban.calendar.office_hours import OfficeHours, Session
from jingban.workflows.model import Item

_ADDRESS = "办理机构及地点"
_HOURS = "办事时间"
_ENQUIRY = "咨询查询途径"
_SUPERVISION = "监督投诉渠道"
_FEE = "收费依据及标准"
_PHONE_LABELS = ("座机：", "座机:", "电话：", "电话:")


@dataclass(frozen=True)
class OfficeInfo:
    """The office facts of one case (None: no source gives it)."""

    name: str
    address: str | None = None
    hours: str | None = None
    phone: str | None = None
    supervision_phone: str | None = None
    fee: str | None = None
    review_body: str | None = None
    court: str | None = None

    def public(self) -> dict[str, str | None]:
        """The facts the public progress page shows (not the review body and court, which
        only the decisions against the applicant print)."""
        shown = asdict(self)
        del shown["review_body"], shown["court"]
        return shown


def office_label(region: str | None, office: str | None) -> str:
    """The office's name as printed: the case's office, else the region's 经办机构."""
    if office:
        return office
    if region:
        return f"{region_profile(region).name}医疗保障经办机构"
    return "医疗保障经办机构"


def first_line(text: str | None) -> str | None:
    """The first line of a catalog cell, without its 座机： label (None if blank)."""
    if not text:
        return None
    line = text.strip().splitlines()[0].strip()
    for label in _PHONE_LABELS:
        line = line.removeprefix(label)
    return line.strip() or None


def whole_cell(text: str | None) -> str | None:
    """A catalog cell on one line, its runs of spaces and line breaks as one space."""
    joined = " ".join((text or "").split())
    return joined or None


def _sessions(sessions: tuple[Session, ...]) -> str:
    return "、".join(f"{a:%H:%M}—{b:%H:%M}" for a, b in sessions)


def hours_text(hours: OfficeHours) -> str:
    """Opening sessions as a notice prints them (工作日, Beijing time)."""
    if hours.summer == hours.winter:
        return f"工作日 {_sessions(hours.summer)} (法定节假日除外)"
    sm, sd = hours.summer_from
    wm, wd = hours.winter_from
    return (
        f"工作日 夏季({sm}月{sd}日起) {_sessions(hours.summer)}；"
        f"冬季({wm}月{wd}日起) {_sessions(hours.winter)} (法定节假日除外)"
    )


def office_info(region: str, office: str | None, item: Item | None) -> OfficeInfo:
    """The facts of ``office`` of ``region`` for a case of ``item`` (item cells first)."""
    profile = region_profile(region)
    entry = profile.office(office)
    extra = item.extra if item is not None else {}
    return OfficeInfo(
        name=office_label(region, office),
        address=first_line(extra.get(_ADDRESS)) or entry.address,
        hours=whole_cell(extra.get(_HOURS)) or entry.hours or hours_text(profile.hours),
        phone=first_line(extra.get(_ENQUIRY)) or entry.phone,
        supervision_phone=first_line(extra.get(_SUPERVISION)) or entry.supervision_phone,
        fee=whole_cell(extra.get(_FEE)) or entry.fee,
        review_body=entry.review_body,
        court=entry.court,
    )

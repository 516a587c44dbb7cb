"""Persistence of the calendar's overlays: imported notices and local closures.

`CalendarStore.calendar(region)` builds the region's `WorkCalendar` with everything the
administrators have loaded; `calendar(region, office=…)` adds that office's own closure days.
A closure is the whole region's (``office`` None: administrators register it) or one
office's (its supervisor or an administrator); `check_closure_scope` says who may do which.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from jingban.calendar import (
    BEIJING,
    Notice,
    NoticeError,
    WorkCalendar,
    contradictions,
    line_of,
    official_year,
    parse_notice,
    region_profile,
)
from jingban.errors import BadInput, Conflict, Forbidden
from jingban.storage.accounts import User
from jingban.storage.calendar_changes import record_change
from jingban.storage.database import Database
from jingban.storage.limits import stored_name, stored_text
from jingban.storage.models import CALENDAR_NOTICES, CLOSURES

#: The window of closure days that may be registered, around today.
CLOSURE_DAYS_BACK = 366
CLOSURE_DAYS_AHEAD = 3 * 366


@dataclass(frozen=True)
class Closure:
    region: str
    day: dt.date
    reason: str
    created_at: dt.datetime
    created_by: str
    #: The office closed; None for the whole region.
    office: str | None = None


def _office_key(office: str | None) -> str:
    """The stored form of a closure's office: '' is the whole region."""
    return (office or "").strip()[:100]


def check_closure_scope(user: User, region: str, office: str | None) -> None:
    """Whether ``user`` may register or remove a closure of ``region`` (and ``office``):
    an administrator for the whole region or any office of it (of their own region when
    they have one), a supervisor for their own office only. Raises `Forbidden` otherwise."""
    office = _office_key(office) or None
    if user.region is not None and region != user.region:
        raise Forbidden("只能登记本地区的闭馆日")
    if user.role == "admin":
        return
    if user.role != "supervisor":
        raise Forbidden("只有管理员或科长可以登记闭馆日")
    if user.office is None:
        raise Forbidden("科长账号未设所属经办机构，不能登记闭馆日；整个地区的闭馆日由管理员登记")
    if office != user.office:
        where = "整个地区" if office is None else f"「{office}」"
        raise Forbidden(
            f"科长只能登记本经办机构 ({user.office}) 的闭馆日，不能登记{where}的闭馆日；"
            "整个地区的闭馆日由管理员登记"
        )


class CalendarStore:
    """Reads and writes the calendar overlays of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- notices --------------------------------------------------------------------------

    def notices(self) -> list[Notice]:
        """Every imported notice, oldest year first."""
        query = select(CALENDAR_NOTICES).order_by(CALENDAR_NOTICES.c.year, CALENDAR_NOTICES.c.scope)
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [parse_notice(row.content, f"{row.scope}-{row.year}") for row in rows]

    def install_notice(
        self,
        notice: Notice,
        *,
        replace: bool = False,
        actor: str = "admin",
        now: dt.datetime,
        source: tuple[str, str] | None = None,
        reason: str = "",
        force_official_override: bool = False,
    ) -> bool:
        """Install ``notice`` and record the change (raising the calendar version and
        owing the open cases a recalculation, `jingban.storage.calendar_changes`) in one
        transaction; returns True if it replaced an earlier import of the same scope and
        year, or the year the product ships as official. Raises `Conflict` when one exists
        and ``replace`` is false; for a shipped official year also `BadInput` without a
        ``reason`` and `Conflict` when the notice changes a shipped day's working status
        and ``force_official_override`` is false; `NoticeError` when a regional notice
        cancels a day that is no national make-up day (naming the file and line when
        ``source`` gives (file name, text))."""
        if notice.cancel_work:
            national = WorkCalendar.for_region("sichuan", notices=self.notices())
            for day in sorted(notice.cancel_work):
                if national.describe(day).kind != "work":
                    where = ""
                    if source is not None:
                        line = line_of(source[1], day.isoformat())
                        where = f"{source[0]}{f' 第 {line} 行' if line else ''}: "
                    raise NoticeError(f"{where}取消的调休上班日 {day} 并不是全国调休上班日")
        official = official_year(notice.scope, notice.year)
        if official is not None:
            _check_official_override(notice, official, replace, reason, force_official_override)
        stored_text(CALENDAR_NOTICES.c.title, notice.title, "通知标题", lines=True)
        stored_name(CALENDAR_NOTICES.c.number, notice.number, "文号")
        stored_name(CALENDAR_NOTICES.c.source_url, notice.source_url, "来源网址")
        stored_name(CALENDAR_NOTICES.c.installed_by, actor, "操作人")
        notices = CALENDAR_NOTICES.c
        same = (notices.scope == notice.scope) & (notices.year == notice.year)
        with self.db.write() as conn:
            existing = conn.execute(select(CALENDAR_NOTICES).where(same)).first()
            if existing is not None and not replace:
                raise Conflict(
                    f"{notice.year} 年的{_scope_label(notice.scope)}节假日安排已导入"
                    f" ({existing.number or existing.title})；如需替换请加 --replace"
                )
            if existing is not None:
                conn.execute(delete(CALENDAR_NOTICES).where(same))
            kind = "override" if official else "replace" if existing is not None else "import"
            label = f"{notice.year}年节假日安排 {notice.number}"
            record_change(
                conn,
                kind=kind,
                detail=f"{'替换' if kind != 'import' else '导入'}{label.strip()}",
                actor=actor,
                now=now,
                region=None,  # a notice (national or regional) may touch every region
                year=notice.year,
                reason=reason.strip(),
            )
            conn.execute(
                insert(CALENDAR_NOTICES).values(
                    scope=notice.scope,
                    year=notice.year,
                    title=notice.title,
                    number=notice.number,
                    source_url=notice.source_url,
                    content=notice.to_toml(),
                    installed_at=now,
                    installed_by=actor,
                )
            )
        return existing is not None or official is not None

    # -- closures -------------------------------------------------------------------------

    def closures(self, region: str | None = None, *, office: str | None = None) -> list[Closure]:
        """Closures of ``region`` (all regions when None), whole-region and every office's,
        by date; with ``office``, only the whole region's and that office's."""
        query = select(CLOSURES).order_by(CLOSURES.c.day, CLOSURES.c.region, CLOSURES.c.office)
        if region is not None:
            query = query.where(CLOSURES.c.region == region)
        if office is not None:
            query = query.where(CLOSURES.c.office.in_(["", _office_key(office)]))
        with self.db.engine.connect() as conn:
            return [
                Closure(r.region, r.day, r.reason, r.created_at, r.created_by, r.office or None)
                for r in conn.execute(query)
            ]

    def close(
        self,
        region: str,
        day: dt.date,
        reason: str,
        *,
        actor: str = "admin",
        now: dt.datetime,
        office: str | None = None,
    ) -> Closure:
        """Close ``region``'s offices on ``day`` (only ``office`` when given). Raises
        `BadInput` for an unknown region or an empty reason, `Conflict` when that day is
        already closed there."""
        region_profile(region)
        if not reason.strip():
            raise BadInput("闭馆必须写明原因 (--reason)")
        check_closure_day(day, now)
        stored_text(CLOSURES.c.reason, reason.strip(), "闭馆原因")
        stored_name(CLOSURES.c.office, (office or "").strip(), "经办机构")
        stored_name(CLOSURES.c.created_by, actor, "操作人")
        key = _office_key(office)
        where = f"{key} " if key else ""
        try:
            with self.db.write() as conn:
                conn.execute(
                    insert(CLOSURES).values(
                        region=region,
                        office=key,
                        day=day,
                        reason=reason.strip(),
                        created_at=now,
                        created_by=actor,
                    )
                )
                record_change(
                    conn,
                    kind="close",
                    detail=f"{where}{day} 闭馆: {reason.strip()}",
                    actor=actor,
                    now=now,
                    region=region,
                    office=key or None,
                    year=day.year,
                )
        except IntegrityError:
            raise Conflict(f"{key or region} 在 {day} 已登记闭馆") from None
        return Closure(region, day, reason.strip(), now, actor, key or None)

    def reopen(
        self,
        region: str,
        day: dt.date,
        *,
        office: str | None = None,
        actor: str = "admin",
        now: dt.datetime | None = None,
    ) -> None:
        """Remove a closure (the whole region's, or ``office``'s) and record the change;
        raises `BadInput` for an unknown region or when there is no such closure."""
        region_profile(region)
        key = _office_key(office)
        where = f"{key} " if key else ""
        with self.db.write() as conn:
            result = conn.execute(
                delete(CLOSURES).where(
                    CLOSURES.c.region == region, CLOSURES.c.office == key, CLOSURES.c.day == day
                )
            )
            if result.rowcount == 0:
                raise BadInput(f"{key or region} 在 {day} 没有登记闭馆")
            record_change(
                conn,
                kind="reopen",
                detail=f"撤销 {where}{day} 闭馆",
                actor=actor,
                now=now or dt.datetime.now(dt.UTC),
                region=region,
                office=key or None,
                year=day.year,
            )

    # -- the calendar ---------------------------------------------------------------------

    def calendar(
        self, region: str, *, overlay: str | None = None, office: str | None = None
    ) -> WorkCalendar:
        """The region's calendar with every imported notice and its whole-region closures;
        with ``office``, that office's closures too."""
        closures = {c.day: c.reason for c in self.closures(region, office=office or "")}
        return WorkCalendar.for_region(
            region, notices=self.notices(), closures=closures, overlay=overlay
        )


def check_closure_day(day: dt.date, now: dt.datetime) -> None:
    """Refuse (`BadInput`) a closure day more than `CLOSURE_DAYS_BACK` days before or
    `CLOSURE_DAYS_AHEAD` days after today (Beijing time): a closure is registered
    shortly before or after it happens, and a mistyped year would move dues for good."""
    today = now.astimezone(BEIJING).date()
    first = today - dt.timedelta(days=CLOSURE_DAYS_BACK)
    last = today + dt.timedelta(days=CLOSURE_DAYS_AHEAD)
    if not first <= day <= last:
        raise BadInput(
            f"闭馆日期 {day} 超出可登记的范围 ({first} 至 {last}，即一年前至三年后)；请核对年份"
        )


def _check_official_override(
    notice: Notice, official: str, replace: bool, reason: str, force: bool
) -> None:
    """The conditions of importing over a year the product ships as official data."""
    what = f"{notice.year} 年的{_scope_label(notice.scope)}节假日安排随产品提供 ({official})"
    if not replace:
        raise Conflict(f"{what}；如确需替换，请加 --replace 并用 --reason 写明原因")
    if not reason.strip():
        raise BadInput(f"{what}；替换时必须用 --reason 写明原因")
    differ = contradictions(notice)
    if differ and not force:
        days = "、".join(d.isoformat() for d in differ[:5]) + (" 等" if len(differ) > 5 else "")
        raise Conflict(
            f"{what}，导入的通知与之不符: {len(differ)} 天的上班/休息不同 ({days})；"
            "请核对通知原文，确需覆盖官方安排时加 --force-official-override"
        )


def _scope_label(scope: str) -> str:
    return "全国" if scope == "national" else "新疆自治区"

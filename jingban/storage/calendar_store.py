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
    Notice,
    NoticeError,
    WorkCalendar,
    line_of,
    parse_notice,
    region_profile,
)
from jingban.errors import BadInput, Conflict, Forbidden
from jingban.storage.accounts import User
from jingban.storage.database import Database
from jingban.storage.limits import stored_name, stored_text
from jingban.storage.models import CALENDAR_NOTICES, CLOSURES


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
    ) -> bool:
        """Install ``notice``; returns True if it replaced an earlier import of the same
        scope and year. Raises `Conflict` when one exists and ``replace`` is false, and
        `NoticeError` when a regional notice cancels a day that is no national make-up day
        (naming the file and line when ``source`` gives (file name, text))."""
        if notice.cancel_work:
            national = WorkCalendar.for_region("sichuan", notices=self.notices())
            for day in sorted(notice.cancel_work):
                if national.describe(day).kind != "work":
                    where = ""
                    if source is not None:
                        line = line_of(source[1], day.isoformat())
                        where = f"{source[0]}{f' 第 {line} 行' if line else ''}: "
                    raise NoticeError(f"{where}取消的调休上班日 {day} 并不是全国调休上班日")
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
        return existing is not None

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
        stored_text(CLOSURES.c.reason, reason.strip(), "闭馆原因")
        stored_name(CLOSURES.c.office, (office or "").strip(), "经办机构")
        stored_name(CLOSURES.c.created_by, actor, "操作人")
        key = _office_key(office)
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
        except IntegrityError:
            raise Conflict(f"{key or region} 在 {day} 已登记闭馆") from None
        return Closure(region, day, reason.strip(), now, actor, key or None)

    def reopen(self, region: str, day: dt.date, *, office: str | None = None) -> None:
        """Remove a closure (the whole region's, or ``office``'s); raises `BadInput` when
        there is none."""
        key = _office_key(office)
        with self.db.write() as conn:
            result = conn.execute(
                delete(CLOSURES).where(
                    CLOSURES.c.region == region, CLOSURES.c.office == key, CLOSURES.c.day == day
                )
            )
            if result.rowcount == 0:
                raise BadInput(f"{key or region} 在 {day} 没有登记闭馆")

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


def _scope_label(scope: str) -> str:
    return "全国" if scope == "national" else "新疆自治区"

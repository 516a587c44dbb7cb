"""The account event log: one row per change to an account (created, password changed or
reset, disabled, enabled, display name edited, tokens revoked) and per sign-in limit reached
or lifted (an address's limit has an empty user name), written in the change's own
transaction and never updated or deleted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from jingban.storage.limits import stored_name
from jingban.storage.models import ACCOUNT_EVENTS

EVENTS = ACCOUNT_EVENTS

#: Kind → how the console and the CLI print it.
EVENT_LABELS = {
    "created": "创建账号",
    "password_changed": "本人修改密码",
    "password_reset": "管理员重置密码",
    "disabled": "停用",
    "enabled": "启用",
    "display_name": "修改姓名",
    "contacts": "修改联系方式",
    "tokens_revoked": "撤销全部令牌",
    "locked": "登录暂停 (某地址)",
    "slowed": "登录减速",
    "client_locked": "地址暂停登录",
    "unlocked": "解除登录限制",
}


@dataclass(frozen=True, slots=True)
class AccountEvent:
    username: str
    kind: str
    actor: str
    at: dt.datetime
    detail: str

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.kind, self.kind)


def record(
    conn: Connection, username: str, kind: str, *, actor: str, now: dt.datetime, detail: str = ""
) -> None:
    """Append one event (in the caller's transaction); raises `BadInput` for an actor name
    longer than the log keeps (the caller's change is then rolled back with it)."""
    stored_name(ACCOUNT_EVENTS.c.actor, actor, "操作人")
    conn.execute(
        insert(ACCOUNT_EVENTS).values(
            username=username, kind=kind, actor=actor, at=now, detail=detail[:500]
        )
    )


def read(conn: Connection, username: str | None, limit: int) -> list[AccountEvent]:
    """The newest ``limit`` events (of ``username``), newest first."""
    query = select(EVENTS).order_by(EVENTS.c.at.desc(), EVENTS.c.id.desc()).limit(limit)
    if username is not None:
        query = query.where(EVENTS.c.username == username)
    return [AccountEvent(r.username, r.kind, r.actor, r.at, r.detail) for r in conn.execute(query)]


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(EVENTS)).scalar_one())

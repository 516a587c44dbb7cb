"""Where a personal notice reaches a member of staff: their e-mail address, mobile number,
企业微信 and 钉钉 user ids (`Contact`), set by an administrator (`jingban user contact`) and
read by whatever sends a notice to a person.

Each value is checked before it is kept (`BadInput` naming it); an empty value clears it.
Every change is an account event (``contacts``) naming the fields changed, in the change's
own transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from jingban.engine.phone import BadMobile, normalise_mobile
from jingban.errors import BadInput, NotFound
from jingban.storage import _account_events
from jingban.storage.database import Database
from jingban.storage.models import USERS
from jingban.storage.models_contacts import STAFF_CONTACTS

_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
_USER_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
FIELD_LABELS = {
    "email": "邮箱",
    "mobile": "手机",
    "wecom_id": "企业微信账号",
    "dingtalk_id": "钉钉账号",
}
"""The contact fields and their wording."""


@dataclass(frozen=True, slots=True)
class Contact:
    """A member of staff's contact details (None: not given)."""

    username: str
    email: str | None = None
    mobile: str | None = None
    wecom_id: str | None = None
    dingtalk_id: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "username": self.username,
            "email": self.email,
            "mobile": self.mobile,
            "wecom_id": self.wecom_id,
            "dingtalk_id": self.dingtalk_id,
        }


def checked(field: str, value: str) -> str | None:
    """``value`` as kept for ``field`` (None when empty); raises `BadInput` naming it."""
    value = value.strip()
    if not value:
        return None
    label = FIELD_LABELS[field]
    if field == "email":
        if not _EMAIL.fullmatch(value):
            raise BadInput(f"{label} {value[:60]!r} 格式不正确，应如 zhangsan@ybj.example.cn")
        return value
    if field == "mobile":
        try:
            return normalise_mobile(value)
        except BadMobile as exc:
            raise BadInput(exc.message) from None
    if not _USER_ID.fullmatch(value):
        raise BadInput(f"{label} {value[:60]!r} 只能包含字母、数字和 _ . @ -，至多 64 位")
    return value


class ContactStore:
    """The contact details of one database's staff."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def contact(self, username: str) -> Contact:
        """The account's details (all None when none were given)."""
        return self.contacts([username]).get(username, Contact(username))

    def contacts(self, usernames: Iterable[str]) -> dict[str, Contact]:
        """The details of those of ``usernames`` that have any, by user name."""
        names = sorted(set(usernames))
        if not names:
            return {}
        query = select(STAFF_CONTACTS).where(STAFF_CONTACTS.c.username.in_(names))
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {
            r.username: Contact(r.username, r.email, r.mobile, r.wecom_id, r.dingtalk_id)
            for r in rows
        }

    def set_contact(
        self, username: str, changes: dict[str, str], *, actor: str, now: dt.datetime
    ) -> Contact:
        """Change the fields named in ``changes`` (``email``, ``mobile``, ``wecom_id``,
        ``dingtalk_id``; an empty value clears one), keep the others. Raises `NotFound`
        (no such account) or `BadInput` (a value that is not one); nothing changes then."""
        unknown = set(changes) - set(FIELD_LABELS)
        if unknown:
            raise BadInput(f"未知的联系方式: {'、'.join(sorted(unknown))}")
        values = {field: checked(field, value) for field, value in changes.items()}
        with self.db.write() as conn:
            found = conn.execute(select(USERS.c.id).where(USERS.c.username == username)).first()
            if found is None:
                raise NotFound(f"没有用户 {username}")
            row = conn.execute(
                select(STAFF_CONTACTS).where(STAFF_CONTACTS.c.username == username)
            ).first()
            old = (
                Contact(username)
                if row is None
                else Contact(username, row.email, row.mobile, row.wecom_id, row.dingtalk_id)
            )
            merged = {**old.as_dict(), **values}
            conn.execute(delete(STAFF_CONTACTS).where(STAFF_CONTACTS.c.username == username))
            conn.execute(insert(STAFF_CONTACTS).values(**merged, updated_at=now))
            changed = [FIELD_LABELS[f] for f in values if getattr(old, f) != values[f]]
            if changed:
                _account_events.record(
                    conn, username, "contacts", actor=actor, now=now, detail="、".join(changed)
                )
        return Contact(**merged)  # type: ignore[arg-type]

"""Notification routes: where a region's (or one office's) alerts go, and how a route's
stored configuration reads.

The channel kinds are defined here, once (`ROUTE_KINDS`); the scheduler's channels and the
CLI's help derive from them. `route_settings` checks a configuration before it is stored
and is what the scheduler builds its channels from, so a route that was accepted always
builds.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any, Literal, get_args

from sqlalchemy import delete, insert, select, update

from jingban.calendar import region_profile
from jingban.errors import BadInput, NotFound
from jingban.storage.database import Database
from jingban.storage.limits import fits, stored_name, stored_text
from jingban.storage.models import DELIVERIES, ROUTES
from jingban.storage.route_roles import (
    PERSONAL_ROLES,
    checked_levels,
    checked_role,
)

__all__ = [
    "ROBOT_KINDS",
    "ROUTE_KINDS",
    "ChannelConfigError",
    "EmailSettings",
    "RobotKind",
    "RobotSettings",
    "Route",
    "RouteStore",
    "route_from_row",
    "route_settings",
]

#: The group robots taking a JSON POST: 企业微信 and 钉钉.
RobotKind = Literal["wecom", "dingtalk"]
ROBOT_KINDS: tuple[RobotKind, ...] = get_args(RobotKind)
#: Every notification channel kind: e-mail and the group robots.
ROUTE_KINDS: tuple[str, ...] = ("email", *ROBOT_KINDS)
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def check_settings(kind: str, target: str, options: Mapping[str, str], role: str | None) -> None:
    """Check a route's configuration; a personal e-mail route may have no fixed recipient
    (each notice goes to the person's own address)."""
    if role in PERSONAL_ROLES and kind == "email" and not target.strip():
        target = "personal@example.org"
    route_settings(kind, target, options)


class ChannelConfigError(BadInput, ValueError):
    """A channel configured wrongly (unknown kind, bad address, bad URL, unknown option)."""


@dataclass(frozen=True)
class EmailSettings:
    """An ``email`` route's configuration, checked."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    starttls: bool
    username: str | None
    password: str | None = field(repr=False)
    timeout: float


@dataclass(frozen=True)
class RobotSettings:
    """A ``wecom`` or ``dingtalk`` route's configuration, checked."""

    url: str
    format: RobotKind
    secret: str | None = field(repr=False)
    timeout: float


def route_settings(
    kind: str, target: str, options: Mapping[str, str]
) -> EmailSettings | RobotSettings:
    """Check and read a route's configuration.

    ``target`` is one address or a comma-separated list for ``email``, the robot URL for
    ``wecom``/``dingtalk``. Options for ``email``: ``host`` (required), ``port`` (25, or 587
    with STARTTLS), ``sender`` (required), ``starttls`` (true/false), ``username``,
    ``password``, ``timeout``; for robots: ``timeout``, and ``secret`` for ``dingtalk``.
    Raises `ChannelConfigError` (a `BadInput` and a `ValueError`) with a Chinese message on
    any mistake.
    """
    if kind == "email":
        _check_options(
            options, {"host", "port", "sender", "starttls", "username", "password", "timeout"}
        )
        recipients = tuple(a.strip() for a in re.split(r"[,，;；、]", target) if a.strip())
        if not recipients:
            raise ChannelConfigError("邮件通知没有收件人")
        for address in recipients:
            _check_address(address, "收件人")
        host = options.get("host", "").strip()
        if not host:
            raise ChannelConfigError("邮件通知缺少 SMTP 服务器地址(host)")
        sender = options.get("sender", "").strip()
        _check_address(parseaddr(sender)[1] if sender else "", "发件人")
        starttls = _flag(options.get("starttls", "false"), "starttls")
        if not (options.get("username", "") + options.get("password", "")).isascii():
            raise ChannelConfigError("SMTP 用户名和密码只能包含 ASCII 字符(英文字母、数字、符号)")
        return EmailSettings(
            host=host,
            port=_port(options.get("port", "587" if starttls else "25")),
            sender=sender,
            recipients=recipients,
            starttls=starttls,
            username=options.get("username") or None,
            password=options.get("password") or None,
            timeout=_seconds(options.get("timeout", "10")),
        )
    if kind in ROBOT_KINDS:
        _check_options(options, {"timeout", "secret"} if kind == "dingtalk" else {"timeout"})
        parts = urllib.parse.urlsplit(target.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ChannelConfigError(f"群机器人地址必须是 http(s) 网址：{target}")
        return RobotSettings(
            url=target.strip(),
            format="wecom" if kind == "wecom" else "dingtalk",
            secret=options.get("secret") or None,
            timeout=_seconds(options.get("timeout", "10")),
        )
    raise ChannelConfigError(f"未知的通知渠道：{kind}(可用：{'、'.join(ROUTE_KINDS)})")


@dataclass(frozen=True, slots=True)
class Route:
    id: int
    region: str
    office: str | None
    name: str
    kind: str
    target: str
    options: Mapping[str, str]
    enabled: bool
    levels: tuple[str, ...] = ()
    role: str | None = None

    def takes(self, level: str) -> bool:
        """Whether a card of ``level`` goes through this route (no levels named: every)."""
        return not self.levels or level in self.levels

    @property
    def personal(self) -> bool:
        return self.role in PERSONAL_ROLES


def route_from_row(m: Mapping[Any, Any]) -> Route:
    """A route from a row mapping keyed by the ``alert_routes`` column names."""
    return Route(
        m["id"],
        m["region"],
        m["office"],
        m["name"],
        m["kind"],
        m["target"],
        json.loads(m["options"]),
        bool(m["enabled"]),
        tuple(lvl for lvl in (m.get("levels") or "").split(",") if lvl),
        m.get("role"),
    )


class RouteStore:
    """The notification routes of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_route(
        self,
        *,
        region: str,
        name: str,
        kind: str,
        target: str,
        office: str | None = None,
        options: Mapping[str, str] | None = None,
        levels: Iterable[str] = (),
        role: str | None = None,
    ) -> Route:
        """Add a route, for cards of ``levels`` (none: every level), standing for ``role``
        (`ROUTE_ROLES`; None: its fixed target). Raises `BadInput` for an unknown region,
        kind, level or role or a bad target."""
        region_profile(region)
        if kind not in ROUTE_KINDS:
            raise BadInput(f"未知通知渠道 {kind!r}；可用: {'、'.join(ROUTE_KINDS)}")
        chosen, role = checked_levels(levels), checked_role(role)
        stored_text(ROUTES.c.name, name.strip(), "接收人")
        stored_name(ROUTES.c.office, office, "经办机构")
        fits(ROUTES.c.target, target, "通知地址")
        check_settings(kind, target, dict(options or {}), role)
        with self.db.write() as conn:
            new_id = conn.execute(
                insert(ROUTES)
                .values(
                    region=region,
                    office=office,
                    name=name.strip() or kind,
                    kind=kind,
                    target=target,
                    options=json.dumps(dict(options or {})),
                    enabled=True,
                    levels=",".join(chosen),
                    role=role,
                )
                .returning(ROUTES.c.id)
            ).scalar_one()
        return Route(
            new_id, region, office, name, kind, target, dict(options or {}), True, chosen, role
        )

    def routes(self, region: str | None = None) -> list[Route]:
        """The routes (of ``region`` when given), oldest first."""
        query = select(ROUTES).order_by(ROUTES.c.id)
        if region is not None:
            query = query.where(ROUTES.c.region == region)
        with self.db.engine.connect() as conn:
            return [route_from_row(r._mapping) for r in conn.execute(query)]

    def route(self, route_id: int) -> Route:
        """The route ``route_id``; raises `NotFound` when there is none."""
        with self.db.engine.connect() as conn:
            row = conn.execute(select(ROUTES).where(ROUTES.c.id == route_id)).first()
        if row is None:
            raise NotFound(f"没有编号为 {route_id} 的通知路由 (jingban alerts routes 列出全部)")
        return route_from_row(row._mapping)

    def edit_route(
        self,
        route_id: int,
        *,
        name: str | None = None,
        target: str | None = None,
        office: str | None = None,
        clear_office: bool = False,
        options: Mapping[str, str] | None = None,
        levels: Iterable[str] | None = None,
        role: str | None = None,
    ) -> Route:
        """Change what is given of route ``route_id`` and return it as stored: ``options``
            are merged into the route's own (an empty value removes that option),
            ``clear_office`` makes it the whole region's; ``levels`` and ``role`` replace the
        route's (``role=""``: back to its fixed target). The result is checked as `add_route`
            checks a new one; raises `NotFound` or `BadInput` (nothing changed)."""
        old = self.route(route_id)
        merged = dict(old.options)
        for key, value in (options or {}).items():
            if value == "":
                merged.pop(key, None)
            else:
                merged[key] = value
        new_name = old.name if name is None else (name.strip() or old.kind)
        new_target = old.target if target is None else target
        new_office = None if clear_office else (old.office if office is None else office)
        stored_text(ROUTES.c.name, new_name, "接收人")
        stored_name(ROUTES.c.office, new_office, "经办机构")
        fits(ROUTES.c.target, new_target, "通知地址")
        new_levels = old.levels if levels is None else checked_levels(levels)
        new_role = old.role if role is None else checked_role(role)
        check_settings(old.kind, new_target, merged, new_role)
        values = {
            "name": new_name,
            "target": new_target,
            "office": new_office,
            "options": json.dumps(merged),
            "levels": ",".join(new_levels),
            "role": new_role,
        }
        with self.db.write() as conn:
            if (
                conn.execute(
                    update(ROUTES).where(ROUTES.c.id == route_id).values(**values)
                ).rowcount
                == 0
            ):
                raise NotFound(f"没有编号为 {route_id} 的通知路由")
        return Route(
            route_id,
            old.region,
            new_office,
            new_name,
            old.kind,
            new_target,
            merged,
            old.enabled,
            new_levels,
            new_role,
        )

    def set_enabled(self, route_id: int, enabled: bool) -> Route:
        """Enable or disable route ``route_id``: a disabled route gets no new deliveries
        (those already queued still go); raises `NotFound`."""
        with self.db.write() as conn:
            changed = conn.execute(
                update(ROUTES).where(ROUTES.c.id == route_id).values(enabled=enabled)
            ).rowcount
        if changed == 0:
            raise NotFound(f"没有编号为 {route_id} 的通知路由 (jingban alerts routes 列出全部)")
        return self.route(route_id)

    def remove_route(self, route_id: int) -> int:
        """Remove a route, cancelling in the same transaction its deliveries still waiting
        or parked (no worker holds them); returns how many were cancelled. Raises
        `NotFound` when there is none with that id."""
        cancel = (
            update(DELIVERIES)
            .where(
                DELIVERIES.c.route_id == route_id,
                DELIVERIES.c.status.in_(("pending", "failed")),
                DELIVERIES.c.lease_owner.is_(None),
            )
            .values(status="cancelled", last_error="通知路由已删除")
        )
        with self.db.write() as conn:
            if conn.execute(delete(ROUTES).where(ROUTES.c.id == route_id)).rowcount == 0:
                raise NotFound(f"没有编号为 {route_id} 的通知路由 (jingban alerts routes 列出全部)")
            return int(conn.execute(cancel).rowcount)


def _check_options(options: Mapping[str, str], allowed: set[str]) -> None:
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ChannelConfigError(
            f"不认识的通知配置项：{'、'.join(unknown)}(可用：{'、'.join(sorted(allowed))})"
        )


def _check_address(address: str, role: str) -> None:
    if not _ADDRESS.match(address):
        raise ChannelConfigError(f"{role}邮箱地址无效：{address or '(空)'}")


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on", "是"):
        return True
    if lowered in ("0", "false", "no", "off", "否", ""):
        return False
    raise ChannelConfigError(f"配置项 {name} 应为 true 或 false：{value}")


def _port(value: str) -> int:
    try:
        port = int(value.strip())
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ChannelConfigError(f"配置项 port 应为 1–65535 的端口号：{value}")
    return port


def _seconds(value: str) -> float:
    try:
        seconds = float(value.strip())
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise ChannelConfigError(f"配置项 timeout 应为 0–600 之间的秒数：{value}")
    return seconds

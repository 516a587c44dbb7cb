"""A region's escalation policy as data: a routes file (TOML) that says where each level of
card goes — e.g. yellow to the assignee personally, orange to the office's supervisor, red
to the region's supervisor and the 分管领导 — applied with ``jingban alerts routes-apply``.

The file lists ``[[route]]`` tables (region, office, name, kind, target, levels, role,
options, enabled). A route is known by its region, office and name. Applying the file makes
the routes of the regions it names what it says: a route it lists is added, or changed where
it differs (a change of channel kind replaces the route: the old one is disabled, a new one
added), and a route of those regions it does not list is disabled (never removed: its
deliveries stay on record). Every route is checked as `RouteStore.add_route` checks one
before anything is written; `plan` says what applying would do (``--dry-run``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from jingban.calendar import region_keys
from jingban.datafile import (
    FileModel,
    OneOf,
    SchemaProblem,
    Text,
    line_of_field,
    loc_text,
    read_toml_text,
    validate,
)
from jingban.errors import BadInput
from jingban.storage.route_roles import ROUTE_LEVELS, ROUTE_ROLES, checked_levels
from jingban.storage.routes import ROUTE_KINDS, Route, RouteStore, check_settings


class RouteSpec(FileModel):
    """One ``[[route]]``: where the cards of a region (or office) go."""

    region: Annotated[Text, OneOf(tuple(region_keys()))] = Field(description="地区键")
    office: Text | None = Field(None, description="经办机构 (缺省: 全地区)")
    name: Text = Field(description="接收人或群名 (同一地区、经办机构内唯一)")
    kind: Annotated[Text, OneOf(ROUTE_KINDS)] = Field(description="通知渠道")
    target: str = Field("", description="邮箱或机器人地址 (个人邮件路由可省)")
    levels: list[Annotated[Text, OneOf(ROUTE_LEVELS)]] = Field(
        default_factory=list, description="只发这些牌色 (缺省: 全部)"
    )
    role: Annotated[Text, OneOf(tuple(ROUTE_ROLES))] | None = Field(
        None, description="assignee、supervisor 或 leader (缺省: 固定地址)"
    )
    options: dict[str, str] = Field(default_factory=dict, description="渠道设置")
    enabled: bool = Field(True, description="是否启用")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.region, self.office or "", self.name)


class RoutesFile(FileModel):
    """The routes file."""

    route: list[RouteSpec] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Change:
    """One step of applying a routes file: ``add`` (``spec``), ``edit`` / ``enable`` /
    ``disable`` (``route``, with ``spec`` for an edit), or ``replace`` (a kind changed: the
    old ``route`` disabled, ``spec`` added)."""

    action: str
    route: Route | None = None
    spec: RouteSpec | None = None

    @property
    def text(self) -> str:
        key = self.spec.key if self.spec is not None else _route_key(self.route)
        place = f"{key[0]}{'/' + key[1] if key[1] else ''}"
        label = {"add": "新增", "edit": "修改", "enable": "启用", "disable": "停用",
                 "replace": "更换渠道"}[self.action]  # fmt: skip
        return f"{label} {place} {key[2]}"


def _route_key(route: Route | None) -> tuple[str, str, str]:
    assert route is not None
    return (route.region, route.office or "", route.name)


def load_routes(name: str, data: bytes) -> list[RouteSpec]:
    """The routes of the file ``name`` with content ``data``. Raises `BadInput` naming the
    line and field of the first mistake, a route listed twice, or a channel that would not
    build (bad address, option)."""
    text, parsed = read_toml_text(data, lambda what: BadInput(f"{name}: {what}"))
    try:
        specs = validate(RoutesFile, parsed).route
    except SchemaProblem as problem:
        line = line_of_field(text, problem.loc)
        at = f"{name} 第 {line} 行" if line else name
        raise BadInput(f"{at}: 字段 {loc_text(problem.loc)}: {problem.what}") from None
    seen: set[tuple[str, str, str]] = set()
    for n, spec in enumerate(specs, start=1):
        if spec.key in seen:
            raise BadInput(f"{name}: 第 {n} 条路由与前面的重复 (同一地区、经办机构和名称)")
        seen.add(spec.key)
        try:
            checked_levels(spec.levels)
            check_settings(spec.kind, spec.target, spec.options, spec.role)
        except BadInput as exc:
            raise BadInput(f"{name}: 第 {n} 条路由 ({spec.name}): {exc.message}") from None
    return specs


def _differs(route: Route, spec: RouteSpec) -> bool:
    return (
        route.target != spec.target
        or dict(route.options) != spec.options
        or route.levels != checked_levels(spec.levels)
        or route.role != spec.role
    )


def plan(store: RouteStore, specs: Sequence[RouteSpec]) -> list[Change]:
    """What applying ``specs`` to the routes stored would do, in order (nothing for a route
    already as the file says)."""
    regions = {s.region for s in specs}
    stored = {_route_key(r): r for r in store.routes() if r.region in regions}
    changes: list[Change] = []
    for spec in specs:
        route = stored.pop(spec.key, None)
        if route is None:
            changes.append(Change("add", spec=spec))
        elif route.kind != spec.kind:
            changes.append(Change("replace", route=route, spec=spec))
        else:
            if _differs(route, spec):
                changes.append(Change("edit", route=route, spec=spec))
            if route.enabled != spec.enabled:
                changes.append(Change("enable" if spec.enabled else "disable", route=route))
    changes += [Change("disable", route=r) for r in stored.values() if r.enabled]
    return changes


def apply(store: RouteStore, changes: Sequence[Change]) -> None:
    """Carry out ``changes`` (from `plan`)."""
    for change in changes:
        route, spec = change.route, change.spec
        if change.action in ("disable", "replace") and route is not None:
            store.set_enabled(route.id, False)
        if change.action == "enable" and route is not None:
            store.set_enabled(route.id, True)
        if change.action in ("add", "replace") and spec is not None:
            added = store.add_route(
                region=spec.region, name=spec.name, kind=spec.kind, target=spec.target,
                office=spec.office, options=spec.options, levels=spec.levels, role=spec.role,
            )  # fmt: skip
            if not spec.enabled:
                store.set_enabled(added.id, False)
        if change.action == "edit" and route is not None and spec is not None:
            options = {k: "" for k in route.options if k not in spec.options}
            store.edit_route(
                route.id, target=spec.target, options={**options, **spec.options},
                levels=spec.levels, role=spec.role or "",
            )  # fmt: skip

"""What an action declaration is made of: its parameters (`Param`, of one of
`PARAM_KINDS`), the notice it prints (`Notice`), its clock effect (`CLOCK_EFFECTS`) and the
declaration itself (`ActionDef`). The table of every action is `jingban.workflows.actions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

PARAM_KINDS: tuple[str, ...] = (
    "reason",
    "materials_received",
    "materials_missing",
    "materials_supplied",
    "amount",
    "account",
    "voucher",
    "days",
    "procedure",
    "assignee",
    "id_number",
    "outcome",
    "delivery_method",
    "tracking",
)
"""How a parameter is validated and shown; `jingban.engine.params` validates each kind."""

CLOCK_EFFECTS: Mapping[str, str] = MappingProxyType(
    {
        "none": "不影响计时",
        "start": "受理后计时的事项自受理起计时",
        "stop": "办件结束，计时终止",
        "pause": "计时暂停",
        "resume": "恢复计时，时限顺延暂停的工作日",
        "restart": "补正后重新计时 (或按地区规定顺延)",
        "extend": "法定时限延长",
    }
)
"""What an action may do to the case's clock (`ActionDef.clock`), with its wording."""


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an action. ``name`` is the field of `ActionParams`, of the API body
    and of the console form; ``cli`` the command-line option; ``maximum`` bounds a number of
    days; ``default`` pre-fills the console form; ``choices``: the values an ``outcome``
    may take, each with its wording, in the order forms offer them."""

    name: str
    kind: str
    label: str
    cli: str
    required: bool = False
    maximum: int | None = None
    default: str | None = None
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    """A printable notice (通知书): its URL name, title and the code in its number (the
    ``kind`` of the office's 文号 style); ``paid_title``, where given, is its title for an
    item whose chain has 拨付."""

    kind: str
    title: str
    code: str
    paid_title: str | None = None


def reason_param(required: bool) -> Param:
    """The optional 说明 or required 理由 of an action (parameter ``reason``)."""
    label = "理由" if required else "说明"
    return Param("reason", "reason", label, "--reason", required=required)


@dataclass(frozen=True, slots=True)
class ActionDef:
    """One action. ``roles`` may take it (``only_in``/``never_in`` narrow a role to, or
    away from, some states); ``machine``: it moves the case along an edge of the item's
    state graph (else it leaves the state as it is); ``stamp``: the case field it dates;
    ``returns_from``: the off-path state it leads back from (the console's main button there);
    ``public``: whether the progress page lists it; ``takeable``: staff take it through
    `Engine.act` (registration and system events are not); ``after_end``: it may also be
    taken on a case that has ended (it changes nothing a decision rests on); ``ended_in``:
    the ended states it is taken in, and only those (an action on a decided case, such as
    the delivery of its result); ``timeline``:
    how its audit payload reads on the case's timeline, as format strings over the payload's
    keys (a line whose keys are absent is left out; `jingban.engine.present.payload_lines`
    knows the format specs ``count``, ``yuan``, ``time`` and ``or <default>``)."""

    key: str
    label: str
    roles: frozenset[str]
    params: tuple[Param, ...] = ()
    clock: str = "none"
    machine: bool = True
    danger: bool = False
    notice: Notice | None = None
    stamp: str | None = None
    returns_from: str | None = None
    public: bool = True
    takeable: bool = True
    after_end: bool = False
    ended_in: frozenset[str] | None = None
    timeline: tuple[str, ...] = ()
    only_in: Mapping[str, frozenset[str]] = field(default_factory=dict)
    never_in: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def param(self, name: str) -> Param | None:
        """The declared parameter ``name``, or None."""
        return next((p for p in self.params if p.name == name), None)

    @property
    def needs_reason(self) -> bool:
        found = self.param("reason")
        return found is not None and found.required

    def may(self, role: str, state: str | None = None) -> bool:
        """Whether ``role`` may take this action (in ``state``, where that matters)."""
        if role not in self.roles:
            return False
        if state is None:
            return True
        if role in self.only_in and state not in self.only_in[role]:
            return False
        return not (role in self.never_in and state in self.never_in[role])

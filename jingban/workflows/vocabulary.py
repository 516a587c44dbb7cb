"""The words every layer shares: case states and their groups, roles, channels.

Each concept is defined here once, as a table; every other view (the frozensets the engine
tests against, the SQL the scan runs, the labels the console prints, the public page's
wording) is derived from these tables. Add a state by adding one `StateDef`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class StateDef:
    """One state a case can be in.

    ``running``: the case's clock runs, so its dues age and raise alerts. ``undecided``: no
    decision on acceptance yet, so the acceptance window (一次性告知 within 5 working days)
    applies. ``final``: nothing leaves it. ``paused``: the clock is stopped waiting for
    something, with the sentence the console shows. ``public``: how the applicant's progress
    page names the step that enters it.
    """

    key: str
    label: str
    public: str
    running: bool = False
    undecided: bool = False
    final: bool = False
    paused: str | None = None
    off_path: bool = False


STATES: tuple[StateDef, ...] = (
    StateDef("submitted", "已申请/待受理", "申请", running=True, undecided=True),
    StateDef("prereviewed", "已预审", "网上预审", running=True, undecided=True),
    StateDef("accepted", "已受理", "受理", running=True),
    StateDef("transferred", "已流转", "业务流转", running=True),
    StateDef("reviewed", "审核通过", "审核", running=True),
    StateDef("paid", "已拨付", "拨付", running=True),
    StateDef("completed", "已办结", "办结", final=True),
    StateDef(
        "supplement_requested",
        "待补正",
        "一次性告知补正材料",
        paused="待申请人补正，计时暂停",
        off_path=True,
    ),
    StateDef("suspended", "中止", "中止 (特别程序)", paused="中止，计时暂停", off_path=True),
    # A reviewer's suspension where the region has a supervisor approve it: the clock runs
    # until the approval (`jingban.workflows.supervision_rules`).
    StateDef("suspension_pending", "中止待批", "中止待批", running=True, off_path=True),
    StateDef("not_accepted", "不予受理", "不予受理", final=True, off_path=True),
    StateDef("withdrawn", "已撤回", "撤回", final=True, off_path=True),
)
"""Every state, chain states in their usual order first, then the off-path ones."""

STATE: Mapping[str, StateDef] = MappingProxyType({s.key: s for s in STATES})
STATE_LABELS: Mapping[str, str] = MappingProxyType({s.key: s.label for s in STATES})
PUBLIC_STEPS: Mapping[str, str] = MappingProxyType({s.key: s.public for s in STATES})
PAUSED_TEXT: Mapping[str, str] = MappingProxyType(
    {s.key: s.paused for s in STATES if s.paused is not None}
)

INITIAL_STATE = "submitted"
FINAL_STATES: frozenset[str] = frozenset(s.key for s in STATES if s.final)
RUNNING_STATES: tuple[str, ...] = tuple(s.key for s in STATES if s.running)
"""States whose clock runs (stored as the ``running`` flag of a case row)."""
UNDECIDED_STATES: tuple[str, ...] = tuple(s.key for s in STATES if s.undecided)
PAUSED_STATES: tuple[str, ...] = tuple(PAUSED_TEXT)
OFF_PATH_STATES: tuple[str, ...] = tuple(s.key for s in STATES if s.off_path)


def sql_state_list(states: tuple[str, ...] | frozenset[str]) -> str:
    """A group of states as an SQL list literal, ``('a', 'b')``, in `STATES` order (state
    keys are ASCII identifiers, so quoting them needs no escaping)."""
    ordered = [s.key for s in STATES if s.key in states]
    return "(" + ", ".join(f"'{key}'" for key in ordered) + ")"


ROLE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "clerk": "窗口受理人员",
        "reviewer": "审核人员",
        "payer": "拨付人员",
        "supervisor": "科长/主管",
        "admin": "管理员",
    }
)
ROLES: tuple[str, ...] = tuple(ROLE_LABELS)


CHANNEL_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "window": "窗口",
        "online": "网上",
        "app": "小程序/APP",
        "grassroots": "基层网点",
        "institution": "定点医药机构",
        "data_exchange": "数据交换",
    }
)
"""The channels a catalog item may list (办理渠道)."""
CHANNELS: tuple[str, ...] = tuple(CHANNEL_LABELS)
CASE_CHANNELS: tuple[str, ...] = ("window", "online")
"""The channels a case is registered under; an item's variants may differ by them."""

DELIVERY_METHODS: Mapping[str, str] = MappingProxyType(
    {"window": "窗口领取", "post": "邮寄送达", "electronic": "电子送达"}
)
"""How the result of an ended case reaches the applicant (送达), with its label."""
CHANNEL_SCOPES: Mapping[str, str] = MappingProxyType({"cross_province": "跨省办理"})
"""The scopes a case channel of an item may be limited to (the catalog's
``channel_scopes``; `jingban.workflows.channels`), with their labels."""

MESSAGE_STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "pending": "待发送",
        "sent": "已发送",
        "failed": "发送失败",
        "cancelled": "已撤销",
        "opted_out": "已退订",
        "not_sent": "未发送",
    }
)
"""How an applicant message went (`jingban.storage.applicant_messages`)."""

"""Which channels a case of an item may be registered under, as the item's guide says.

A case is registered at the window (窗口) or online (网上). An item whose guide lists only
网上办理 (or an app) — 沙湾 3, 10 and 16, 塔城 27 and 28 — has no window registration; an
item with no online channel and no online variant has no online one. An item may also limit
a channel to a scope of cases (``channel_scopes`` in the catalog): 喀什 19–22 handle online
only what is cross-province (通过线上渠道办理（仅支持跨省办理）), so an online case of those
items must be registered as cross-province.

Pure: the registration (`jingban.engine.Engine.open_case`) and the console's registration
form ask here.
"""

from __future__ import annotations

from jingban.workflows.model import Item
from jingban.workflows.vocabulary import CASE_CHANNELS, CHANNEL_LABELS, CHANNEL_SCOPES

ONLINE_CHANNELS = frozenset({"online", "app"})
"""Catalog channels a case reaches through the network: an online registration."""


def case_channels(item: Item) -> tuple[str, ...]:
    """The case channels ``item`` may be registered under, window first: the window unless
    every channel its guide lists is an online one; online where it lists one or has an
    online variant."""
    listed = set(item.channels)
    window = not listed or bool(listed - ONLINE_CHANNELS)
    online = bool(listed & ONLINE_CHANNELS) or any(
        v.when.get("channel") == "online" for v in item.variants
    )
    allowed = {"window": window, "online": online}
    return tuple(c for c in CASE_CHANNELS if allowed[c])


def channel_problem(item: Item, channel: str, scopes: frozenset[str] = frozenset()) -> str | None:
    """Why a case of ``item`` cannot be registered under ``channel`` (a case channel) with
    the scopes it is registered as (``cross_province`` …), in one Chinese line; None when
    it can."""
    allowed = case_channels(item)
    if channel not in allowed:
        if channel == "window" and allowed == ("online",):
            listed = item.channels_text or "网上办理"
            return f"「{item.name}」只能网上办理 (办理渠道: {listed})，不能窗口登记"
        if channel == "online":
            return f"「{item.name}」不支持网上办理"
        names = "、".join(CHANNEL_LABELS[c] for c in allowed) or "无"
        way = CHANNEL_LABELS.get(channel, channel)
        return f"「{item.name}」不能以{way}渠道登记；可用: {names}"
    needed = item.channel_scopes.get(channel)
    if needed is not None and needed not in scopes:
        label = CHANNEL_SCOPES.get(needed, needed)
        way = CHANNEL_LABELS.get(channel, channel)
        return (
            f"「{item.name}」{way}办理仅支持{label}；本办件未登记为{label}，"
            f"请改为其他渠道办理；确属{label}的，登记时注明{label} (命令行 --cross-province)"
        )
    return None

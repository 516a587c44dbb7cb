"""The texts of alerts and digests, as the delivery queue stores them (`DeliveryStore`):
Chinese, times in Beijing time, never an identity number (the builders take none, and mask
anything shaped like one). The scheduler's channels send them as they are."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from jingban.calendar import BEIJING
from jingban.engine.identity import mask_identity
from jingban.engine.levels import ALERT_LEVELS, DUE_KIND_LABELS, LEVEL_LABELS

_FOOTER = "本消息由经办系统自动发送，请勿直接回复。"
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


@dataclass(frozen=True)
class Message:
    """One notification: a subject, a Markdown body for robots, a plain-text body for mail."""

    subject: str
    markdown: str
    text: str


@dataclass(frozen=True)
class DigestRow:
    """One open alert in a supervisor's daily digest."""

    level: str
    case_no: str
    item_name: str
    due_kind: str
    due_at: dt.datetime
    working_days_left: int


def alert_message(
    *,
    level: str,
    case_no: str,
    item_name: str,
    region_name: str,
    due_kind: str,
    due_at: dt.datetime,
    working_days_left: int,
    office: str | None,
) -> Message:
    """The alert for one case and one level. Raises ValueError on an unknown level or due
    kind, or a due time without a time zone."""
    label, kind = _level(level), _due_kind(due_kind)
    if working_days_left < 0:
        phrase = f"已超过{kind}"
    elif working_days_left == 0:
        phrase = f"{kind}今日到期"
    else:
        phrase = f"距{kind}还剩 {working_days_left} 个工作日"
    subject = f"【{label}】{case_no} {item_name} {phrase}"
    fields = [("办件编号", case_no), ("事项", item_name), ("地区", region_name)]
    if office:
        fields.append(("经办机构", office))
    fields += [
        ("时限", kind),
        ("到期时间(北京时间)", _beijing(due_at)),
        ("状态", _left(working_days_left)),
    ]
    advice = "已超过时限，请尽快办结。" if working_days_left < 0 else "请在到期前办结。"
    markdown = "\n\n".join(
        [
            f"### {subject}",
            "\n".join(f"- **{name}**：{value}" for name, value in fields),
            f"**{advice}**",
            f"> {_FOOTER}",
        ]
    )
    text = "\n\n".join(
        [subject, "\n".join(f"{name}：{value}" for name, value in fields), advice, _FOOTER]
    )
    return _scrubbed(Message(subject, markdown, text))


def digest_message(
    *, supervisor: str, region_name: str, day: dt.date, rows: Sequence[DigestRow]
) -> Message:
    """A supervisor's daily digest: the rows grouped red, orange, yellow (each group sorted
    by due time, with its count). Raises ValueError on an unknown level or due kind."""
    groups: dict[str, list[DigestRow]] = {level: [] for level in ALERT_LEVELS}
    for row in rows:
        _level(row.level)
        _due_kind(row.due_kind)
        groups[row.level].append(row)
    counts = "、".join(f"{LEVEL_LABELS[lv]} {len(rs)} 件" for lv, rs in groups.items())
    subject = f"【每日汇总】{region_name} {day.isoformat()} {counts}"
    greeting = (
        f"{supervisor}，您好：{region_name}截至 {day.isoformat()} 共有 {len(rows)} 件办件需要关注。"
    )
    md_parts, text_parts = [f"### {subject}", greeting], [subject, greeting]
    for level, members in groups.items():
        heading = f"{LEVEL_LABELS[level]}(共 {len(members)} 件)"
        lines = [
            f"{r.case_no} {r.item_name}：{_due_kind(r.due_kind)}，到期 {_beijing(r.due_at)}，"
            f"{_left(r.working_days_left)}"
            for r in sorted(members, key=lambda r: (r.due_at, r.case_no))
        ] or ["无"]
        md_parts += [f"#### {heading}", "\n".join(f"- {line}" for line in lines)]
        text_parts.append("\n".join([heading, *(f"  - {line}" for line in lines)]))
    md_parts.append(f"> {_FOOTER}")
    text_parts.append(_FOOTER)
    return _scrubbed(Message(subject, "\n\n".join(md_parts), "\n\n".join(text_parts)))


def _level(level: str) -> str:
    try:
        return LEVEL_LABELS[level]
    except KeyError:
        raise ValueError(f"unknown alert level: {level!r}") from None


def _due_kind(due_kind: str) -> str:
    try:
        return DUE_KIND_LABELS[due_kind]
    except KeyError:
        raise ValueError(f"unknown due kind: {due_kind!r}") from None


def _beijing(at: dt.datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"due time without a time zone: {at!r}")
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _left(days: int) -> str:
    if days < 0:
        return f"已超期 {-days} 个工作日"
    return "今日到期" if days == 0 else f"还剩 {days} 个工作日"


def _scrubbed(message: Message) -> Message:
    """``message`` with anything shaped like an 18-character identity number masked."""

    def scrub(text: str) -> str:
        return _ID_NUMBER.sub(lambda m: mask_identity(m.group()), text)

    return Message(scrub(message.subject), scrub(message.markdown), scrub(message.text))

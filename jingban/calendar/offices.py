"""Offices of a region as its notices print them: 文号 style and contacts.

A region's entry in ``data/regions.toml`` may carry ``notice_number``, the format of its
notice numbers (文号), and ``[[regions.<key>.offices]]``, one table per office: the short
name its numbers start with, its address, phone and 监督投诉电话, and where those facts come
from. An office entry with no ``prefix`` is the region's own office and the default for every
office not listed; an entry with a ``prefix`` serves every office whose name starts with it
(the longest prefix wins). `RegionProfile.office` picks the entry of a case's office.

A notice number is `NoticeNumbering.format`-ted from the office's short name, the Beijing
year of the action, the notice's code (受, 告 …) and the sequence number the storage layer
takes from its counter; numbering runs per region, short name, code and year.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from jingban.datafile import FileModel, Text, fail

#: The default 文号 format: 沙医保经〔2026〕受字第0001号.
DEFAULT_NOTICE_NUMBER = "{office_short}〔{year}〕{kind}字第{seq:04d}号"
_SAMPLE = {"office_short": "沙医保经", "year": 2026, "kind": "受", "seq": 1}


def check_notice_number(value: str) -> str:
    """``value`` if it formats with the fields office_short, year, kind and seq (each one
    at most once), else a validation error naming what is wrong."""
    try:
        text = value.format(**_SAMPLE)
    except (KeyError, IndexError) as exc:
        raise fail(
            f"文号格式只能使用 {{office_short}}、{{year}}、{{kind}}、{{seq}}，不能使用 {exc}"
        ) from None
    except ValueError as exc:
        raise fail(f"文号格式写法有误: {exc}") from None
    if "{seq" not in value:
        raise fail("文号格式必须包含序号 {seq}（例如 {seq:04d}）")
    if not text.strip():
        raise fail("文号格式不能为空")
    return value


class OfficeEntry(FileModel):
    """A ``[[regions.<key>.offices]]`` table: one office's 文号 prefix and contacts."""

    prefix: Text | None = Field(
        None,
        description="适用的经办机构名称开头（缺省: 本地区默认机构）/ office-name prefix it serves",
    )
    name: Text | None = Field(
        None, description="机构名称（办件未记机构时印在通知书上）/ printed name when none"
    )
    short: Text = Field(description="文号机构代字，如 沙医保经 / short name in notice numbers")
    address: Text | None = Field(None, description="办理地点 / address")
    phone: Text | None = Field(None, description="咨询电话 / enquiry phone")
    supervision_phone: Text | None = Field(None, description="监督投诉电话 / complaints phone")
    hours: Text | None = Field(
        None, description="办理时间，如 周一至周五 9:00—12:00 / opening hours as posted"
    )
    fee: Text | None = Field(
        None, description="收费依据及标准（事项目录未写明时）/ fees, where the catalog is silent"
    )
    review_body: Text | None = Field(
        None, description="行政复议机关（已知时）/ administrative review body, where known"
    )
    court: Text | None = Field(None, description="管辖人民法院（已知时）/ competent court")
    source: Text | None = Field(None, description="以上信息的出处 / where these facts come from")


@dataclass(frozen=True)
class Office:
    """The notice-facing facts of one office (or of the offices one entry serves)."""

    short: str
    prefix: str | None = None
    name: str | None = None
    address: str | None = None
    phone: str | None = None
    supervision_phone: str | None = None
    review_body: str | None = None
    court: str | None = None
    source: str | None = None
    hours: str | None = None
    fee: str | None = None

    @classmethod
    def from_entry(cls, entry: OfficeEntry) -> Office:
        return cls(
            short=entry.short,
            prefix=entry.prefix,
            name=entry.name,
            address=entry.address,
            phone=entry.phone,
            supervision_phone=entry.supervision_phone,
            review_body=entry.review_body,
            court=entry.court,
            source=entry.source,
            hours=entry.hours,
            fee=entry.fee,
        )


def pick_office(offices: tuple[Office, ...], office: str | None, fallback_short: str) -> Office:
    """The entry serving ``office``: the longest matching prefix, else the region's default
    entry (no prefix), else a bare entry with ``fallback_short``."""
    if office:
        matching = [o for o in offices if o.prefix and office.startswith(o.prefix)]
        if matching:
            return max(matching, key=lambda o: len(o.prefix or ""))
    default = next((o for o in offices if o.prefix is None), None)
    return default or Office(short=fallback_short)


def format_notice_number(fmt: str, *, office_short: str, year: int, kind: str, seq: int) -> str:
    """A notice number (文号) in the format ``fmt`` (checked by `check_notice_number`)."""
    return fmt.format(office_short=office_short, year=year, kind=kind, seq=seq)

"""The office's contacts as every notice and the receipt print them.

Name, address, phone and 监督投诉电话 of the office that handles a case: the item's own
办理机构及地点 / 咨询查询途径 / 监督投诉渠道 from its catalog where the guide gives them per item
(沙湾), else the office's entry in the region registry (`jingban.calendar.offices`: 沙湾's
office, 塔城's county supervision numbers). Templates call ``office_contacts(request, case)``
(the include ``_office_contacts.html``), so a page shows them with one include line.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from jingban.calendar import region_profile
from jingban.console.web import office_name, services_of, templates
from jingban.engine import Case
from jingban.errors import JingbanError
from jingban.workflows import Item

_ADDRESS = "办理机构及地点"
_ENQUIRY = "咨询查询途径"
_SUPERVISION = "监督投诉渠道"
_PHONE_LABELS = ("座机：", "座机:", "电话：", "电话:")


@dataclass(frozen=True)
class Contacts:
    """What a notice prints about the office (None: not known)."""

    name: str
    address: str | None = None
    phone: str | None = None
    supervision_phone: str | None = None
    review_body: str | None = None
    court: str | None = None


def _first_line(text: str | None) -> str | None:
    """The first line of a catalog cell, without its 座机： label (None if blank)."""
    if not text:
        return None
    line = text.strip().splitlines()[0].strip()
    for label in _PHONE_LABELS:
        line = line.removeprefix(label)
    return line.strip() or None


def contacts_for(region: str, office: str | None, item: Item | None) -> Contacts:
    """The contacts of ``office`` of ``region`` for a case of ``item`` (item cells first)."""
    entry = region_profile(region).office(office)
    extra = item.extra if item is not None else {}
    return Contacts(
        name=office_name(region, office),
        address=_first_line(extra.get(_ADDRESS)) or entry.address,
        phone=_first_line(extra.get(_ENQUIRY)) or entry.phone,
        supervision_phone=_first_line(extra.get(_SUPERVISION)) or entry.supervision_phone,
        review_body=entry.review_body,
        court=entry.court,
    )


def office_contacts(request: Request, case: Case) -> Contacts:
    """The contacts of ``case``'s office, with the item it was opened under."""
    services = services_of(request)
    try:
        item: Item | None = services.engine.item_of(case)
    except JingbanError:
        item = None
    return contacts_for(case.region, case.office, item)


templates.globals["office_contacts"] = office_contacts

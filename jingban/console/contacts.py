"""The office's contacts as every notice, the receipt and the registration form print them.

Name, address, hours, phone, 监督投诉电话 and 收费 of the office that handles a case, from
`jingban.workflows.office_info` (the item's own cells where its guide gives them per item,
else the office's entry in the region registry). Templates call
``office_contacts(request, case)`` (the include ``_office_contacts.html``), so a page shows
them with one include line; a page without a case yet (registration) sets
``shown_contacts`` from ``contacts_for(region, office, item)`` before the include.
"""

from __future__ import annotations

from fastapi import Request

from jingban.console.web import services_of, templates
from jingban.engine import Case
from jingban.errors import JingbanError
from jingban.workflows import Item
from jingban.workflows.office_info import OfficeInfo, office_info

Contacts = OfficeInfo
"""What a notice prints about the office (None: not known)."""


def contacts_for(region: str, office: str | None, item: Item | None) -> Contacts:
    """The contacts of ``office`` of ``region`` for a case of ``item`` (item cells first)."""
    return office_info(region, office, item)


def office_contacts(request: Request, case: Case) -> Contacts:
    """The contacts of ``case``'s office, with the item it was opened under."""
    services = services_of(request)
    try:
        item: Item | None = services.engine.item_of(case)
    except JingbanError:
        item = None
    return contacts_for(case.region, case.office, item)


templates.globals["office_contacts"] = office_contacts
templates.globals["contacts_for"] = contacts_for

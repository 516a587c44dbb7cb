"""The notices of a case as printed, rendered without a running server (for archives).

`printed_notices` renders every notice a case's actions issued — one per recorded action, in
the order of the audit trail — from the same template and context as the console's print
page (`jingban.console.notices`), and makes each page self-contained: the console's style
sheet is inlined, the script and the print toolbar (links into the console) are left out.
Each comes with its text as printed (the sheet's words, line by line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from jingban.console.contacts import Contacts, contacts_for
from jingban.console.notices import NOTICE_ACTIONS, notice_context
from jingban.console.web import STATIC_DIR, templates
from jingban.engine import AuditEvent, Case
from jingban.services import Services
from jingban.workflows import Item

__all__ = ["NoticePrint", "printed_notices"]

_KIND_OF = {action: kind for kind, actions in NOTICE_ACTIONS.items() for action in actions}
_STYLE_LINK = re.compile(r'<link rel="stylesheet" href="/console-static/console\.css">')
_SCRIPT = re.compile(r'<script src="/console-static/console\.js"[^>]*></script>\n?')
_TOOLBAR = re.compile(r'<div class="noprint toolbar">.*?</div>\n?', re.S)


@dataclass(frozen=True)
class NoticePrint:
    """One notice as printed: kind, title, number, the audit record (``seq``) it prints,
    the self-contained HTML page and its text."""

    kind: str
    title: str
    number: str
    seq: int
    html: str
    text: str


class _Text(HTMLParser):
    """The text of the printed sheet (``<article>``), one line per block."""

    _BLOCKS = frozenset({"p", "h1", "h2", "h3", "li", "dt", "dd", "tr", "br", "div", "section"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.depth += 1
        elif self.depth and tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.depth -= 1
        elif self.depth and tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line for line in lines if line) + "\n"


def _sheet_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.text()


def _self_contained(html: str) -> str:
    style = (STATIC_DIR / "console.css").read_text(encoding="utf-8")
    html = _STYLE_LINK.sub(lambda _m: f"<style>\n{style}</style>", html, count=1)
    html = _SCRIPT.sub("", html, count=1)
    return _TOOLBAR.sub("", html, count=1)


def printed_notices(
    services: Services, case: Case, item: Item, history: list[AuditEvent]
) -> list[NoticePrint]:
    """Every notice ``case``'s recorded actions issued, as printed (see the module)."""
    contacts = contacts_for(case.region, case.office, item)

    def office_contacts(_request: object, _case: Case) -> Contacts:
        return contacts

    out = []
    for event in history:
        kind = _KIND_OF.get(event.action)
        if kind is None or event.refused or event.outside_chain:
            continue
        if kind == "accept" and case.accepted_at is None:
            continue
        context = notice_context(services, case, item, kind, event)
        context.update(request=None, contacts=contacts, office_contacts=office_contacts)
        html = _self_contained(templates.get_template("notice.html").render(context))
        out.append(
            NoticePrint(
                kind=kind,
                title=str(context["title"]),
                number=str(context["number"]),
                seq=event.seq,
                html=html,
                text=_sheet_text(html),
            )
        )
    return out
